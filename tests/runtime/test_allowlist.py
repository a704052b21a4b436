"""Foreign RQ jobs: a real `sfn worker` runs only sfn's own job functions.

Anyone who can write to Redis can enqueue a job naming any callable on the `sfn` queue; the
worker must fail it without importing anything it names. The module below announces any import
of itself (and any call) by writing a marker file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from rq import Callback, Queue
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from support.crash import ACTIVITIES
from support.workers import start_worker

from engine.runtime import allowlist, jobs
from engine.runtime.engine import Engine

SIDE_EFFECT = """
from pathlib import Path
Path(__file__).with_name("IMPORTED").write_text("imported")

def run(*args, **kwargs):
    Path(__file__).with_name("RAN").write_text("ran")
"""
SQUARE = {
    "StartAt": "S",
    "States": {"S": {"Type": "Task", "Resource": "crash_square", "End": True}},
}


def foreign_jobs(client: redis.Redis, plant: Path) -> list[Job]:
    """Jobs a stranger could enqueue: a builtin, a module with an import side effect, and one of
    sfn's own functions carrying a callback that names that module."""
    queue = Queue("sfn", connection=client, serializer=JSONSerializer)
    return [
        queue.enqueue_call("os.system", args=(f"touch {plant / 'SYSTEM'}",)),
        queue.enqueue_call("planted.run"),
        queue.enqueue_call(
            "engine.runtime.jobs.advance_group",
            kwargs={"execution": "x", "group": "y"},
            on_failure=Callback("planted.run"),
        ),
    ]


@pytest.mark.parametrize("mode", [[], ["--fork"]], ids=["simple", "fork"])
def test_a_worker_refuses_foreign_jobs_and_imports_nothing_they_name(
    redis_url, tmp_path, mode
) -> None:
    plant = tmp_path / "plant"
    plant.mkdir()
    (plant / "planted.py").write_text(SIDE_EFFECT)
    client = redis.Redis.from_url(redis_url)
    refused = foreign_jobs(client, plant)
    engine = Engine(redis_url)
    execution = engine.start_execution(SQUARE, 7, check_resources=False)

    options = {"args": ["--burst", *mode], "env": {"PYTHONPATH": str(plant)}}
    worker = start_worker(redis_url, tmp_path / "logs", activities=[ACTIVITIES], **options)
    assert worker.process.wait(timeout=60) == 0, worker.output()

    assert sorted(path.name for path in plant.iterdir()) == ["planted.py"], worker.output()
    for job in refused:
        assert job.get_status(refresh=True) == JobStatus.FAILED
        assert job.id in Queue("sfn", connection=client).failed_job_registry
    lines = [line for line in worker.output().splitlines() if "refused RQ job" in line]
    assert len(lines) == len(refused), worker.output()
    assert "'os.system'" in lines[0] and "callbacks" in lines[2]
    assert engine.describe(execution)["output"] == "49"  # sfn's own jobs still run


def test_the_allowlist_names_the_job_functions_that_exist() -> None:
    for path in allowlist.ALLOWED:
        module, _, name = path.rpartition(".")
        assert module == jobs.__name__ and callable(getattr(jobs, name))
    with pytest.raises(ValueError):
        allowlist.job_path("system")
