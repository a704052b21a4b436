"""A poller that takes one activity task and then goes silent (no heartbeat, no answer), as a
worker does that hangs or is killed: it writes the task's token to TOKEN_FILE and waits.

python silent_poller.py ENDPOINT ACTIVITY_ARN TOKEN_FILE
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import boto3


def main(endpoint: str, activity: str, token_file: str) -> None:
    client = boto3.client(
        "stepfunctions",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="worker",
        aws_secret_access_key="worker-secret",
    )
    while True:
        token = client.get_activity_task(activityArn=activity).get("taskToken")
        if token:
            break
    written = Path(token_file + ".part")
    written.write_text(token)
    written.rename(token_file)  # whole, or not there
    threading.Event().wait()  # silent until killed


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
