"""AWS's error shapes: `{"__type": <name>, "message": <text>}` with the status AWS sends.

Messages never quote a task token or a credential.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class AwsError(Exception):
    """An error the API answers with; `type` is AWS's exception name."""

    type: str
    message: str
    status: int = 400

    def body(self) -> dict[str, str]:
        return {"__type": self.type, "message": self.message}


def validation(message: str) -> AwsError:
    return AwsError("ValidationException", message)


def invalid_arn(arn: object) -> AwsError:
    return AwsError("InvalidArn", f"Invalid Arn: '{arn}'")


def invalid_token(reason: str) -> AwsError:
    return AwsError("InvalidToken", f"Invalid Token: '{reason}'")


def missing(field: str) -> AwsError:
    return validation(
        f"1 validation error detected: Value null at '{field}' failed to satisfy "
        "constraint: Member must not be null"
    )
