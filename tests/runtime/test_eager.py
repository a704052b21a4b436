"""Eager tasks: a worker that commits a Task's result runs the run's next Task itself.

An activity tells how it was delivered: inside the RQ job named by its task token (queued),
or with no RQ job at all (claimed by the worker's previous commit, run after that job ended).
In-process `SfnWorker`s on fakeredis cover the choice of what to claim; real `sfn worker`
processes on a real Redis cover a worker killed or told to stop while it runs a claimed Task.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rq import SimpleWorker, get_current_job
from rq.job import Job
from support.crash import FAST, check_ledger, kill_tree, output_of
from support.eager import (
    ACTIVITIES,
    KEPT,
    PROBE,
    as_crash_entries,
    awaited_token,
    chain,
    how,
    in_a_map,
    ledger_of,
    no_leftovers,
    rq_worker_key,
    started,
    stepped,
    stepped_output,
    without_timestamps,
)
from support.inspection import claimed_task, due_at, records, timer_kinds, work_timers
from support.waiting import wait_for_file, wait_until
from support.workers import descendants, run_sfn

from engine import integrations
from engine.activities import ActivityContext, activity
from engine.errors import UsageError
from engine.runtime import config, dispatch, eager, timers, tokens
from engine.runtime.engine import Engine
from engine.runtime.store import ROOT
from engine.runtime.timer_entries import LeaseExpiry
from engine.runtime.worker import make_worker

EXAMPLE = Path(__file__).resolve().parents[2] / "workflows" / "order.yaml"
ELSEWHERE = "eager.elsewhere"  # a queue the in-process workers do not listen on by default
BOUND = 30  # seconds: nothing may wait longer than this
ITERATION = (("A", "queued"), ("B", "claimed"))  # how a two-Task Map iteration runs

RUNS: list[dict] = []
HOOKS: dict[str, Callable[[ActivityContext], None]] = {}


def _record(task: dict, context: ActivityContext) -> dict:
    job = get_current_job()
    run = {"name": task["name"], "item": task.get("item"), "job": job.id if job else None}
    RUNS.append({**run, "token": context.task_token, "key": context.idempotency_key})
    if task["name"] in HOOKS:
        HOOKS[task["name"]](context)
    return {"step": task["name"]}


@activity(PROBE)
def probe(task: dict, context: ActivityContext) -> dict:
    return _record(task, context)


@activity("eager_routed", queue=ELSEWHERE)
def routed(task: dict, context: ActivityContext) -> dict:
    return _record(task, context)


@activity("eager_env_routed")
def env_routed(task: dict, context: ActivityContext) -> dict:
    return _record(task, context)


@pytest.fixture(autouse=True)
def _clean() -> None:
    RUNS.clear()
    HOOKS.clear()


def work(engine: Engine, queues: tuple[str, ...] = ()) -> None:
    """Run queued jobs (and the Tasks they claim) in an `SfnWorker` until the queues are empty."""
    make_worker(engine.redis, queues, activities=engine.activities).work(
        burst=True, logging_level="WARNING"
    )


def test_a_worker_runs_the_next_tasks_of_a_run_itself(engine: Engine, setting) -> None:
    seen = {}

    def in_flight(context: ActivityContext) -> None:
        token, execution = context.task_token, context.execution_id
        lease = LeaseExpiry(execution, ROOT, token, 0)
        seen["payload"] = claimed_task(engine.redis, execution, token)
        seen["lease"] = due_at(engine.redis, lease) is not None
        seen["job"] = Job.exists(tokens.job_id(token), connection=engine.redis)
        seen["timers"] = timer_kinds(engine.redis, execution)
        # B runs before RQ's own bookkeeping of A's job (that would delay B): A's still open.
        seen["a_job"] = engine.redis.hget(Job.key_for(tokens.job_id(RUNS[0]["token"])), "status")

    HOOKS["B"] = in_flight
    execution = engine.start_execution(chain(["A", "B", "C"]), {"given": 1}, "eager")
    work(engine)
    described = engine.describe(execution)
    assert described["status"] == "SUCCEEDED"
    expected = {"given": 1, "A": {"step": "A"}, "B": {"step": "B"}, "C": {"step": "C"}}
    assert output_of(described) == expected
    assert [(run["name"], how(run)) for run in RUNS] == [
        ("A", "queued"),
        ("B", "claimed"),
        ("C", "claimed"),
    ]
    # While B ran: its payload and the worker's lease were there, and no RQ job or watch.
    token_b = RUNS[1]["token"]
    assert seen["payload"]["queue"] == dispatch.activity_queue(PROBE)
    assert (seen["payload"]["job"]["token"], seen["payload"]["job"]["state"]) == (token_b, "B")
    assert (seen["lease"], seen["job"], seen["timers"]) == (True, False, ["lease"])
    assert seen["a_job"] == b"started"
    assert records(engine.redis, execution) == KEPT
    assert work_timers(engine.redis, execution) == []

    # The same machine with every Task queued writes the same history.
    eager_history = without_timestamps(engine.history(execution))
    RUNS.clear()
    setting(config.ENV_EAGER, "0")
    plain = engine.start_execution(chain(["A", "B", "C"]), {"given": 1}, "plain")
    work(engine)
    assert [how(run) for run in RUNS] == ["queued"] * 3
    assert without_timestamps(engine.history(plain)) == eager_history
    kinds = [event["type"] for event in eager_history]
    for kind in ("TaskScheduled", "TaskStarted", "TaskSucceeded"):
        assert kinds.count(kind) == 3, kind


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        ("0", ["queued", "queued", "queued", "queued"]),
        ("1", ["queued", "claimed", "queued", "claimed"]),
        ("2", ["queued", "claimed", "claimed", "queued"]),
        ("", ["queued", "claimed", "claimed", "claimed"]),  # the default: 10
    ],
)
def test_a_worker_claims_at_most_sfn_eager_tasks_in_a_row(
    engine: Engine, setting, limit: str, expected: list[str]
) -> None:
    setting(config.ENV_EAGER, limit)
    names = ["A", "B", "C", "D"]
    execution = engine.start_execution(chain(names), {})
    work(engine)
    assert engine.describe(execution)["status"] == "SUCCEEDED"
    assert [run["name"] for run in RUNS] == names
    assert [how(run) for run in RUNS] == expected
    assert records(engine.redis, execution) == KEPT


def test_plain_rq_workers_never_claim(engine: Engine) -> None:
    execution = engine.start_execution(chain(["A", "B", "C"]), {})
    make_worker(engine.redis, [], SimpleWorker, activities=engine.activities).work(
        burst=True, logging_level="WARNING"
    )
    assert engine.describe(execution)["status"] == "SUCCEEDED"
    assert [how(run) for run in RUNS] == ["queued"] * 3


@pytest.mark.parametrize("routing", ["decorator", "environment"])
def test_a_task_routed_to_a_queue_the_worker_lacks_is_not_claimed(
    engine: Engine, setting, monkeypatch, routing: str
) -> None:
    resource = "eager_routed" if routing == "decorator" else "eager_env_routed"
    setting(config.ENV_QUEUES, f"eager_env_routed={ELSEWHERE}")
    execution = engine.start_execution(chain(["A", "B", "C"], {"B": resource}), {})
    work(engine)
    assert engine.describe(execution)["status"] == "RUNNING"
    assert [(run["name"], how(run)) for run in RUNS] == [("A", "queued")]
    token_b = awaited_token(engine, execution)
    assert dispatch.queue(engine.redis, ELSEWHERE).job_ids == [tokens.job_id(token_b)]
    assert claimed_task(engine.redis, execution, token_b) is None

    work(engine, (ELSEWHERE,))  # a worker that listens there takes B, then claims C
    assert engine.describe(execution)["status"] == "SUCCEEDED"
    assert [(run["name"], how(run)) for run in RUNS] == [
        ("A", "queued"),
        ("B", "queued"),
        ("C", "claimed"),
    ]
    assert RUNS[1]["token"] == token_b
    assert records(engine.redis, execution) == KEPT


@pytest.mark.parametrize("routing", ["decorator", "environment"])
def test_a_task_routed_to_a_queue_the_worker_listens_on_is_claimed(
    engine: Engine, setting, monkeypatch, routing: str
) -> None:
    resource = "eager_routed" if routing == "decorator" else "eager_env_routed"
    setting(config.ENV_QUEUES, f"eager_env_routed={ELSEWHERE}")
    payloads = []

    def payload(context: ActivityContext) -> None:
        payloads.append(claimed_task(engine.redis, context.execution_id, context.task_token))

    HOOKS["B"] = payload
    execution = engine.start_execution(chain(["A", "B"], {"B": resource}), {})
    work(engine, (ELSEWHERE,))
    assert engine.describe(execution)["status"] == "SUCCEEDED"
    assert [(run["name"], how(run)) for run in RUNS] == [("A", "queued"), ("B", "claimed")]
    # Should this worker die, the attempt is sent again to the queue it is routed to.
    assert [record["queue"] for record in payloads] == [ELSEWHERE]


def test_each_map_iteration_claims_its_own_next_task(engine: Engine) -> None:
    processor = chain(["A", "B"], fields={name: {"item.$": "$.n"} for name in ("A", "B")})
    processor["States"]["B"]["ResultPath"] = None
    each = {"Type": "Map", "MaxConcurrency": 2, "ItemProcessor": processor, "End": True}
    items = [{"n": n} for n in range(4)]
    execution = engine.start_execution({"StartAt": "Each", "States": {"Each": each}}, items)
    work(engine)
    described = engine.describe(execution)
    assert described["status"] == "SUCCEEDED"
    assert output_of(described) == [{"n": n, "A": {"step": "A"}} for n in range(4)]
    by_item = {(run["item"], run["name"]): how(run) for run in RUNS}
    assert len(RUNS) == len(by_item) == 8
    assert by_item == {(n, name): how_ for n in range(4) for name, how_ in ITERATION}
    assert records(engine.redis, execution) == KEPT


def test_a_claimed_callback_task_waits_for_its_token(engine: Engine) -> None:
    resources = {"B": f"{PROBE}.waitForTaskToken"}
    execution = engine.start_execution(chain(["A", "B"], resources), {})
    work(engine)
    assert [(run["name"], how(run)) for run in RUNS] == [("A", "queued"), ("B", "claimed")]
    assert engine.describe(execution)["status"] == "RUNNING"
    assert work_timers(engine.redis, execution) == []  # the activity returned: its lease ended
    token = RUNS[1]["token"]
    engine.send_task_success(token, {"called": "back"})
    described = engine.describe(execution)
    assert described["status"] == "SUCCEEDED"
    assert output_of(described)["B"] == {"called": "back"}
    assert records(engine.redis, execution) == KEPT  # the payload went with the token


def test_a_stop_while_a_claimed_task_runs_ends_the_execution_and_drops_the_late_result(
    engine: Engine,
) -> None:
    leased = []

    def stop(context: ActivityContext) -> None:
        lease = LeaseExpiry(context.execution_id, ROOT, context.task_token, 0)
        leased.append(due_at(engine.redis, lease) is not None)
        engine.stop(context.execution_id, "Halted", "by the test")

    HOOKS["B"] = stop
    execution = engine.start_execution(chain(["A", "B", "C"]), {})
    work(engine)
    described = engine.describe(execution)
    assert (described["status"], described["error"]) == ("ABORTED", "Halted")
    assert [(run["name"], how(run)) for run in RUNS] == [("A", "queued"), ("B", "claimed")]
    assert leased == [True]
    history = engine.history(execution)
    assert [event["type"] for event in history].count("TaskSucceeded") == 1  # A's only
    assert history[-1]["type"] == "ExecutionAborted"
    # No poller ran: only the late result's own trip can have ended B's lease.
    assert work_timers(engine.redis, execution) == []
    assert records(engine.redis, execution) == KEPT
    assert dispatch.queue(engine.redis, dispatch.activity_queue(PROBE)).job_ids == []  # no C


def test_a_claimed_task_that_times_out_is_caught_and_its_late_result_dropped(
    engine: Engine,
) -> None:
    def time_out(context: ActivityContext) -> None:
        # The poller's turn, while B runs: its TimeoutSeconds timer falls due.
        assert timers.fire_due(engine.runtime, now=time.time() + 2) == 1

    HOOKS["B"] = time_out
    definition = chain(["A", "B", "C"])
    catch = {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "C"}
    definition["States"]["B"].update(TimeoutSeconds=1, Catch=[catch])
    execution = engine.start_execution(definition, {})
    work(engine)
    described = engine.describe(execution)
    assert described["status"] == "SUCCEEDED"
    assert output_of(described)["error"]["Error"] == "States.Timeout"
    assert "B" not in output_of(described)
    # C was scheduled by the timeout's commit, which has no worker's chain: it was queued.
    assert [(run["name"], how(run)) for run in RUNS] == [
        ("A", "queued"),
        ("B", "claimed"),
        ("C", "queued"),
    ]
    kinds = [event["type"] for event in engine.history(execution)]
    assert (kinds.count("TaskTimedOut"), kinds.count("TaskSucceeded")) == (1, 2)  # A and C
    assert work_timers(engine.redis, execution) == []
    assert records(engine.redis, execution) == KEPT


def test_a_claimed_task_whose_sibling_branch_fails_meanwhile_commits_nothing(
    engine: Engine,
) -> None:
    def sibling_fails(context: ActivityContext) -> None:
        # The poller's turn, while B runs: the other branch's Wait ends, then it fails.
        assert timers.fire_due(engine.runtime, now=time.time() + 2) >= 1
        assert engine.describe(context.execution_id)["status"] == "FAILED"

    HOOKS["B"] = sibling_fails
    waits = {"Type": "Wait", "Seconds": 1, "Next": "Broke"}
    broke = {"Type": "Fail", "Error": "Branch.Broke", "Cause": "by the test"}
    failing = {"StartAt": "W", "States": {"W": waits, "Broke": broke}}
    both = {"Type": "Parallel", "Branches": [chain(["A", "B"]), failing], "End": True}
    execution = engine.start_execution({"StartAt": "Both", "States": {"Both": both}}, {})
    work(engine)
    described = engine.describe(execution)
    assert (described["status"], described["error"]) == ("FAILED", "Branch.Broke")
    assert [(run["name"], how(run)) for run in RUNS] == [("A", "queued"), ("B", "claimed")]
    kinds = [event["type"] for event in engine.history(execution)]
    assert kinds.count("TaskSucceeded") == 1  # A's only: B's late result was not committed
    assert work_timers(engine.redis, execution) == []  # B's lease ended with that late result
    assert records(engine.redis, execution) == KEPT


def test_a_chain_claims_only_what_this_worker_may_run_itself() -> None:
    own, shared = dispatch.activity_queue(PROBE), "eager.shared"
    stopping = [False]
    queues = [dispatch.DEFAULT_QUEUE, own, shared]
    claims = eager.Chain(queues, lambda: stopping[0], most=2, activities={PROBE})
    assert claims.can_claim(PROBE, own)
    # The integration table names the activity of a callback Task: its own.
    assert integrations.resolve(f"{PROBE}.waitForTaskToken").activity({}) == PROBE
    assert not claims.can_claim(PROBE, ELSEWHERE)  # a queue it does not listen on
    assert not claims.can_claim("eager_nobody_has_this", shared)  # an activity it lacks
    elsewhere = eager.Chain(queues, lambda: False, most=2, activities={"other"})
    assert not elsewhere.can_claim(PROBE, own)  # registered here, but not in that worker's registry
    stopping[0] = True
    assert not claims.can_claim(PROBE, own)  # told to stop
    stopping[0] = False
    assert claims.can_claim(PROBE, own)
    spent = eager.Chain([own], lambda: False, most=0, activities={PROBE})
    assert not spent.can_claim(PROBE, own)  # no claims left in this chain


@pytest.mark.parametrize(("setting", "most"), [("0", 0), ("3", 3), ("", 10)])
def test_a_worker_holds_a_chain_only_while_it_runs_a_job(monkeypatch, setting, most) -> None:
    monkeypatch.setenv(config.ENV_EAGER, setting)
    assert config.from_env().eager_tasks == most
    assert eager.current() is None
    most_read = config.from_env().eager_tasks
    with eager.chain([dispatch.DEFAULT_QUEUE], lambda: False, most_read, {PROBE}) as held:
        assert eager.current() is held
        assert (held is None) == (most == 0)
        assert held is None or held.can_claim(PROBE, dispatch.DEFAULT_QUEUE)
    assert eager.current() is None


@pytest.mark.parametrize("setting", ["abc", "-1", "2.5"])
def test_a_bad_eager_setting_is_a_usage_error_before_any_work(
    monkeypatch, redis_url, setting
) -> None:
    monkeypatch.setenv(config.ENV_EAGER, setting)
    with pytest.raises(UsageError, match=f"SFN_EAGER_TASKS must be a whole number.*{setting}"):
        config.from_env()
    for args in (["worker", "--burst"], ["run", str(EXAMPLE)]):
        done = run_sfn(args, redis_url=redis_url, env={config.ENV_EAGER: setting})
        assert done.returncode == 2, done.stderr
        assert "SFN_EAGER_TASKS must be a whole number" in done.stderr
        assert "Traceback" not in done.stderr
    assert Engine(redis_url, config=config.RuntimeConfig()).list_executions() == []  # none


@pytest.mark.parametrize("where", ["root", "iteration"])
def test_a_worker_killed_running_a_claimed_task_is_replaced_through_the_queue(
    redis_url, sfn_worker, tmp_path, where: str
) -> None:
    names = ["A", "B", "C"]
    ledger, gate = tmp_path / "ledger", tmp_path / "gate"
    gate.mkdir()
    victim = sfn_worker(activities=[ACTIVITIES], env=FAST)
    engine = Engine(redis_url)
    definition = stepped(names, ledger, gate, "B")
    definition, given = (definition, {}) if where == "root" else (in_a_map(definition), [{}])
    execution = engine.start_execution(definition, given, check_resources=False)
    wait_for_file(gate / "B.running", timeout=BOUND)
    (first_a,), (first_b,) = started(ledger_of(ledger), "A"), started(ledger_of(ledger), "B")
    assert (how(first_a), how(first_b)) == ("queued", "claimed")
    token = first_b["token"]
    assert claimed_task(engine.redis, execution, token) is not None
    assert not Job.exists(tokens.job_id(token), connection=engine.redis)
    kill_tree(victim.pid)
    victim.process.wait(timeout=BOUND)
    (gate / "B.go").write_text("go")
    rescuer = sfn_worker(activities=[ACTIVITIES], env=FAST)
    described = engine.wait(execution, timeout=BOUND)
    assert described["status"] == "SUCCEEDED", described
    expected = stepped_output(names)
    assert output_of(described) == (expected if where == "root" else [expected])

    entries = ledger_of(ledger)
    assert [len(started(entries, name)) for name in names] == [1, 2, 1]
    again = started(entries, "B")[1]
    # Sent again through the queue as delivery 1 of the same attempt (job `<token>-1`).
    assert (again["token"], again["key"]) == (token, first_b["key"])
    assert how(again) == tokens.job_id(token, 1)
    assert again["pid"] in descendants(rescuer.pid)
    (last,) = started(entries, "C")
    assert (how(last), last["pid"]) == ("claimed", again["pid"])
    check_ledger(as_crash_entries(entries), engine.history(execution), {victim.pid})

    no_leftovers(engine.redis, execution)
    # No lease or watch of a live attempt is left. The dead worker's lease may still be listed
    # (the poller that fired it removes it next), and a Map's join timer may have fired while
    # the victim lay dead, leaving its one-off recheck: both go once they are delivered.
    dead_lease = LeaseExpiry(execution, ROOT, token, 0)
    left = {t.kind for t in work_timers(engine.redis, execution) if t != dead_lease}
    assert left <= {"join"}
    wait_until(lambda: not work_timers(engine.redis, execution), what="the last timers to go")


@pytest.mark.parametrize(("victim", "expected"), [("A", "queued"), ("B", "claimed")])
def test_a_worker_told_to_stop_finishes_its_task_and_claims_no_more(
    redis_url, sfn_worker, tmp_path, victim: str, expected: str
) -> None:
    names = ["A", "B", "C"]
    after = names[names.index(victim) + 1]
    ledger, gate = tmp_path / "ledger", tmp_path / "gate"
    gate.mkdir()
    stopping = sfn_worker(activities=[ACTIVITIES], env=FAST)
    engine = Engine(redis_url)
    definition = stepped(names, ledger, gate, victim)
    execution = engine.start_execution(definition, {}, check_resources=False)
    wait_for_file(gate / f"{victim}.running", timeout=BOUND)
    assert [how(entry) for entry in started(ledger_of(ledger), victim)] == [expected]
    worker_key = rq_worker_key(engine.redis, stopping.pid)
    stopping.process.send_signal(signal.SIGTERM)
    wait_until(
        lambda: engine.redis.hget(worker_key, "shutdown_requested_date"),
        timeout=BOUND,
        what="the worker to take the stop request",
    )
    (gate / f"{victim}.go").write_text("go")
    assert stopping.process.wait(timeout=BOUND) == 0

    # The task in hand was committed; the next one waits in the queue, not claimed.
    assert engine.describe(execution)["status"] == "RUNNING"
    assert [entry["name"] for entry in ledger_of(ledger) if entry["kind"] == "done"] == names[
        : names.index(victim) + 1
    ]
    token = awaited_token(engine, execution)
    assert dispatch.queue(engine.redis, dispatch.activity_queue("eager_step")).job_ids == [
        tokens.job_id(token)
    ]
    assert claimed_task(engine.redis, execution, token) is None

    sfn_worker(activities=[ACTIVITIES], env=FAST)
    described = engine.wait(execution, timeout=BOUND)
    assert described["status"] == "SUCCEEDED", described
    assert output_of(described) == stepped_output(names)
    (next_run,) = started(ledger_of(ledger), after)
    assert (next_run["token"], how(next_run)) == (token, "queued")
    no_leftovers(engine.redis, execution)


@pytest.mark.parametrize("args", [["--fork"], ["--eager-tasks", "0"]])
def test_forking_workers_and_eager_tasks_0_never_claim(
    redis_url, sfn_worker, tmp_path, args
) -> None:
    names, ledger = ["A", "B", "C"], tmp_path / "ledger"
    sfn_worker(activities=[ACTIVITIES], env=FAST, args=args)
    engine = Engine(redis_url)
    execution = engine.start_execution(stepped(names, ledger), {}, check_resources=False)
    described = engine.wait(execution, timeout=BOUND)
    assert described["status"] == "SUCCEEDED", described
    assert [how(entry) for entry in ledger_of(ledger) if entry["kind"] == "start"] == ["queued"] * 3
