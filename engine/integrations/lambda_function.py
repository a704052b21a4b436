"""AWS Lambda, run by the activity registered under the function's name: a function ARN as the
Resource (the result is the function's return value; LambdaFunction* events), or the optimized
`arn:aws:states:::lambda:invoke` (FunctionName as a name, partial or full ARN, with a version
or alias; the result is Lambda's Invoke response: `Payload`, `StatusCode`, `ExecutedVersion`,
`SdkHttpMetadata`, `SdkResponseMetadata`). An exception is AWS Lambda's error: its class name,
and a cause holding errorMessage, errorType, requestId and stackTrace (the worker shapes it).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from email.utils import formatdate

from engine.activities import ActivityContext, invoke
from engine.core.errors import MARSHAL_ERROR
from engine.definition.integration_fields import LAMBDA_INVOKE, not_run, unknown_field
from engine.definition.resources import LAMBDA, ResourceKind
from engine.errors import SfnError, UnknownResource, UsageError
from engine.integrations.base import Children, Json, Registered, Runner, TaskFailure
from engine.integrations.settings import IntegrationSettings
from engine.language.json_data import json_problem

# FunctionName: `name`, `name:qualifier`, `ACCOUNT:function:name[:qualifier]`, or the full ARN.
_FUNCTION = re.compile(
    r"(?:arn:[\w-]+:lambda:(?P<region>[\w-]*):)?(?:(?P<account>\d{12}):function:)?"
    r"(?P<name>[\w-]{1,140})(?::(?P<qualifier>[\w$-]+))?"
)
LATEST = "$LATEST"
LOCAL_FUNCTION_ARN = "arn:aws:lambda:local:000000000000:function:"


def function_name(kind: ResourceKind, task_input: Json) -> str | None:
    """The function a Task calls: from its ARN, or lambda:invoke's FunctionName."""
    if kind.family == LAMBDA:
        return kind.name
    name = task_input.get("FunctionName") if isinstance(task_input, dict) else None
    match = _FUNCTION.fullmatch(name) if isinstance(name, str) else None
    return match["name"] if match else None


class LambdaFunctions:
    def activity(self, kind: ResourceKind, task_input: Json) -> str | None:
        return function_name(kind, task_input)

    def runner(
        self,
        kind: ResourceKind,
        task_input: Json,
        registered: Registered,
        children: Children | None,
        settings: IntegrationSettings,
    ) -> Runner:
        name = function_name(kind, task_input)
        function = registered.lookup(name) if name else None
        if function is None:
            return _not_found(kind, task_input)
        if kind.family == LAMBDA:
            return lambda task_input, context: invoke(function, task_input, context)

        def run(task_input: Json, context: ActivityContext) -> Json:
            problem = _field_problem(task_input)
            if problem:  # fields computed at run time (JSONata Arguments)
                raise TaskFailure("States.Runtime", problem)
            kind_of_call = task_input.get("InvocationType", "RequestResponse")
            if kind_of_call == "DryRun":
                return invoke_response(task_input, "", 204)
            payload = task_input.get("Payload", {})
            result = invoke(function, payload, context)
            if kind_of_call == "Event":
                return invoke_response(task_input, "", 202)
            problem = json_problem(result)
            if problem is not None:  # as for a function ARN (`dataflow.check_task_result`)
                raise TaskFailure(MARSHAL_ERROR, f"Unable to marshal response: {problem}")
            return invoke_response(task_input, result, 200)

        return run

    def problem(
        self, kind: ResourceKind, state: Mapping[str, Json], registered: Registered
    ) -> SfnError | None:
        arguments = state.get("Parameters") or state.get("Arguments") or {}
        problem = _field_problem(arguments) if kind.family != LAMBDA else ""
        if problem:
            return UsageError(problem)
        name = arguments.get("FunctionName") if isinstance(arguments, dict) else None
        if kind.family != LAMBDA and (not isinstance(name, str) or name.startswith("{%")):
            return None  # FunctionName.$ or an expression: only the input will tell
        name = function_name(kind, arguments)
        if name is None:
            return UsageError(f"FunctionName {arguments.get('FunctionName')!r} names no function")
        return None if registered.lookup(name) is not None else UnknownResource(name, [])


def _field_problem(arguments: Json) -> str:
    """A field lambda:invoke does not take, or one sfn does not run; "" when none."""
    if not isinstance(arguments, dict):
        return ""
    return unknown_field(LAMBDA_INVOKE, arguments)[1] or not_run(LAMBDA_INVOKE, arguments)[1]


def invoke_response(task_input: Json, payload: Json, status: int) -> dict[str, Json]:
    """Lambda's Invoke response as Step Functions returns it from lambda:invoke."""
    version = executed_version(task_input)
    request_id = str(uuid.uuid4())
    body = "" if payload == "" else json.dumps(payload, separators=(",", ":"))
    headers = {
        "Connection": "keep-alive",
        "Content-Length": str(len(body.encode())),
        "Content-Type": "application/json",
        "Date": formatdate(usegmt=True),
        "X-Amz-Executed-Version": version,
        "x-amzn-Remapped-Content-Length": "0",
        "x-amzn-RequestId": request_id,
        "X-Amzn-Trace-Id": f"root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};sampled=0",
    }
    return {
        "ExecutedVersion": version,
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {name: [value] for name, value in headers.items()},
            "HttpHeaders": headers,
            "HttpStatusCode": status,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": status,
    }


def executed_version(task_input: Json) -> str:
    """A numbered version when the call names one; $LATEST otherwise (an alias included: sfn's
    functions have no versions an alias could point to)."""
    name = task_input.get("FunctionName", "")
    match = _FUNCTION.fullmatch(name) if isinstance(name, str) else None
    qualifier = task_input.get("Qualifier") or (match["qualifier"] if match else None)
    return qualifier if isinstance(qualifier, str) and qualifier.isdigit() else LATEST


def _not_found(kind: ResourceKind, task_input: Json) -> Runner:
    name = kind.resource if kind.family == LAMBDA else (task_input or {}).get("FunctionName")
    arn = (
        name
        if str(name).startswith("arn:")
        else f"arn:aws:lambda:local:000000000000:function:{name}"
    )
    cause = (
        f"Function not found: {arn} (Service: AWSLambda; Status Code: 404; Error Code: "
        f"ResourceNotFoundException; Request ID: {uuid.uuid4()}; Proxy: null)"
    )

    def fail(task_input: Json, context: ActivityContext) -> Json:
        raise TaskFailure("Lambda.ResourceNotFoundException", cause)

    return fail


LAMBDA_FUNCTIONS = LambdaFunctions()
