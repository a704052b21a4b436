"""How a measurement turns eager tasks off for every process it starts."""

from __future__ import annotations

import pytest

from bench import sfn_runs
from engine.runtime import config


def test_a_spec_without_eager_false_leaves_the_setting_alone() -> None:
    assert sfn_runs.eager_env({"workload": "W5"}) == {}
    assert sfn_runs.eager_env({"workload": "W5", "eager": True}) == {}


def test_eager_false_turns_claiming_off_whatever_was_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_EAGER, "7")
    env = sfn_runs.eager_env({"workload": "W5", "eager": False})
    assert sfn_runs.eager_tasks(env) == 0
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert config.from_env().eager_tasks == 0


def test_the_reported_setting_is_what_the_engine_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.ENV_EAGER, raising=False)
    assert sfn_runs.eager_tasks({}) == config.from_env().eager_tasks == config.DEFAULT_EAGER_TASKS
    monkeypatch.setenv(config.ENV_EAGER, "3")
    assert sfn_runs.eager_tasks({}) == config.from_env().eager_tasks == 3
