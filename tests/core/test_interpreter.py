"""The advance() contract: triggers in, snapshot + events + effects out, nothing else."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest

from engine.core import advance
from engine.core.effects import CancelTimer, Finish, RunTask, StartChildren, StartTimer
from engine.core.env import TRANSITION_BUDGET
from engine.core.triggers import (
    ChildFailed,
    ChildrenDone,
    Redrive,
    Start,
    Stop,
    TaskFailed,
    TaskSucceeded,
    TaskTimedOut,
    TimerFired,
)
from engine.definition.compiler import compile_machine

T0 = datetime(2024, 1, 1, tzinfo=UTC)


class FixedEnv:
    def __init__(self, now: datetime = T0, execution_input: object = None):
        self.moment = now
        self.ids = itertools.count()
        self.input = execution_input

    def execution_input(self) -> object:
        return self.input

    def now(self) -> datetime:
        return self.moment

    def random(self) -> float:
        return 0.5

    def uuid(self) -> str:
        return f"uuid-{next(self.ids)}"

    def token(self) -> str:
        return f"token-{next(self.ids)}"


def machine(states: dict, start: str | None = None, **top) -> object:
    return compile_machine({"StartAt": start or next(iter(states)), "States": states, **top})


TASK = {"Type": "Task", "Resource": "work", "End": True}


def only(effects, kind):
    found = [effect for effect in effects if isinstance(effect, kind)]
    assert len(found) == 1, effects
    return found[0]


def test_payloads_printed_by_the_shell_are_the_texts_the_history_shows():
    """A start's input printed by the shell (the stored input), and an end's output as its
    last state printed it, are reused as they are: printed once."""
    m = machine({"A": {"Type": "Pass", "End": True}})
    step = advance(m, None, Start({"x": 0}, encoded='{"x":0} '), FixedEnv())
    started, entered, exited, succeeded = step.events
    assert started["executionStartedEventDetails"]["input"] == '{"x":0} '
    assert entered["stateEnteredEventDetails"]["input"] == '{"x":0} '
    assert exited["stateExitedEventDetails"]["output"] == '{"x":0} '  # the same value
    assert succeeded["executionSucceededEventDetails"]["output"] == '{"x":0} '
    assert only(step.effects, Finish).encoded == '{"x":0} '
    unprinted = advance(m, None, Start({"x": 0}), FixedEnv())
    assert unprinted.events[0]["executionStartedEventDetails"]["input"] == '{"x":0}'
    assert only(unprinted.effects, Finish).output_text() == '{"x":0}'


def test_pure_states_run_to_the_end_in_one_step():
    m = machine(
        {
            "A": {"Type": "Pass", "Result": 1, "ResultPath": "$.a", "Next": "B"},
            "B": {"Type": "Succeed"},
        }
    )
    step = advance(m, None, Start({"x": 0}), FixedEnv())
    assert only(step.effects, Finish) == Finish("SUCCEEDED", output={"x": 0, "a": 1})
    assert [event["type"] for event in step.events] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "SucceedStateEntered",
        "SucceedStateExited",
        "ExecutionSucceeded",
    ]
    assert step.snapshot["status"] == "SUCCEEDED"
    json.dumps(step.snapshot)  # a snapshot is plain JSON data


def test_a_task_is_scheduled_then_completed_by_its_token():
    m = machine({"T": {**TASK, "Parameters": {"v.$": "$.v"}}})
    env = FixedEnv()
    first = advance(m, None, Start({"v": 3}), env)
    task = only(first.effects, RunTask)
    assert (task.resource, task.input, task.state_name, task.attempt) == ("work", {"v": 3}, "T", 0)
    assert first.snapshot["status"] == "RUNNING"
    done = advance(m, first.snapshot, TaskSucceeded(task.token, {"r": 1}), env)
    assert only(done.effects, Finish).output == {"r": 1}
    assert done.snapshot["version"] == first.snapshot["version"] + 1


def test_a_stale_token_changes_nothing():
    m = machine({"T": TASK})
    env = FixedEnv()
    first = advance(m, None, Start({}), env)
    stale = advance(m, first.snapshot, TaskSucceeded("not-the-token", 1), env)
    assert stale.snapshot is first.snapshot and stale.events == [] and stale.effects == []


def test_advance_does_not_mutate_the_snapshot_it_is_given():
    m = machine({"T": TASK})
    env = FixedEnv()
    first = advance(m, None, Start({}), env)
    before = json.dumps(first.snapshot, sort_keys=True)
    advance(m, first.snapshot, TaskSucceeded(only(first.effects, RunTask).token, 1), env)
    assert json.dumps(first.snapshot, sort_keys=True) == before


def test_no_step_mutates_its_snapshot_retry_assign_and_redrive_included():
    # The working copy shares what steps only replace; these steps change nested records.
    retry = [{"ErrorEquals": ["Boom"], "MaxAttempts": 1}]
    task = {**TASK, "Retry": retry, "Assign": {"seen.$": "$"}, "End": False, "Next": "T2"}
    m = machine({"T": task, "T2": {**TASK, "Assign": {"more": 1}}})
    env = FixedEnv()
    step = advance(m, None, Start({"a": 1}), env)
    triggers = [
        lambda s: TaskFailed(only(s.effects, RunTask).token, "Boom"),
        lambda s: TimerFired(only(s.effects, StartTimer).timer_id),
        lambda s: TaskSucceeded(only(s.effects, RunTask).token, {"b": 2}),
        lambda s: TaskFailed(only(s.effects, RunTask).token, "Other"),
        lambda s: Redrive(),
    ]
    for make_trigger in triggers:
        before = json.dumps(step.snapshot, sort_keys=True)
        following = advance(m, step.snapshot, make_trigger(step), env)
        assert json.dumps(step.snapshot, sort_keys=True) == before
        assert following.snapshot != step.snapshot
        step = following
    assert step.snapshot["context"]["Execution"]["RedriveCount"] == 1


def test_retry_waits_on_a_timer_and_counts_attempts():
    retry = [{"ErrorEquals": ["Boom"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 2}]
    m = machine({"T": {**TASK, "Retry": retry}})
    env = FixedEnv()
    step = advance(m, None, Start({}), env)
    delays = []
    for _ in range(2):
        step = advance(m, step.snapshot, TaskFailed(only(step.effects, RunTask).token, "Boom"), env)
        timer = only(step.effects, StartTimer)
        delays.append(timer.at - env.now())
        step = advance(m, step.snapshot, TimerFired(timer.timer_id), env)
        assert only(step.effects, RunTask).attempt == len(delays)
    assert delays == [timedelta(seconds=2), timedelta(seconds=6)]
    step = advance(
        m, step.snapshot, TaskFailed(only(step.effects, RunTask).token, "Boom", "c"), env
    )
    assert only(step.effects, Finish) == Finish("FAILED", error="Boom", cause="c")


def test_task_timeout_fails_with_states_timeout():
    m = machine({"T": {**TASK, "TimeoutSeconds": 5}})
    env = FixedEnv()
    step = advance(m, None, Start({}), env)
    task = only(step.effects, RunTask)
    assert task.timeout_seconds == 5
    step = advance(m, step.snapshot, TaskTimedOut(task.token), env)
    assert only(step.effects, Finish) == Finish("FAILED", error="States.Timeout")
    heartbeat = advance(m, None, Start({}), env)
    token = only(heartbeat.effects, RunTask).token
    step = advance(m, heartbeat.snapshot, TaskTimedOut(token, "heartbeat"), env)
    assert only(step.effects, Finish).error == "States.HeartbeatTimeout"


def test_wait_asks_for_a_timer_and_resumes_when_it_fires():
    m = machine({"W": {"Type": "Wait", "Seconds": 30, "End": True}})
    env = FixedEnv()
    step = advance(m, None, Start({"k": 1}), env)
    timer = only(step.effects, StartTimer)
    assert timer.at == T0 + timedelta(seconds=30)
    assert advance(m, step.snapshot, TimerFired("other"), env).events == []
    done = advance(m, step.snapshot, TimerFired(timer.timer_id), env)
    assert only(done.effects, Finish).output == {"k": 1}


def test_a_choice_loop_yields_after_a_bounded_number_of_transitions():
    m = machine(
        {
            "Loop": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "Loop"}],
                "Default": "End",
            },
            "End": {"Type": "Succeed"},
        }
    )
    env = FixedEnv()
    step = advance(m, None, Start({"go": True}), env)
    timer = only(step.effects, StartTimer)
    assert timer.at == env.now()
    assert sum(e["type"] == "ChoiceStateEntered" for e in step.events) == TRANSITION_BUDGET
    step = advance(m, step.snapshot, TimerFired(timer.timer_id), env)
    assert isinstance(step.effects[0], StartTimer)


def test_parallel_starts_children_and_joins_their_outputs():
    m = machine(
        {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                    {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": 2, "End": True}}},
                ],
            }
        }
    )
    env = FixedEnv()
    step = advance(m, None, Start({"in": 1}), env)
    start = only(step.effects, StartChildren)
    assert [(c.index, c.machine_path, c.input) for c in start.children] == [
        (0, ("P", 0), {"in": 1}),
        (1, ("P", 1), {"in": 1}),
    ]
    child = m.find(start.children[1].machine_path)
    child_step = advance(
        child, None, Start(start.children[1].input, start.children[1].context), env
    )
    assert only(child_step.effects, Finish).output == 2
    assert child_step.events[0]["type"] == "PassStateEntered"  # a branch is not an execution
    done = advance(m, step.snapshot, ChildrenDone([{"in": 1}, 2]), env)
    assert only(done.effects, Finish).output == [{"in": 1}, 2]


def test_children_read_the_execution_input_from_the_env_not_from_their_snapshots():
    # n Map items must not store n copies of the execution's input.
    big = {"blob": "x" * 1000, "items": [1, 2]}
    reads = {"Type": "Pass", "Parameters": {"seen.$": "$$.Execution.Input.blob"}, "End": True}
    m = machine(
        {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {"StartAt": "R", "States": {"R": reads}},
                "End": True,
            }
        }
    )
    env = FixedEnv(execution_input=big)
    parent = advance(m, None, Start(big), env)
    children = only(parent.effects, StartChildren).children
    assert all("Input" not in child.context["Execution"] for child in children)
    child = children[1]
    step = advance(m.find(child.machine_path), None, Start(child.input, child.context), env)
    assert only(step.effects, Finish).output == {"seen": big["blob"]}
    assert "Input" not in step.snapshot["context"]["Execution"]
    assert "Input" in parent.snapshot["context"]["Execution"]  # the root keeps its own


def test_a_failed_branch_fails_the_parallel_with_its_error():
    m = machine(
        {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}],
            }
        }
    )
    env = FixedEnv()
    step = advance(m, None, Start({}), env)
    done = advance(m, step.snapshot, ChildFailed(0, "E", "C"), env)
    assert only(done.effects, Finish) == Finish("FAILED", error="E", cause="C")
    assert [e["type"] for e in done.events][-2:] == ["ParallelStateFailed", "ExecutionFailed"]


def test_stop_aborts_a_running_execution():
    m = machine({"T": TASK})
    env = FixedEnv()
    step = advance(m, None, Start({}), env)
    stopped = advance(m, step.snapshot, Stop("Halt", "by hand"), env)
    assert only(stopped.effects, Finish) == Finish("ABORTED", error="Halt", cause="by hand")
    assert stopped.events[-1]["type"] == "ExecutionAborted"
    assert advance(m, stopped.snapshot, Stop(), env).effects == []


def test_redrive_restarts_the_failed_state_with_its_input():
    m = machine({"A": {"Type": "Pass", "Next": "T"}, "T": TASK})
    env = FixedEnv()
    step = advance(m, None, Start({"n": 1}), env)
    failed = advance(m, step.snapshot, TaskFailed(only(step.effects, RunTask).token, "E"), env)
    assert failed.snapshot["status"] == "FAILED"
    redriven = advance(m, failed.snapshot, Redrive(), env)
    assert only(redriven.effects, RunTask).input == {"n": 1}
    assert redriven.snapshot["context"]["Execution"]["RedriveCount"] == 1
    assert [e["type"] for e in redriven.events][:2] == ["ExecutionRedriven", "TaskStateEntered"]


def test_redrive_of_a_stopped_or_timed_out_run_restarts_its_state():
    m = machine({"A": {"Type": "Pass", "Next": "T"}, "T": TASK}, TimeoutSeconds=60)
    env = FixedEnv()
    step = advance(m, None, Start({"n": 1}), env)
    timer = only(step.effects, StartTimer)
    ended = [
        advance(m, step.snapshot, Stop("Halt"), env),
        advance(m, step.snapshot, TimerFired(timer.timer_id), env),
    ]
    assert [e.snapshot["status"] for e in ended] == ["ABORTED", "TIMED_OUT"]
    for end in ended:
        redriven = advance(m, end.snapshot, Redrive(), env)
        assert redriven.snapshot["status"] == "RUNNING"
        assert only(redriven.effects, RunTask).input == {"n": 1}
        # The execution's timeout starts again, under the same timer id (it moves the old one).
        assert only(redriven.effects, StartTimer).timer_id == timer.timer_id


def test_redrive_refuses_a_succeeded_or_running_run():
    m = machine({"P": {"Type": "Pass", "End": True}})
    env = FixedEnv()
    done = advance(m, None, Start({}), env)
    assert done.snapshot["status"] == "SUCCEEDED"
    assert advance(m, done.snapshot, Redrive(), env).events == []
    running = advance(machine({"T": TASK}), None, Start({}), env)
    assert advance(machine({"T": TASK}), running.snapshot, Redrive(), env).events == []


MAP_OF_TASKS = {
    "Type": "Map",
    "ItemProcessor": {"StartAt": "It", "States": {"It": TASK}},
    "End": True,
}


def test_a_redriven_map_runs_only_the_iterations_that_did_not_succeed():
    m = machine({"M": MAP_OF_TASKS})
    env = FixedEnv()
    step = advance(m, None, Start(list(range(5))), env)
    failed = advance(m, step.snapshot, ChildFailed(1, "Boom", "no"), env)
    assert failed.snapshot["status"] == "FAILED"
    kept = {0: "r0", 3: "r3"}
    redriven = advance(m, failed.snapshot, Redrive(kept), env)
    started = only(redriven.effects, StartChildren)
    assert [child.index for child in started.children] == [1, 2, 4]
    types = [e["type"] for e in redriven.events]
    assert types == ["ExecutionRedriven", "MapStateEntered", "MapStateStarted"]
    assert redriven.events[-1]["mapStateStartedEventDetails"] == {"length": 5}
    done = advance(m, redriven.snapshot, ChildrenDone(["r1", "r2", "r4"]), env)
    assert only(done.effects, Finish).output == ["r0", "r1", "r2", "r3", "r4"]


def test_a_second_redrive_keeps_what_the_first_one_kept():
    m = machine({"M": MAP_OF_TASKS})
    env = FixedEnv()
    step = advance(m, None, Start(list(range(4))), env)
    failed = advance(m, step.snapshot, ChildFailed(1, "Boom"), env)
    redriven = advance(m, failed.snapshot, Redrive({0: "r0"}), env)
    again = advance(m, redriven.snapshot, ChildFailed(2, "Boom"), env)  # 1 and 3 ended well
    last = advance(m, again.snapshot, Redrive({1: "r1", 3: "r3"}), env)
    assert [child.index for child in only(last.effects, StartChildren).children] == [2]
    done = advance(m, last.snapshot, ChildrenDone(["r2"]), env)
    assert only(done.effects, Finish).output == ["r0", "r1", "r2", "r3"]


def test_a_redriven_parallel_runs_only_its_failed_branch():
    branch = {"StartAt": "B", "States": {"B": TASK}}
    m = machine({"P": {"Type": "Parallel", "Branches": [branch, branch, branch], "End": True}})
    env = FixedEnv()
    step = advance(m, None, Start({}), env)
    failed = advance(m, step.snapshot, ChildFailed(2, "Boom"), env)
    redriven = advance(m, failed.snapshot, Redrive({0: "a", 1: "b"}), env)
    assert [child.index for child in only(redriven.effects, StartChildren).children] == [2]
    done = advance(m, redriven.snapshot, ChildrenDone(["c"]), env)
    assert only(done.effects, Finish).output == ["a", "b", "c"]


def test_a_redriven_distributed_map_redrives_its_map_run():
    processor = {**MAP_OF_TASKS["ItemProcessor"], "ProcessorConfig": {"Mode": "DISTRIBUTED"}}
    m = machine({"M": {**MAP_OF_TASKS, "ItemProcessor": processor}})
    env = FixedEnv()
    step = advance(m, None, Start([1, 2]), env)
    arn = next(e for e in step.events if e["type"] == "MapRunStarted")["mapRunStartedEventDetails"]
    failed = advance(m, step.snapshot, ChildFailed(0, "Boom"), env)
    for count in (1, 2):
        redriven = advance(m, failed.snapshot, Redrive({1: "kept"}), env)
        event = next(e for e in redriven.events if e["type"] == "MapRunRedriven")
        assert event["mapRunRedrivenEventDetails"] == {
            "mapRunArn": arn["mapRunArn"],
            "redriveCount": count,
        }
        assert "MapRunStarted" not in [e["type"] for e in redriven.events]
        failed = advance(m, redriven.snapshot, ChildFailed(0, "Boom"), env)


def test_execution_timeout_ends_the_run_timed_out():
    m = machine({"T": TASK}, TimeoutSeconds=60)
    env = FixedEnv()
    step = advance(m, None, Start({}), env)
    timer = only(step.effects, StartTimer)
    assert timer.at == T0 + timedelta(seconds=60)
    done = advance(m, step.snapshot, TimerFired(timer.timer_id), env)
    assert only(done.effects, Finish) == Finish("TIMED_OUT", error="States.Timeout")


def test_the_step_that_ends_an_execution_cancels_its_timers():
    m = machine({"T": TASK}, TimeoutSeconds=60)
    env = FixedEnv()
    step = advance(m, None, Start({}), env)
    token = only(step.effects, RunTask).token
    for end in (TaskSucceeded(token, {}), TaskFailed(token, "Boom"), Stop("Halt")):
        ended = advance(m, step.snapshot, end, env)
        assert only(ended.effects, CancelTimer) == CancelTimer("execution-timeout")
    # The timer that fired is gone already: nothing to cancel.
    timed_out = advance(m, step.snapshot, TimerFired("execution-timeout"), env)
    assert [e for e in timed_out.effects if isinstance(e, CancelTimer)] == []


def test_an_execution_ended_while_waiting_cancels_the_wait_too():
    wait = {"Type": "Wait", "Seconds": 600, "End": True}
    m = machine({"W": wait}, TimeoutSeconds=60)
    env = FixedEnv()
    step = advance(m, None, Start({}), env)
    timers = {e.kind: e.timer_id for e in step.effects if isinstance(e, StartTimer)}
    stopped = advance(m, step.snapshot, Stop("Halt"), env)
    cancelled = {e.timer_id for e in stopped.effects if isinstance(e, CancelTimer)}
    assert cancelled == set(timers.values())
    timed_out = advance(m, step.snapshot, TimerFired("execution-timeout"), env)
    assert only(timed_out.effects, CancelTimer) == CancelTimer(timers["wait"])


def test_an_execution_its_first_step_ends_arms_no_timeout():
    m = machine({"P": {"Type": "Pass", "End": True}}, TimeoutSeconds=60)
    step = advance(m, None, Start({}), FixedEnv())
    assert [type(e) for e in step.effects] == [Finish]


def test_only_start_may_begin_a_run():
    with pytest.raises(TypeError):
        advance(machine({"T": TASK}), None, TimerFired("x"), FixedEnv())


def test_only_a_callback_task_sees_its_token_in_the_context():
    env = FixedEnv()
    parameters = {"token.$": "$$.Task.Token"}
    callback = machine(
        {"T": {**TASK, "Resource": "work.waitForTaskToken", "Parameters": parameters}}
    )
    task = only(advance(callback, None, Start({}), env).effects, RunTask)
    assert task.input == {"token": task.token}
    plain = machine({"T": {**TASK, "Parameters": parameters}})
    finish = only(advance(plain, None, Start({}), env).effects, Finish)
    assert finish.error == "States.Runtime"


def test_idempotency_keys_differ_per_map_iteration_and_attempt():
    processor = {"StartAt": "T", "States": {"T": TASK}}
    m = machine(
        {
            "M": {
                "Type": "Map",
                "End": True,
                "ItemProcessor": processor,
                "Retry": [{"ErrorEquals": ["States.ALL"]}],
            }
        }
    )
    env = FixedEnv()
    parent = advance(m, None, Start([1, 2]), env)
    keys = []
    for _ in range(2):
        start = only(parent.effects, StartChildren)
        for child in start.children:
            step = advance(m.find(child.machine_path), None, Start(child.input, child.context), env)
            keys.append(only(step.effects, RunTask).idempotency_key)
        parent = advance(m, parent.snapshot, ChildFailed(0, "E"), env)
        parent = advance(
            m, parent.snapshot, TimerFired(only(parent.effects, StartTimer).timer_id), env
        )
    assert len(set(keys)) == 4
    assert all(key.startswith(parent.snapshot["context"]["Execution"]["Id"]) for key in keys)


def test_an_endless_loop_fails_at_the_history_limit():
    from engine.testing import run

    loop = {
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}},
    }
    result = run(loop, {})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "maximum number of history events" in result.cause
    assert 25_000 <= len(result.history) <= 25_002
