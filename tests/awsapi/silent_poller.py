"""A poller that takes one activity task and then goes silent (no heartbeat, no answer), as a
worker does that hangs or is killed: it writes the task (`{"token", "input"}`) to TASK_FILE
and waits.

python silent_poller.py ENDPOINT ACTIVITY_ARN TASK_FILE
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import boto3


def main(endpoint: str, activity: str, task_file: str) -> None:
    client = boto3.client(
        "stepfunctions",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="worker",
        aws_secret_access_key="worker-secret",
    )
    while True:
        task = client.get_activity_task(activityArn=activity)
        if task.get("taskToken"):
            break
    written = Path(task_file + ".part")
    written.write_text(json.dumps({"token": task["taskToken"], "input": task["input"]}))
    written.rename(task_file)  # whole, or not there
    threading.Event().wait()  # silent until killed


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
