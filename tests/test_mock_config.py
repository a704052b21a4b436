"""Mock configs in Step Functions Local's MockConfigFile format, run by `engine.testing` and
`sfn run --in-memory --mock-config FILE --test-case NAME`.

AWS Step Functions developer guide, "Configuration file for mocked service integrations":
`StateMachines.<machine>.TestCases.<case>.<state>` names a response in `MockedResponses`, whose
keys are invocations counted from 0 (`"0"`) or ranges (`"1-2"`), each with `Return` (the
Task's result) or `Throw` (`Error`, `Cause`); a state the test case does not name is not mocked.
The example below is the guide's LambdaSQSIntegration, HappyPath, RetryPath and HybridPath.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine import testing
from engine.activities import Handlers, default_registry, integration
from engine.cli import main
from engine.errors import UnhandledResource, UsageError

MACHINE = {
    "StartAt": "LambdaState",
    "States": {
        "LambdaState": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "HelloWorldFunction", "Payload.$": "$"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3}],
            "Next": "SQSState",
        },
        "SQSState": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {
                "QueueUrl": "https://sqs.us-east-1.amazonaws.com/1/q",
                "MessageBody.$": "$",
            },
            "End": True,
        },
    },
}
CONFIG = {
    "StateMachines": {
        "LambdaSQSIntegration": {
            "TestCases": {
                "HappyPath": {"LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess"},
                "RetryPath": {"LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess"},
                "HybridPath": {"LambdaState": "MockedLambdaSuccess"},
            }
        }
    },
    "MockedResponses": {
        "MockedLambdaSuccess": {
            "0": {"Return": {"StatusCode": 200, "Payload": {"body": "Hello from Lambda!"}}}
        },
        "MockedSQSSuccess": {
            "0": {"Return": {"MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}}
        },
        "MockedLambdaRetry": {
            "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "not ready"}},
            "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "timed out"}},
            "3": {"Return": {"StatusCode": 200, "Payload": {"body": "finally"}}},
        },
    },
}


def run(case: str, **extra) -> testing.Result:
    return testing.run(
        MACHINE,
        {"n": 1},
        mock_config=CONFIG,
        test_case=case,
        state_machine="LambdaSQSIntegration",
        **extra,
    )


def test_happy_path_answers_every_task_without_an_activity() -> None:
    result = run("HappyPath")
    assert result.output == {"MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}
    succeeded = [e for e in result.history if e["type"] == "TaskSucceeded"]
    assert json.loads(succeeded[0]["taskSucceededEventDetails"]["output"])["Payload"] == {
        "body": "Hello from Lambda!"
    }


def test_numbered_and_ranged_invocations_drive_the_retries() -> None:
    result = run("RetryPath")
    assert result.status == "SUCCEEDED"
    failures = [
        e["taskFailedEventDetails"]["error"] for e in result.history if e["type"] == "TaskFailed"
    ]
    assert failures == [
        "Lambda.ResourceNotReadyException",
        "Lambda.TimeoutException",
        "Lambda.TimeoutException",
    ]


def test_a_state_the_case_does_not_name_runs_as_usual(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UnhandledResource):
        run("HybridPath")  # SQSState is not mocked and nothing runs it: refused at start
    monkeypatch.setattr(default_registry, "handlers", Handlers())
    sent = []
    integration("sqs:sendMessage")(
        lambda parameters: sent.append(parameters) or {"MessageId": "real"}
    )
    assert run("HybridPath").output == {"MessageId": "real"}
    assert sent[0]["MessageBody"]["Payload"] == {"body": "Hello from Lambda!"}


def test_an_invocation_without_an_answer_fails_the_task_saying_so() -> None:
    config = json.loads(json.dumps(CONFIG))
    config["MockedResponses"]["MockedLambdaRetry"].pop("3")
    result = testing.run(
        MACHINE, {}, mock_config=config, test_case="RetryPath", state_machine="LambdaSQSIntegration"
    )
    assert result.error == "States.TaskFailed"
    assert "no answer for invocation 3 of state 'LambdaState'" in result.cause


def test_the_machine_is_named_after_its_file_without_asl(tmp_path: Path) -> None:
    definition = tmp_path / "LambdaSQSIntegration.asl.json"
    definition.write_text(json.dumps(MACHINE))
    config = tmp_path / "MockConfigFile.json"
    config.write_text(json.dumps(CONFIG))
    result = testing.run(definition, {}, mock_config=config, test_case="HappyPath")
    assert result.status == "SUCCEEDED"
    assert (
        ":stateMachine:LambdaSQSIntegration"
        in result.execution_id.replace("execution", "stateMachine")
        or result.execution_id.split(":")[-2] == "LambdaSQSIntegration"
    )


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda c: c["StateMachines"].clear(), "StateMachines has no 'LambdaSQSIntegration'"),
        (
            lambda c: c["StateMachines"]["LambdaSQSIntegration"]["TestCases"].pop("HappyPath"),
            "TestCases has no 'HappyPath'",
        ),
        (
            lambda c: c["MockedResponses"].pop("MockedSQSSuccess"),
            "names 'MockedSQSSuccess', which MockedResponses lacks",
        ),
        (
            lambda c: c["MockedResponses"]["MockedSQSSuccess"].update({"x": {"Return": 1}}),
            "'x' is not an invocation",
        ),
        (
            lambda c: c["MockedResponses"]["MockedSQSSuccess"].update({"0-1": {"Return": 1}}),
            "invocation 0 has two answers",
        ),
        (
            lambda c: c["MockedResponses"]["MockedSQSSuccess"]["0"].update({"Throw": {}}),
            "exactly one of Return and Throw",
        ),
        (
            lambda c: c["StateMachines"]["LambdaSQSIntegration"]["TestCases"]["HappyPath"].update(
                {"SQSstate": "MockedSQSSuccess"}
            ),
            "mocks 'SQSstate', which is not a Task state",
        ),
    ],
)
def test_a_bad_mock_config_is_one_clear_usage_error(change, says: str) -> None:
    config = json.loads(json.dumps(CONFIG))
    change(config)
    with pytest.raises(UsageError) as error:
        run_with(config)
    assert says in str(error.value)


def run_with(config: dict) -> testing.Result:
    return testing.run(
        MACHINE, {}, mock_config=config, test_case="HappyPath", state_machine="LambdaSQSIntegration"
    )


def test_sfn_run_in_memory_with_a_mock_config(tmp_path: Path) -> None:
    definition = tmp_path / "LambdaSQSIntegration.asl.json"
    definition.write_text(json.dumps(MACHINE))
    config = tmp_path / "MockConfigFile.json"
    config.write_text(json.dumps(CONFIG))
    args = ["run", str(definition), "--in-memory", "--json", "--mock-config", str(config)]
    result = CliRunner().invoke(main, [*args, "--test-case", "RetryPath"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[-1])["output"]["MessageId"].startswith("3bcb")
    alone = CliRunner().invoke(main, ["run", str(definition), "--mock-config", str(config)])
    assert alone.exit_code == 2 and "together" in alone.stderr
    durable = CliRunner().invoke(
        main, [*args[:2], "--mock-config", str(config), "--test-case", "X"]
    )
    assert durable.exit_code == 2 and "--in-memory" in durable.stderr
