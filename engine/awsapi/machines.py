"""State machine operations: Create/Describe/List/Update/DeleteStateMachine,
ValidateStateMachineDefinition (sfn's diagnostics in AWS's shape) and the tag operations."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from engine.awsapi import arns, pagination, shapes
from engine.awsapi.errors import AwsError, validation
from engine.awsapi.fields import string, tags
from engine.definition import load_definition, validate
from engine.errors import DefinitionError, Diagnostic
from engine.runtime.engine import Engine
from engine.runtime.state_machines import (
    StateMachine,
    StateMachineAlreadyExists,
    StateMachineDoesNotExist,
    new_state_machine,
)
from engine.runtime.store import definition_digest

Json = Any
NAME = re.compile(r"[A-Za-z0-9_\-]{1,80}")
MAX_DEFINITION = 1024 * 1024
LOGGING_OFF = {"level": "OFF", "includeExecutionData": False}


def create_state_machine(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    name = string(request, "name")
    if not NAME.fullmatch(name):
        raise AwsError("InvalidName", f"Invalid Name: '{name}'")
    text = string(request, "definition", max_length=MAX_DEFINITION)
    role = string(request, "roleArn", max_length=256)
    kind = _type(request)
    _unsupported(request)
    data = _checked(text)
    now = engine.runtime.env.now()
    machine = new_state_machine(name, definition_digest(data), text, role, kind, now)
    machine = replace(machine, tags=tags(request))
    try:
        stored, _ = engine.state_machines.create(machine, data)
    except StateMachineAlreadyExists as error:
        raise AwsError("StateMachineAlreadyExists", str(error)) from None
    return {"stateMachineArn": stored.arn, "creationDate": shapes.epoch(stored.creation_date)}


def describe_state_machine(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    machine = _machine(engine, request)
    described = {
        "stateMachineArn": machine.arn,
        "name": machine.name,
        "status": "ACTIVE",
        "definition": machine.definition_text,
        "roleArn": machine.role_arn,
        "type": machine.type,
        "creationDate": shapes.epoch(machine.creation_date),
        "loggingConfiguration": LOGGING_OFF,
        "revisionId": machine.revision_id,
    }
    if machine.description:
        described["description"] = machine.description
    return described


def list_state_machines(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    size = pagination.page_size(request)
    start = pagination.decode(request.get("nextToken"), "statemachines")
    names = engine.state_machines.names(start, size + 1)
    machines = engine.state_machines.many(names[:size])
    items = [
        {
            "stateMachineArn": machine.arn,
            "name": machine.name,
            "type": machine.type,
            "creationDate": shapes.epoch(machine.creation_date),
        }
        for machine in machines
    ]
    more = len(names) > size
    return {"stateMachines": items, **pagination.next_token("statemachines", start, size, more)}


def update_state_machine(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    machine = _machine(engine, request)
    text = string(request, "definition", required=False, max_length=MAX_DEFINITION)
    role = string(request, "roleArn", required=False, max_length=256)
    _unsupported(request)
    if text is None and role is None:
        raise AwsError(
            "MissingRequiredParameter", "Either the definition or the roleArn must be specified"
        )
    data = None if text is None else _checked(text)
    now = engine.runtime.env.now()
    changed = new_state_machine(
        machine.name,
        machine.definition if data is None else definition_digest(data),
        machine.definition_text if text is None else text,
        role or machine.role_arn,
        machine.type,
        now,
    )
    changed = replace(changed, creation_date=machine.creation_date, tags=machine.tags)
    engine.state_machines.update(changed, data)
    return {"updateDate": shapes.epoch(changed.update_date), "revisionId": changed.revision_id}


def delete_state_machine(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    name = arns.resource(string(request, "stateMachineArn"), "stateMachine")
    engine.state_machines.delete(name)
    return {}


def validate_state_machine_definition(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    text = string(request, "definition", max_length=MAX_DEFINITION)
    _type(request)
    severity = string(request, "severity", required=False) or "ERROR"
    if severity not in ("ERROR", "WARNING"):
        raise validation(f"Value '{severity}' at 'severity' is not ERROR or WARNING")
    limit = request.get("maxResults") or 100
    diagnostics = _diagnostics(text)
    shown = [d for d in diagnostics if severity == "WARNING" or d["severity"] == "ERROR"]
    failed = any(d["severity"] == "ERROR" for d in diagnostics)
    return {
        "result": "FAIL" if failed else "OK",
        "diagnostics": shown[:limit],
        "truncated": len(shown) > limit,
    }


def tag_resource(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    machine = _tagged(engine, request)
    added = tags(request)
    engine.state_machines.update(replace(machine, tags={**machine.tags, **added}), None)
    return {}


def untag_resource(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    machine = _tagged(engine, request)
    gone = request.get("tagKeys") or []
    if not isinstance(gone, list):
        raise validation("Value at 'tagKeys' must be a list of strings")
    kept = {key: value for key, value in machine.tags.items() if key not in gone}
    engine.state_machines.update(replace(machine, tags=kept), None)
    return {}


def list_tags_for_resource(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    machine = _tagged(engine, request)
    return {"tags": [{"key": key, "value": value} for key, value in machine.tags.items()]}


def _tagged(engine: Engine, request: dict[str, Json]) -> StateMachine:
    arn = string(request, "resourceArn")
    name = arns.resource(arn, "stateMachine")
    try:
        return engine.state_machines.get(name)
    except StateMachineDoesNotExist:
        raise AwsError("ResourceNotFound", f"Resource not found: '{arn}'") from None


def _machine(engine: Engine, request: dict[str, Json]) -> StateMachine:
    name = arns.resource(string(request, "stateMachineArn"), "stateMachine")
    try:
        return engine.state_machines.get(name)
    except StateMachineDoesNotExist as error:
        raise AwsError("StateMachineDoesNotExist", str(error)) from None


def _type(request: dict[str, Json]) -> str:
    kind = string(request, "type", required=False) or "STANDARD"
    if kind != "STANDARD":
        raise AwsError(
            "StateMachineTypeNotSupported",
            f"State machine type '{kind}' is not supported: sfn runs STANDARD workflows",
        )
    return kind


def _unsupported(request: dict[str, Json]) -> None:
    """Members sfn cannot honour are refused, not ignored (logging OFF is what sfn does)."""
    logging = request.get("loggingConfiguration")
    if logging and (logging.get("level", "OFF") != "OFF" or logging.get("destinations")):
        raise validation("loggingConfiguration: sfn keeps no CloudWatch logs (level OFF only)")
    tracing = request.get("tracingConfiguration")
    if tracing and tracing.get("enabled"):
        raise validation("tracingConfiguration: sfn has no X-Ray tracing")
    for name in ("publish", "versionDescription", "encryptionConfiguration"):
        if request.get(name):
            raise validation(f"{name}: state machine versions and KMS are not supported by sfn")


def _checked(text: str) -> Json:
    """The definition's data; InvalidDefinition with sfn's diagnostics when it is not valid."""
    problems = [d for d in _diagnostics(text) if d["severity"] == "ERROR"]
    if problems:
        listed = ", ".join(f"{d['code']}: {d['message']} at {d['location']}" for d in problems)
        raise AwsError("InvalidDefinition", f"Invalid State Machine Definition: '{listed}'")
    return load_definition(text).data


def _diagnostics(text: str) -> list[dict[str, str]]:
    try:
        document = load_definition(text)
    except DefinitionError as error:
        return [_shape(d, "INVALID_JSON_DESCRIPTION") for d in error.diagnostics]
    return [_shape(d, "SCHEMA_VALIDATION_FAILED") for d in validate(document)]


def _shape(diagnostic: Diagnostic, code: str) -> dict[str, str]:
    return {
        "severity": "ERROR" if diagnostic.severity == "error" else "WARNING",
        "code": code,
        "message": diagnostic.message,
        "location": "/" + "/".join(str(part) for part in diagnostic.path),
    }
