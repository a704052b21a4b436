"""An activity for the API's client tests: it hands its task token over through a file, so a
test can complete the Task with SendTaskSuccess / SendTaskFailure like any callback client."""

from __future__ import annotations

from pathlib import Path

from engine import activity


@activity("hand_over")
def hand_over(input: dict, context) -> None:
    path = Path(input["file"])
    path.with_suffix(".tmp").write_text(context.task_token)
    path.with_suffix(".tmp").rename(path)  # the file appears whole
