"""Error-name matching as AWS does it, for Retry and Catch."""

from __future__ import annotations

from engine.core.errors import error_matches, is_terminal


def test_exact_names_match():
    assert error_matches(["A", "B"], "B", from_task=False)
    assert not error_matches(["A"], "B", from_task=False)


def test_states_all_matches_everything_that_reaches_a_matcher():
    assert error_matches(["States.ALL"], "States.DataLimitExceeded", from_task=True)
    assert error_matches(["States.ALL"], None, from_task=False)


def test_task_failed_is_a_wildcard_for_task_errors_but_not_timeouts():
    assert error_matches(["States.TaskFailed"], "ValueError", from_task=True)
    assert not error_matches(["States.TaskFailed"], "States.Timeout", from_task=True)
    assert not error_matches(["States.TaskFailed"], "ValueError", from_task=False)


def test_misspelt_wildcards_match_nothing():
    assert not error_matches(["State.ALL"], "Anything", from_task=True)


def test_runtime_and_data_limit_errors_are_terminal_except_an_oversized_task_result():
    assert is_terminal("States.Runtime") and is_terminal("States.Runtime", from_task=True)
    assert is_terminal("States.DataLimitExceeded")
    assert not is_terminal("States.DataLimitExceeded", from_task=True)
    assert not is_terminal("States.TaskFailed")
