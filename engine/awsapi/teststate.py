"""TestState: run one state with the given input (and a mocked result) in memory.

The state runs as the first state of a small machine whose other states are stand-ins for its
targets (Next, Default, each Choice and Catch), so the state's own events say what it did and
the stand-in entered after it is `nextState`. Retry is not run: a failure a retrier matches is
RETRIABLE, as AWS reports it. Nothing is stored.
"""

from __future__ import annotations

import json
from typing import Any

from engine import testing
from engine.awsapi.errors import AwsError, validation
from engine.awsapi.fields import string
from engine.core.errors import error_matches
from engine.errors import DefinitionError, SfnError
from engine.runtime.engine import Engine

Json = Any
MACHINE = "TestState"
CASE = "TestState"
_FAILURES = ("Failed", "TimedOut")
_TASK_RESULTS = ("TaskSucceeded", "LambdaFunctionSucceeded", "ActivitySucceeded")


def run_test_state(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    state, name = _state(request)
    level = string(request, "inspectionLevel", required=False) or "INFO"
    if level not in ("INFO", "DEBUG", "TRACE"):
        raise validation(f"Value '{level}' at 'inspectionLevel' is not INFO, DEBUG or TRACE")
    if request.get("stateConfiguration") or request.get("revealSecrets"):
        raise validation("stateConfiguration and revealSecrets are not supported by sfn")
    payload = _json(request, "input", "InvalidExecutionInput", "{}")
    variables = _json(request, "variables", "ValidationException", "{}")
    context = _json(request, "context", "ValidationException", "{}")
    machine = _machine(name, {k: v for k, v in state.items() if k != "Retry"}, variables)
    mocks = _mocks(name, request.get("mock"))
    try:
        result = testing.run(
            machine,
            payload,
            context=context if isinstance(context, dict) else None,
            mock_config=mocks,
            test_case=CASE if mocks else None,
            state_machine=MACHINE,
        )
    except DefinitionError as error:
        raise AwsError(
            "InvalidDefinition", f"Invalid State Machine Definition: '{error}'"
        ) from None
    except SfnError as error:
        raise validation(str(error).splitlines()[0]) from None
    return _outcome(result, name, state, payload)


def _state(request: dict[str, Json]) -> tuple[dict[str, Json], str]:
    """The state to test and its name: `definition` is the state, or with `stateName` a whole
    machine holding it."""
    text = string(request, "definition", max_length=1024 * 1024)
    try:
        data = json.loads(text)
    except ValueError as error:
        raise AwsError(
            "InvalidDefinition", f"Invalid State Machine Definition: '{error}'"
        ) from None
    name = string(request, "stateName", required=False)
    if name is not None:
        state = (data.get("States") or {}).get(name) if isinstance(data, dict) else None
        if not isinstance(state, dict):
            raise validation(f"stateName: the definition has no state named '{name}'")
        return state, name
    if not isinstance(data, dict) or "Type" not in data:
        raise AwsError("InvalidDefinition", "Invalid State Machine Definition: not a state")
    return data, "TestedState"


def _targets(state: dict[str, Json]) -> set[str]:
    found = {state.get("Next"), state.get("Default")}
    found |= {
        choice.get("Next") for choice in state.get("Choices") or [] if isinstance(choice, dict)
    }
    found |= {catch.get("Next") for catch in state.get("Catch") or [] if isinstance(catch, dict)}
    return {target for target in found if isinstance(target, str)}


def _machine(name: str, state: dict[str, Json], variables: Json) -> dict[str, Json]:
    targets = _targets(state)
    if name in targets:
        raise validation(f"the state '{name}' goes on to itself: test it without that transition")
    states: dict[str, Json] = {name: state}
    states.update({target: {"Type": "Succeed"} for target in targets})
    if not variables:
        return {"StartAt": name, "States": states}
    if not isinstance(variables, dict):
        raise validation("variables must be a JSON object")
    assign = {"Type": "Pass", "Assign": variables, "Next": name}
    return {
        "StartAt": "SfnTestStateVariables",
        "States": {"SfnTestStateVariables": assign, **states},
    }


def _mocks(name: str, mock: Json) -> dict[str, Json] | None:
    """The `mock` member as a Step Functions Local mock config answering the state."""
    if mock is None:
        return None
    if not isinstance(mock, dict) or set(mock) - {"result", "errorOutput", "fieldValidationMode"}:
        raise validation("mock takes result, errorOutput and fieldValidationMode")
    if "result" in mock:
        try:
            answer = {"Return": json.loads(mock["result"])}
        except (TypeError, ValueError):
            raise validation("mock.result must be JSON text") from None
    elif isinstance(mock.get("errorOutput"), dict):
        error = mock["errorOutput"]
        answer = {"Throw": {"Error": error.get("error"), "Cause": error.get("cause")}}
    else:
        raise validation("mock needs result or errorOutput")
    answers = {"0-99": answer}
    return {
        "StateMachines": {MACHINE: {"TestCases": {CASE: {name: "Mocked"}}}},
        "MockedResponses": {"Mocked": answers},
    }


def _outcome(
    result: testing.Result, name: str, state: dict[str, Json], payload: Json
) -> dict[str, Json]:
    events = result.history
    start = next(i for i, e in enumerate(events) if _name(e) == name)
    own = events[start:]
    failure = next((e for e in own if e["type"].endswith(_FAILURES)), None)
    exited = next((e for e in own if e["type"].endswith("StateExited") and _name(e) == name), None)
    inspection: dict[str, Json] = {"input": json.dumps(payload, separators=(",", ":"))}
    succeeded = next((e for e in own if e["type"] in _TASK_RESULTS), None)
    if succeeded is not None:
        inspection["result"] = _details(succeeded)["output"]
    shaped: dict[str, Json] = {"inspectionData": inspection}
    error = _details(failure).get("error") if failure else result.error
    cause = _details(failure).get("cause") if failure else result.cause
    if (failure or result.status != "SUCCEEDED") and _retried(state, error):
        return {**shaped, "status": "RETRIABLE", **_error(error, cause)}
    if exited is None:
        return {**shaped, "status": "FAILED", **_error(result.error, result.cause)}
    shaped["output"] = _details(exited)["output"]
    after = events.index(exited) + 1
    if after < len(events) and events[after]["type"].endswith("StateEntered"):
        shaped["nextState"] = _name(events[after])
    if failure is not None:
        return {**shaped, "status": "CAUGHT_ERROR", **_error(error, cause)}
    return {**shaped, "status": "SUCCEEDED"}


def _retried(state: dict[str, Json], error: str | None) -> bool:
    retriers = state.get("Retry") or []
    return any(
        retrier.get("MaxAttempts", 3) != 0
        and error_matches(retrier.get("ErrorEquals", []), error, True)
        for retrier in retriers
    )


def _error(error: str | None, cause: str | None) -> dict[str, str]:
    return {key: value for key, value in (("error", error), ("cause", cause)) if value is not None}


def _details(event: dict[str, Json] | None) -> dict[str, Json]:
    if event is None:
        return {}
    return next((v for k, v in event.items() if k.endswith("EventDetails")), {})


def _name(event: dict[str, Json]) -> str | None:
    return _details(event).get("name")


def _json(request: dict[str, Json], field: str, error_type: str, default: str) -> Json:
    text = string(request, field, required=False)
    try:
        return json.loads(default if text is None else text)
    except ValueError as error:
        raise AwsError(error_type, f"Invalid {field}: {error}") from None
