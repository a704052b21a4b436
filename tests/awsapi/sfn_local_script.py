"""A script as written for AWS Step Functions Local (its docs' flow): create a state machine,
start an execution, poll until it ends, print the output. Only the endpoint is sfn's.

python sfn_local_script.py ENDPOINT
"""

from __future__ import annotations

import json
import sys
import time

import boto3

DEFINITION = {
    "Comment": "A Hello World example of the Amazon States Language using a Pass state",
    "StartAt": "HelloWorld",
    "States": {"HelloWorld": {"Type": "Pass", "Result": "Hello World!", "End": True}},
}


def main(endpoint: str) -> None:
    client = boto3.client(
        "stepfunctions",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )
    created = client.create_state_machine(
        name="HelloWorld",
        definition=json.dumps(DEFINITION),
        roleArn="arn:aws:iam::012345678901:role/DummyRole",
    )
    # SFN Local's ARNs: region us-east-1, account 123456789012; scripts often build them.
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:HelloWorld"
    assert client.describe_state_machine(stateMachineArn=arn)["name"] == "HelloWorld"
    started = client.start_execution(stateMachineArn=created["stateMachineArn"], name="hello")
    while True:
        described = client.describe_execution(executionArn=started["executionArn"])
        if described["status"] != "RUNNING":
            break
        time.sleep(0.1)
    print(described["status"], described["output"])


if __name__ == "__main__":
    main(sys.argv[1])
