"""Engine.start_execution validates a definition once per engine, and never skips a bad one."""

from __future__ import annotations

import json

import pytest

from engine.errors import DefinitionError
from engine.runtime import engine as engine_api
from engine.runtime.engine import Engine

from .conftest import drain

PASS = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
BROKEN = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    calls: list[object] = []
    real = engine_api.validate

    def counting(document):
        calls.append(document)
        return real(document)

    monkeypatch.setattr(engine_api, "validate", counting)  # what the Engine calls
    return calls


def test_a_definition_is_validated_once(engine: Engine, validations: list[object]) -> None:
    for _ in range(3):
        engine.start_execution(PASS, {})
    assert len(validations) == 1


def test_an_invalid_definition_fails_every_start(engine: Engine, validations: list[object]) -> None:
    for _ in range(2):
        with pytest.raises(DefinitionError, match="Nowhere"):
            engine.start_execution(BROKEN, {})
    assert len(validations) == 2


def test_placeholders_are_filled_per_start_and_an_unfilled_one_fails_it(engine: Engine) -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": ${N}, "End": true}}}'
    with pytest.raises(DefinitionError, match=r"not filled: \$\{N\}"):
        engine.start_execution(text, {})
    execution = engine.start_execution(text, {}, substitutions={"N": "7"})
    assert json.loads(drain(engine, execution)["output"]) == 7


def test_a_files_state_machine_is_named_without_asl(engine: Engine, tmp_path) -> None:
    definition = tmp_path / "orders.asl.json"
    definition.write_text(json.dumps(PASS))
    execution = engine.start_execution(definition, {})
    assert execution.startswith("orders:")
    assert engine.describe(execution)["stateMachineArn"].endswith(":stateMachine:orders")
