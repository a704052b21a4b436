"""Progress lines of a durable `sfn run`: states, failures, one bar per Map."""

from __future__ import annotations

import io

from engine.cli.progress import Progress


def entered(kind: str, name: str) -> dict:
    return {"type": f"{kind}StateEntered", "stateEnteredEventDetails": {"name": name}}


def exited(kind: str, name: str) -> dict:
    return {"type": f"{kind}StateExited", "stateExitedEventDetails": {"name": name}}


def iteration(kind: str, name: str, index: int) -> dict:
    key = f"mapIteration{kind}EventDetails"
    return {"type": f"MapIteration{kind}", key: {"name": name, "index": index}}


def run_of_a_map(size: int, failing: int = 0) -> list[dict]:
    events = [
        entered("Map", "M"),
        {"type": "MapStateStarted", "mapStateStartedEventDetails": {"length": size}},
    ]
    for index in range(size):
        events += [
            iteration("Started", "M", index),
            entered("Task", "Inner"),
            exited("Task", "Inner"),
        ]
        events.append(iteration("Failed" if index < failing else "Succeeded", "M", index))
    return [*events, {"type": "MapStateSucceeded"}, exited("Map", "M")]


def lines(events: list[dict], *, tty: bool) -> list[str]:
    stream = io.StringIO()
    progress = Progress(stream, tty=tty)
    for event in events:
        progress.feed(event)
    return stream.getvalue().splitlines()


def test_plain_lines_for_states_and_task_failures() -> None:
    failure = {
        "type": "TaskFailed",
        "taskFailedEventDetails": {"resource": "charge", "error": "TransientError"},
    }
    events = [
        {"type": "ExecutionStarted"},
        entered("Task", "Charge"),
        failure,
        exited("Task", "Charge"),
    ]
    assert lines(events, tty=False) == ["> Charge (Task)", "! charge: TransientError", "< Charge"]


def test_a_large_map_prints_a_line_per_tenth_not_per_iteration() -> None:
    printed = lines(run_of_a_map(100, failing=3), tty=False)
    assert printed[0] == "> M (Map)"
    assert printed[1:11] == [f"  M: {n}/100" for n in range(10, 101, 10)]
    assert printed[11:] == ["  M: 100/100 iterations, 3 failed", "< M"]
    assert not any("Inner" in line for line in printed)


def test_on_a_terminal_the_bar_redraws_in_place() -> None:
    stream = io.StringIO()
    progress = Progress(stream, tty=True)
    for event in run_of_a_map(4):
        progress.feed(event)
    text = stream.getvalue()
    assert "\r  M [" in text and "] 4/4" in text
    assert text.rstrip().endswith("  M: 4/4 iterations\n< M")


def test_a_distributed_map_is_one_line_with_its_map_run_not_an_empty_bar() -> None:
    arn = "arn:aws:states:local:000000000000:mapRun:m/M:1"
    events = [
        entered("Map", "M"),
        {"type": "MapStateStarted", "mapStateStartedEventDetails": {"length": 0}},
        {"type": "MapRunStarted", "mapRunStartedEventDetails": {"mapRunArn": arn}},
        {
            "type": "MapRunFailed",
            "mapRunFailedEventDetails": {"error": "States.ExceedToleratedFailureThreshold"},
        },
        {"type": "MapStateFailed"},
        exited("Map", "M"),
    ]
    assert lines(events, tty=False) == [
        "> M (Map)",
        f"  M: Map Run {arn}",
        "! Map Run: States.ExceedToleratedFailureThreshold",
        "< M",
    ]
