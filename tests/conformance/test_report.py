"""The scoreboard survives an engine that raises or hangs, and keeps the known-failures list."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import case_runner
import pytest
import report

CASE = case_runner.load_cases("context_object")[0]


def test_an_engine_exception_is_a_failure_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("no such thing")

    monkeypatch.setattr("engine.testing.run", broken)
    assert report.case_differences(CASE, timeout=5) == ["engine raised KeyError: 'no such thing'"]


def test_a_hung_engine_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def hanging(*args: Any, **kwargs: Any) -> Any:
        release.wait()

    monkeypatch.setattr("engine.testing.run", hanging)
    try:
        differences = report.case_differences(CASE, timeout=0.05)
    finally:
        release.set()
    assert differences == ["engine raised CaseTimeout: the engine did not finish within 0.05 s"]


def test_a_result_that_is_not_comparable_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("engine.testing.run", lambda *args, **kwargs: object())
    assert report.case_differences(CASE, timeout=5)[0].startswith("status: expected SUCCEEDED")


def test_the_driver_gets_the_case_and_a_real_looking_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}

    def recording(definition: Any, task_input: Any, activities: Any, *, context: Any) -> Any:
        seen.update(definition=definition, input=task_input, context=context)
        return {"status": "SUCCEEDED", "output": CASE["expected"]["output"]}

    monkeypatch.setattr("engine.testing.run", recording)
    assert report.case_differences(CASE, timeout=5) == []
    assert seen["definition"] == CASE["definition"] and seen["input"] == CASE["input"]
    assert seen["context"]["Execution"]["Name"] in seen["context"]["Execution"]["Id"]


def test_write_known_failures_keeps_reasons_and_other_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = tmp_path / "known.txt"
    listed.write_text("# header\nold/case written reason\nran/still written too\nran/fixed gone\n")
    monkeypatch.setattr(report, "KNOWN_FAILURES", listed)
    monkeypatch.setattr(
        report, "load_known_failures", lambda: case_runner.load_known_failures(listed)
    )
    failures = {"ran/still": ["first difference"], "ran/new": ["status: expected X, got Y"]}
    report.write_known_failures(failures, {"ran/still", "ran/new", "ran/fixed"})
    assert listed.read_text() == (
        "# header\n"
        "old/case written reason\n"
        "ran/new status: expected X, got Y\n"
        "ran/still written too\n"
    )
