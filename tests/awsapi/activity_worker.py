"""An activity worker as any SDK would write one (here boto3, standing in for Node, Java, Go):
poll GetActivityTask, heartbeat, then SendTaskSuccess or SendTaskFailure.

python activity_worker.py ENDPOINT ACTIVITY_ARN TASKS [RECEIVED_FILE]   # exits after TASKS tasks

With RECEIVED_FILE, each task taken is appended to it as a line `{"token", "input"}`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import boto3


def main(endpoint: str, activity: str, tasks: int, received: str | None = None) -> None:
    client = boto3.client(
        "stepfunctions",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="worker",
        aws_secret_access_key="worker-secret",
    )
    done = 0
    while done < tasks:
        task = client.get_activity_task(activityArn=activity, workerName="any-language")
        token = task.get("taskToken")
        if not token:
            continue  # the long poll ended without a task: poll again
        work = json.loads(task["input"])
        if received:
            with Path(received).open("a") as taken:
                taken.write(json.dumps({"token": token, "input": task["input"]}) + "\n")
        client.send_task_heartbeat(taskToken=token)
        if work.get("fail"):
            client.send_task_failure(taskToken=token, error="Odd", cause=f"{work['n']} is odd")
        else:
            client.send_task_success(taskToken=token, output=json.dumps({"doubled": 2 * work["n"]}))
        done += 1


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), *sys.argv[4:5])
