"""Lambda Tasks run by the activity registered under the function's name, with AWS's shapes.

AWS Step Functions developer guide, "Invoke an AWS Lambda function with Step Functions": the
optimized `arn:aws:states:::lambda:invoke` returns Lambda's Invoke response (`ExecutedVersion`,
`Payload`, `SdkHttpMetadata`, `SdkResponseMetadata`, `StatusCode`); FunctionName may be a name,
a partial ARN or a full ARN, with a version or alias. LocalStack's recordings of AWS
(test_task_service_lambda.snapshot.json) show a function's exception as TaskFailed with
`resourceType: lambda`, `resource: invoke`, the exception's class as `error` and a cause with
errorMessage, errorType, requestId and stackTrace; an unknown function as
Lambda.ResourceNotFoundException.
"""

from __future__ import annotations

import json

import pytest

from engine import testing
from engine.activities import Activity, Registry
from engine.definition.resources import classify
from engine.errors import DefinitionError, UnknownResource, UsageError
from engine.integrations import check, resolve

FUNCTIONS = {"greet": lambda event: {"hello": event["name"]}}


def invoke_machine(function_name: object, **extra) -> dict:
    return {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function_name, "Payload.$": "$"},
                **extra,
                "End": True,
            }
        },
    }


@pytest.mark.parametrize(
    "function_name",
    [
        "greet",
        "greet:live",
        "123456789012:function:greet",
        "arn:aws:lambda:eu-west-1:123456789012:function:greet",
        "arn:aws:lambda:eu-west-1:123456789012:function:greet:$LATEST",
    ],
)
def test_lambda_invoke_returns_lambdas_invoke_response(function_name: str) -> None:
    result = testing.run(invoke_machine(function_name), {"name": "Ada"}, FUNCTIONS)
    assert result.status == "SUCCEEDED", result.cause
    output = result.output
    assert output["Payload"] == {"hello": "Ada"}
    assert (output["StatusCode"], output["ExecutedVersion"]) == (200, "$LATEST")
    metadata = output["SdkHttpMetadata"]
    assert metadata["HttpStatusCode"] == 200
    request_id = output["SdkResponseMetadata"]["RequestId"]
    assert metadata["HttpHeaders"]["x-amzn-RequestId"] == request_id
    assert metadata["AllHttpHeaders"]["x-amzn-RequestId"] == [request_id]
    assert metadata["HttpHeaders"]["Content-Length"] == str(len('{"hello":"Ada"}'))


def test_a_numbered_version_is_the_executed_version() -> None:
    machine = invoke_machine("arn:aws:lambda:eu-west-1:123456789012:function:greet:7")
    assert testing.run(machine, {"name": "Ada"}, FUNCTIONS).output["ExecutedVersion"] == "7"


def test_result_selector_written_for_aws_works_unchanged() -> None:
    machine = invoke_machine("greet", ResultSelector={"greeting.$": "$.Payload.hello"})
    result = testing.run(machine, {"name": "Ada"}, FUNCTIONS)
    assert result.output == {"greeting": "Ada"}


def test_history_records_task_events_of_resource_type_lambda() -> None:
    result = testing.run(invoke_machine("greet"), {"name": "Ada"}, FUNCTIONS)
    tasks = [e for e in result.history if e["type"].startswith("Task") and "State" not in e["type"]]
    assert [e["type"] for e in tasks] == ["TaskScheduled", "TaskStarted", "TaskSucceeded"]
    scheduled = tasks[0]["taskScheduledEventDetails"]
    assert (scheduled["resourceType"], scheduled["resource"]) == ("lambda", "invoke")
    assert json.loads(scheduled["parameters"]) == {
        "FunctionName": "greet",
        "Payload": {"name": "Ada"},
    }
    succeeded = tasks[2]["taskSucceededEventDetails"]
    assert json.loads(succeeded["output"])["Payload"] == {"hello": "Ada"}


class CustomError(Exception):
    pass


def test_an_exception_is_lambdas_error_name_and_cause() -> None:
    def fails(event):
        raise CustomError("the card was declined")

    result = testing.run(invoke_machine("charge"), {}, {"charge": fails})
    assert result.error == "CustomError"
    cause = json.loads(result.cause)
    assert (cause["errorMessage"], cause["errorType"]) == ("the card was declined", "CustomError")
    assert cause["stackTrace"] and cause["requestId"]
    failed = next(e for e in result.history if e["type"] == "TaskFailed")
    details = failed["taskFailedEventDetails"]
    assert (details["resourceType"], details["resource"], details["error"]) == (
        "lambda",
        "invoke",
        "CustomError",
    )


def test_a_function_nothing_stands_in_for_is_resource_not_found() -> None:
    machine = invoke_machine("nobody")
    machine["States"]["Call"]["Parameters"] = {"FunctionName.$": "$.fn", "Payload": {}}
    result = testing.run(machine, {"fn": "nobody"}, FUNCTIONS)
    assert result.error == "Lambda.ResourceNotFoundException"
    assert result.cause.startswith(
        "Function not found: arn:aws:lambda:local:000000000000:function:nobody (Service: "
        "AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException;"
    )


def test_a_function_arn_resource_runs_its_activity_and_records_lambda_events() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:greet:prod"
    machine = {"StartAt": "G", "States": {"G": {"Type": "Task", "Resource": arn, "End": True}}}
    result = testing.run(machine, {"name": "Ada"}, FUNCTIONS)
    assert result.output == {"hello": "Ada"}
    types = [e["type"] for e in result.history]
    assert types[2:5] == [
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionSucceeded",
    ]
    assert result.history[2]["lambdaFunctionScheduledEventDetails"]["resource"] == arn


def test_callback_pattern_shows_the_token() -> None:
    seen = {}

    def wait(event, context):
        seen["token"], seen["event"] = context.task_token, event
        return None

    machine = invoke_machine("wait")
    machine["States"]["Call"]["Resource"] = "arn:aws:states:::lambda:invoke.waitForTaskToken"
    machine["States"]["Call"]["Parameters"] = {
        "FunctionName": "wait",
        "Payload": {"token.$": "$$.Task.Token"},
    }
    testing.run(machine, {}, {"wait": wait})
    assert seen["event"] == {"token": seen["token"]} and len(seen["token"]) >= 32
    assert classify("arn:aws:states:::lambda:invoke.waitForTaskToken").resource == (
        "invoke.waitForTaskToken"
    )


def test_start_check_names_a_static_function_nothing_stands_in_for() -> None:
    registry = Registry()
    for name, function in FUNCTIONS.items():
        registry.add(Activity(name, function))
    with pytest.raises(UnknownResource, match="'nobody'"):
        check(invoke_machine("nobody"), registry)
    check(invoke_machine("greet:live"), registry)
    dynamic = invoke_machine("x")
    dynamic["States"]["Call"]["Parameters"] = {"FunctionName.$": "$.fn"}
    check(dynamic, registry)  # only the input will tell


def test_resolution_is_cached_per_resource() -> None:
    assert resolve("arn:aws:states:::lambda:invoke") is resolve("arn:aws:states:::lambda:invoke")
    assert resolve("arn:aws:states:::lambda:invoke").activity({"FunctionName": "a:1"}) == "a"


def test_a_field_lambda_invoke_does_not_take_is_an_invalid_definition() -> None:
    # AWS refuses to create it: Invoke takes FunctionName, Payload, InvocationType, LogType,
    # ClientContext and Qualifier (Lambda API reference, Invoke).
    machine = invoke_machine("greet")
    machine["States"]["Call"]["Parameters"]["Payloadd"] = {"name": "x"}
    with pytest.raises(DefinitionError, match="Payloadd is not a field of lambda:invoke"):
        testing.run(machine, {}, FUNCTIONS)


@pytest.mark.parametrize(
    ("field", "says"),
    [
        ({"LogType": "Tail"}, "LogType Tail is not run"),
        ({"ClientContext": "e30="}, "ClientContext is not passed"),
    ],
)
def test_what_aws_runs_and_sfn_does_not_is_refused_before_the_start(field, says) -> None:
    machine = invoke_machine("greet")
    machine["States"]["Call"]["Parameters"].update(field)
    with pytest.raises(UsageError, match=says):
        testing.run(machine, {"name": "x"}, FUNCTIONS)
    machine["States"]["Call"]["Parameters"]["LogType"] = "None"
    machine["States"]["Call"]["Parameters"].pop("ClientContext", None)
    assert testing.run(machine, {"name": "x"}, FUNCTIONS).status == "SUCCEEDED"


def test_a_field_computed_at_run_time_is_checked_when_the_task_runs() -> None:
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": "{% {'FunctionName': 'greet', 'Payload': $states.input, "
                "'LogType': 'Tail'} %}",
                "End": True,
            }
        },
    }
    result = testing.run(machine, {"name": "x"}, FUNCTIONS)
    assert result.error == "States.Runtime" and "LogType Tail is not run" in result.cause
