"""`sfn run`'s embedded worker keeps RQ's maintenance notes out of the command's stderr, and
RQ's other notes out of its stdout (the result)."""

from __future__ import annotations

import json
import subprocess
import sys

import redis
from support.crash import ACTIVITIES, FAST, kill_tree
from support.waiting import wait_until
from support.workers import run_sfn

from engine.runtime.engine import Engine

# Not ended by its start (a run that is starts no worker): the embedded worker meets the job.
WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 0, "End": True}}}


def test_an_abandoned_rq_job_found_by_sfn_run_is_not_reported_on_its_stderr(
    redis_url, sfn_worker, tmp_path
) -> None:
    gate = tmp_path / "gate"
    gate.mkdir()
    task = {"Type": "Task", "Resource": "crash_step", "End": True}
    task["Parameters"] = {"name": "Work", "ledger.$": "$.ledger", "gate.$": "$.gate"}
    machine = {"StartAt": "Work", "States": {"Work": task}}
    worker = sfn_worker(activities=[ACTIVITIES], env=FAST)
    engine = Engine(redis_url)
    given = {"ledger": str(tmp_path / "ledger"), "gate": str(gate)}
    engine.start_execution(machine, given, check_resources=False)
    running = gate / "Work.running"
    wait_until(running.exists, timeout=30, what="the activity to start")
    kill_tree(worker.pid)  # RQ's record of the job stays STARTED: abandoned
    (gate / "Work.go").touch()  # the redelivery may finish at once
    client = redis.Redis.from_url(redis_url)
    started = [key for key in client.scan_iter("rq:wip:*") if client.zcard(key)]
    assert started, "RQ keeps no record of the running job"
    for key in started:  # as if RQ's heartbeat window had passed
        client.zadd(key, dict.fromkeys(client.zrange(key, 0, -1), 1))
    workflow = tmp_path / "wait.json"
    workflow.write_text(json.dumps(WAIT))
    args = ["run", str(workflow), "--activities", str(ACTIVITIES)]
    done = run_sfn(args, redis_url=redis_url, env=FAST, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sum(client.zcard(key) for key in client.scan_iter("rq:failed:*")) >= 1  # RQ cleaned up
    assert "Abandoned" not in done.stderr and "cleanup" not in done.stderr, done.stderr
    assert done.stderr.splitlines()[0].startswith("execution wait:")  # sfn's own progress


RQ_NOTE = """
import logging, fakeredis
from rq.logutils import setup_loghandlers
from engine.activities import Registry
from engine.runtime.worker import EmbeddedWorker

EmbeddedWorker(fakeredis.FakeRedis(), activities=Registry())
setup_loghandlers("WARNING")  # what RQ's work() does first
logging.getLogger("rq.worker").warning("pubsub thread exiting on a lost connection")
print('{"status": "SUCCEEDED"}')
"""


def test_rq_notes_of_the_embedded_worker_go_to_stderr_not_into_the_result() -> None:
    ran = subprocess.run(
        [sys.executable, "-c", RQ_NOTE], capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == '{"status": "SUCCEEDED"}\n'
    assert "pubsub thread exiting on a lost connection" in ran.stderr
