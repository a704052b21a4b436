"""An activity worker as any SDK would write one (here boto3, standing in for Node, Java, Go):
poll GetActivityTask, heartbeat, then SendTaskSuccess or SendTaskFailure.

python activity_worker.py ENDPOINT ACTIVITY_ARN TASKS   # exits after TASKS tasks
"""

from __future__ import annotations

import json
import sys

import boto3


def main(endpoint: str, activity: str, tasks: int) -> None:
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
        client.send_task_heartbeat(taskToken=token)
        if work.get("fail"):
            client.send_task_failure(taskToken=token, error="Odd", cause=f"{work['n']} is odd")
        else:
            client.send_task_success(taskToken=token, output=json.dumps({"doubled": 2 * work["n"]}))
        done += 1


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
