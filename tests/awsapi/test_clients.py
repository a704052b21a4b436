"""The API through real clients: boto3 and the AWS CLI against a real `sfn serve` process (and a
real `sfn worker` for callback Tasks), as teams drive Step Functions."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from support.aws_api import PASS, ROLE
from support.serve_process import ServeProcess
from support.waiting import wait_for_file, wait_until

HERE = Path(__file__).resolve().parent
SUPPORT = HERE.parent / "support"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test-secret"}
WAIT = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}})
CALLBACK = json.dumps(
    {
        "StartAt": "Hand",
        "States": {"Hand": {"Type": "Task", "Resource": "hand_over.waitForTaskToken",
                            "End": True}},
    }
)  # fmt: skip


@pytest.fixture
def server(redis_url: str, tmp_path: Path) -> Iterator[ServeProcess]:
    process = ServeProcess(redis_url, tmp_path / "serve-logs").start()
    yield process
    process.stop()


@pytest.fixture
def client(server: ServeProcess) -> Any:
    return boto3.client(
        "stepfunctions",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def finished(client: Any, arn: str) -> dict[str, Any]:
    return wait_until(
        lambda: (d := client.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
        what=f"{arn} to end",
    )


def test_life_cycle_with_boto3(client: Any) -> None:
    arn = client.create_state_machine(name="m", definition=PASS, roleArn=ROLE)["stateMachineArn"]
    assert client.describe_state_machine(stateMachineArn=arn)["definition"] == PASS
    started = client.start_execution(stateMachineArn=arn, name="e0", input='{"a": 1}')
    described = finished(client, started["executionArn"])
    assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", {"a": 1})
    assert described["startDate"] == started["startDate"]  # a datetime, parsed by botocore
    with pytest.raises(client.exceptions.ExecutionAlreadyExists):  # closed: the name is taken
        client.start_execution(stateMachineArn=arn, name="e0", input='{"a": 1}')
    for index in range(1, 5):
        client.start_execution(stateMachineArn=arn, name=f"e{index}")
    pages = client.get_paginator("list_executions").paginate(
        stateMachineArn=arn, PaginationConfig={"PageSize": 2}
    )
    sizes = [len(page["executions"]) for page in pages]
    assert sizes == [2, 2, 1]
    history = client.get_paginator("get_execution_history").paginate(
        executionArn=started["executionArn"], reverseOrder=True, PaginationConfig={"PageSize": 3}
    )
    events = [event for page in history for event in page["events"]]
    assert [(e["id"], e["previousEventId"]) for e in events] == [(4, 3), (3, 2), (2, 0), (1, 0)]
    assert events[-1]["type"] == "ExecutionStarted"
    client.update_state_machine(stateMachineArn=arn, definition=WAIT)
    client.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "ops"}])
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"key": "team", "value": "ops"}
    ]
    assert [m["name"] for m in client.list_state_machines()["stateMachines"]] == ["m"]
    client.delete_state_machine(stateMachineArn=arn)
    assert client.list_state_machines()["stateMachines"] == []
    validated = client.validate_state_machine_definition(definition='{"StartAt": "X"}')
    assert validated["result"] == "FAIL" and validated["diagnostics"]


def test_stop_and_redrive_with_boto3(client: Any) -> None:
    arn = client.create_state_machine(name="w", definition=WAIT, roleArn=ROLE)["stateMachineArn"]
    started = client.start_execution(stateMachineArn=arn, name="w1")
    again = client.start_execution(stateMachineArn=arn, name="w1")  # running: idempotent
    assert again == {**started, "ResponseMetadata": again["ResponseMetadata"]}
    execution = started["executionArn"]
    stopped = client.stop_execution(executionArn=execution, error="E", cause="C")
    described = client.describe_execution(executionArn=execution)
    assert (described["status"], described["error"]) == ("ABORTED", "E")
    assert described["stopDate"] == stopped["stopDate"]
    client.redrive_execution(executionArn=execution)
    described = client.describe_execution(executionArn=execution)
    assert (described["status"], described["redriveCount"]) == ("RUNNING", 1)
    listed = client.list_executions(stateMachineArn=arn, redriveFilter="REDRIVEN")
    assert [item["executionArn"] for item in listed["executions"]] == [execution]


def test_callback_tasks_are_completed_by_boto3(client: Any, sfn_worker, tmp_path: Path) -> None:
    sfn_worker(activities=[SUPPORT / "callback_activities.py"])
    arn = client.create_state_machine(name="cb", definition=CALLBACK, roleArn=ROLE)[
        "stateMachineArn"
    ]
    outcomes = {}
    for name, complete in (
        ("ok", lambda token: client.send_task_success(taskToken=token, output='{"done": 1}')),
        ("ko", lambda token: client.send_task_failure(taskToken=token, error="No", cause="C")),
    ):
        token_file = tmp_path / f"{name}.token"
        execution = client.start_execution(
            stateMachineArn=arn, name=name, input=json.dumps({"file": str(token_file)})
        )["executionArn"]
        token = wait_for_file(token_file).read_text()
        client.send_task_heartbeat(taskToken=token)
        complete(token)
        outcomes[name] = finished(client, execution)
        with pytest.raises(client.exceptions.TaskTimedOut):
            client.send_task_success(taskToken=token, output="{}")
    assert json.loads(outcomes["ok"]["output"]) == {"done": 1}
    assert (outcomes["ko"]["status"], outcomes["ko"]["error"]) == ("FAILED", "No")


def error_of(call: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_every_error_reaches_boto3_as_aws_names_it(client: Any) -> None:
    arn = client.create_state_machine(name="m", definition=PASS, roleArn=ROLE)["stateMachineArn"]
    execution = client.start_execution(stateMachineArn=arn, name="e")["executionArn"]
    gone = arn.replace(":m", ":gone")
    cases = {
        "ExecutionAlreadyExists": lambda: client.start_execution(
            stateMachineArn=arn, name="e", input='{"other": 1}'
        ),
        "ExecutionDoesNotExist": lambda: client.describe_execution(executionArn=execution + "x"),
        "InvalidArn": lambda: client.describe_execution(executionArn="arn:aws:nope"),
        "InvalidName": lambda: client.start_execution(stateMachineArn=arn, name="a b"),
        "InvalidExecutionInput": lambda: client.start_execution(stateMachineArn=arn, input="{"),
        "StateMachineDoesNotExist": lambda: client.describe_state_machine(stateMachineArn=gone),
        "StateMachineAlreadyExists": lambda: client.create_state_machine(
            name="m", definition=WAIT, roleArn=ROLE
        ),
        "InvalidDefinition": lambda: client.create_state_machine(
            name="bad", definition="{}", roleArn=ROLE
        ),
        "StateMachineTypeNotSupported": lambda: client.create_state_machine(
            name="x", definition=PASS, roleArn=ROLE, type="EXPRESS"
        ),
        "MissingRequiredParameter": lambda: client.update_state_machine(stateMachineArn=arn),
        "InvalidToken": lambda: client.list_executions(stateMachineArn=arn, nextToken="bogus"),
        "TaskTimedOut": lambda: client.send_task_success(taskToken="0" * 32, output="{}"),
        "InvalidOutput": lambda: client.send_task_success(taskToken="0" * 32, output="{"),
        "ResourceNotFound": lambda: client.list_tags_for_resource(resourceArn=gone),
        "ExecutionNotRedrivable": lambda: client.redrive_execution(executionArn=execution),
        "ValidationException": lambda: client.list_executions(
            stateMachineArn=arn, statusFilter="PENDING_REDRIVE", maxResults=1001
        ),
    }
    for code, call in cases.items():
        assert error_of(call) == (code, 400), code


def test_an_unknown_operation_and_a_bad_body(server: ServeProcess) -> None:
    def post(target: str, body: bytes) -> tuple[int, dict[str, str]]:
        request = urllib.request.Request(
            server.url + "/",
            data=body,
            headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    status, body = post("AWSStepFunctions.DoSomething", b"{}")
    assert (status, body["__type"]) == (400, "UnknownOperationException")
    status, body = post("AWSStepFunctions.ListStateMachines", b"[1]")
    assert (status, body["__type"]) == (400, "SerializationException")
    assert post("AWSStepFunctions.ListStateMachines", b"") == (200, {"stateMachines": []})


def aws(server: ServeProcess, *args: str) -> Any:
    command = [str(Path(sys.executable).parent / "aws"), "stepfunctions", *args]
    command += ["--endpoint-url", server.url, "--region", "us-east-1", "--output", "json"]
    environment = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", **CREDENTIALS}
    done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


def test_the_aws_cli(server: ServeProcess) -> None:
    created = aws(server, "create-state-machine", "--name", "cli", "--definition", PASS,
                  "--role-arn", ROLE)  # fmt: skip
    arn = created["stateMachineArn"]
    started = aws(server, "start-execution", "--state-machine-arn", arn, "--input", '{"k": 2}')
    history = aws(server, "get-execution-history", "--execution-arn", started["executionArn"],
                  "--page-size", "1")  # fmt: skip
    assert [event["type"] for event in history["events"]] == [
        "ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded",
    ]  # fmt: skip
    described = aws(server, "describe-execution", "--execution-arn", started["executionArn"])
    assert json.loads(described["output"]) == {"k": 2}
    assert aws(server, "list-state-machines")["stateMachines"][0]["name"] == "cli"


def test_a_script_written_for_step_functions_local(server: ServeProcess) -> None:
    script = HERE / "sfn_local_script.py"
    done = subprocess.run(
        [sys.executable, str(script), server.url], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == 'SUCCEEDED "Hello World!"'


def test_an_activity_worker_in_another_process_polls_and_answers(
    client: Any, server: ServeProcess
) -> None:
    activity = client.create_activity(name="double")["activityArn"]
    assert client.create_activity(name="double")["activityArn"] == activity  # idempotent
    task = {"Type": "Task", "Resource": activity, "HeartbeatSeconds": 30, "End": True}
    definition = json.dumps({"StartAt": "Double", "States": {"Double": task}})
    arn = client.create_state_machine(name="act", definition=definition, roleArn=ROLE)[
        "stateMachineArn"
    ]
    started = {
        name: client.start_execution(stateMachineArn=arn, name=name, input=json.dumps(work))[
            "executionArn"
        ]
        for name, work in (("even", {"n": 2}), ("odd", {"n": 3, "fail": True}))
    }
    worker = subprocess.run(
        [sys.executable, str(HERE / "activity_worker.py"), server.url, activity, "2"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert worker.returncode == 0, worker.stderr
    even, odd = (finished(client, started[name]) for name in ("even", "odd"))
    assert (even["status"], json.loads(even["output"])) == ("SUCCEEDED", {"doubled": 4})
    assert (odd["status"], odd["error"], odd["cause"]) == ("FAILED", "Odd", "3 is odd")
    events = client.get_execution_history(executionArn=started["even"])["events"]
    assert [e["type"] for e in events][2:5] == [
        "ActivityScheduled", "ActivityStarted", "ActivitySucceeded",
    ]  # fmt: skip
    assert [a["name"] for a in client.list_activities()["activities"]] == ["double"]
    client.delete_activity(activityArn=activity)
    with pytest.raises(client.exceptions.ActivityDoesNotExist):
        client.describe_activity(activityArn=activity)


def _kill_silent_poller(server: ServeProcess, activity: str, tmp_path: Path) -> dict[str, Any]:
    """Start a poller process that takes one task and goes silent, SIGKILL it mid-task, and
    return the task it took (`{"token", "input"}`)."""
    task_file = tmp_path / "first-task"
    first = subprocess.Popen(
        [sys.executable, str(HERE / "silent_poller.py"), server.url, activity, str(task_file)]
    )
    try:
        return json.loads(wait_for_file(task_file, timeout=60).read_text())
    finally:
        first.kill()  # SIGKILL, mid-task
        first.wait(30)


def _fragile(client: Any, task: dict[str, Any]) -> tuple[str, str]:
    """An activity and an execution of a one-Task machine on it (`task`'s fields added)."""
    activity = client.create_activity(name="fragile")["activityArn"]
    state = {"Type": "Task", "Resource": activity, **task, "End": True}
    definition = json.dumps({"StartAt": "Double", "States": {"Double": state}})
    machine = client.create_state_machine(name="fragile", definition=definition, roleArn=ROLE)
    arn = machine["stateMachineArn"]
    return activity, client.start_execution(stateMachineArn=arn, input='{"n": 21}')["executionArn"]


def test_a_killed_pollers_task_goes_to_the_next_poller_under_a_new_token(
    client: Any, server: ServeProcess, sfn_worker, tmp_path: Path
) -> None:
    """A polled task is leased like any sfn task: a poller SIGKILLed mid-task goes silent past
    HeartbeatSeconds (the timer runs in a real `sfn worker`), and the same attempt, with the
    same input, reaches a second poller process under a new token, with no Retry in the
    definition; the dead poller's token answers TaskTimedOut, so its late answer never counts."""
    sfn_worker(env={"SFN_TIMER_POLL": "0.05", "SFN_LOST_TASK_REDELIVERIES": "2"})
    activity, execution = _fragile(client, {"HeartbeatSeconds": 2})
    first = _kill_silent_poller(server, activity, tmp_path)
    received = tmp_path / "received"
    second = subprocess.run(
        [sys.executable, str(HERE / "activity_worker.py"), server.url, activity, "1",
         str(received)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    [taken] = [json.loads(line) for line in received.read_text().splitlines()]
    assert taken["input"] == first["input"] and json.loads(taken["input"]) == {"n": 21}
    assert taken["token"] != first["token"]
    described = finished(client, execution)
    assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", {"doubled": 42})
    assert described["redriveCount"] == 0
    events = client.get_execution_history(executionArn=execution)["events"]
    types = [e["type"] for e in events]
    assert types[2:] == [
        "ActivityScheduled", "ActivityStarted", "ActivityStarted", "ActivitySucceeded",
        "TaskStateExited", "ExecutionSucceeded",
    ]  # fmt: skip
    for answer in (
        lambda: client.send_task_success(taskToken=first["token"], output="{}"),
        lambda: client.send_task_heartbeat(taskToken=first["token"]),
    ):
        with pytest.raises(client.exceptions.TaskTimedOut):
            answer()


def test_without_redeliveries_a_killed_pollers_task_times_out_and_its_retry_reaches_another(
    client: Any, server: ServeProcess, sfn_worker, tmp_path: Path
) -> None:
    """With SFN_LOST_TASK_REDELIVERIES=0, AWS's behaviour exactly: a poller SIGKILLed mid-task
    fails it with States.HeartbeatTimeout once HeartbeatSeconds pass, a Retry on that error
    schedules it again, and a second poller process gets it; the dead poller's token answers
    TaskTimedOut."""
    sfn_worker(env={"SFN_TIMER_POLL": "0.05", "SFN_LOST_TASK_REDELIVERIES": "0"})
    retry = {"ErrorEquals": ["States.HeartbeatTimeout"], "IntervalSeconds": 1, "MaxAttempts": 1}
    activity, execution = _fragile(client, {"HeartbeatSeconds": 2, "Retry": [retry]})
    first = _kill_silent_poller(server, activity, tmp_path)
    second = subprocess.run(
        [sys.executable, str(HERE / "activity_worker.py"), server.url, activity, "1"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    described = finished(client, execution)
    assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", {"doubled": 42})
    events = client.get_execution_history(executionArn=execution)["events"]
    types = [e["type"] for e in events]
    assert types[2:8] == [
        "ActivityScheduled", "ActivityStarted", "ActivityTimedOut",
        "ActivityScheduled", "ActivityStarted", "ActivitySucceeded",
    ]  # fmt: skip
    assert events[4]["activityTimedOutEventDetails"]["error"] == "States.HeartbeatTimeout"
    with pytest.raises(client.exceptions.TaskTimedOut):
        client.send_task_success(taskToken=first["token"], output="{}")


def test_test_state_through_boto3(server: ServeProcess) -> None:
    # botocore sends TestState to `sync-<host>`: an IP endpoint needs the prefix off.
    client = boto3.client(
        "stepfunctions",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(inject_host_prefix=False),
    )
    state = {"Type": "Pass", "Result": {"ok": True}, "ResultPath": "$.r", "Next": "Then"}
    answer = client.test_state(definition=json.dumps(state), roleArn=ROLE, input='{"a": 1}')
    assert (answer["status"], answer["nextState"]) == ("SUCCEEDED", "Then")
    assert json.loads(answer["output"]) == {"a": 1, "r": {"ok": True}}


def test_with_access_keys_only_signed_requests_are_served(redis_url: str, tmp_path: Path) -> None:
    keys = {"SFN_SERVE_TOKEN": "t" * 24, "SFN_SERVE_ACCESS_KEYS": "AKIDOPS:ops-secret-value"}
    server = ServeProcess(redis_url, tmp_path / "logs", env=keys).start()
    try:

        def sfn(key: str, secret: str) -> Any:
            return boto3.client(
                "stepfunctions", endpoint_url=server.url, region_name="eu-west-1",
                aws_access_key_id=key, aws_secret_access_key=secret,
            )  # fmt: skip

        assert sfn("AKIDOPS", "ops-secret-value").list_state_machines()["stateMachines"] == []
        for key, secret, code in (
            ("AKIDOPS", "wrong", "InvalidSignatureException"),
            ("AKIDNOBODY", "ops-secret-value", "UnrecognizedClientException"),
        ):
            with pytest.raises(ClientError) as raised:
                sfn(key, secret).list_state_machines()
            assert raised.value.response["Error"]["Code"] == code
            assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
            assert "ops-secret-value" not in str(raised.value.response)
        # The web UI and unsigned calls still need the token.
        request = urllib.request.Request(
            server.url + "/", data=b"{}",
            headers={"X-Amz-Target": "AWSStepFunctions.ListStateMachines"},
        )  # fmt: skip
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
        assert "ops-secret-value" not in server.output()
    finally:
        server.stop()
