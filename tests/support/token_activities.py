"""Activities that write down the task token of every attempt, for the no-tokens-in-logs test.

Each appends its token to the file named by `tokens` in its input; `token_gated` also waits for
`<gate>.go` after writing `<gate>.running` (`gate` in its input), so a test can kill the
worker running it and have it redelivered.
"""

from __future__ import annotations

import time
from pathlib import Path

from engine.activities import ActivityContext, activity

GATE_LIMIT_SECONDS = 60.0


def note_token(task: dict, context: ActivityContext) -> None:
    with open(task["tokens"], "a", encoding="utf-8") as file:
        file.write(context.task_token + "\n")


@activity("token_flaky")
def token_flaky(task: dict, context: ActivityContext) -> dict:
    """Fails its first attempt (so the state retries), then succeeds."""
    note_token(task, context)
    if context.attempt < 2:
        raise type("Flaky", (Exception,), {})(f"attempt {context.attempt}")
    return {"attempts": context.attempt}


@activity("token_callback")
def token_callback(task: dict, context: ActivityContext) -> None:
    """A `.waitForTaskToken` Task: the test completes it with the token written down."""
    note_token(task, context)
    Path(task["tokens"]).with_suffix(".callback").write_text(context.task_token)


@activity("token_gated")
def token_gated(task: dict, context: ActivityContext) -> dict:
    """Says it runs (`<gate>.running`), then waits (bounded) for `<gate>.go`."""
    note_token(task, context)
    gate = Path(task["gate"])
    gate.with_suffix(".running").write_text(context.task_token)
    deadline = time.monotonic() + GATE_LIMIT_SECONDS
    while not gate.with_suffix(".go").exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gate {gate} never opened")
        time.sleep(0.01)
    return {"gated": True}
