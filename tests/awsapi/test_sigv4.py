"""SigV4 verification against requests signed by botocore (what every SDK does)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from engine.awsapi.errors import AwsError
from engine.awsapi.sigv4 import verify

SECRETS = {"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
BODY = b'{"stateMachineArn": "arn:aws:states:local:000000000000:stateMachine:m"}'


def signed(secret: str = SECRETS["AKIDEXAMPLE"], body: bytes = BODY) -> dict[str, str]:
    request = AWSRequest(
        method="POST",
        url="http://127.0.0.1:8083/",
        data=body,
        headers={
            "X-Amz-Target": "AWSStepFunctions.DescribeStateMachine",
            "Content-Type": "application/x-amz-json-1.0",
        },
    )
    SigV4Auth(Credentials("AKIDEXAMPLE", secret), "states", "us-east-1").add_auth(request)
    headers = {name.lower(): value for name, value in request.headers.items()}
    return {**headers, "host": "127.0.0.1:8083"}


def renamed(headers: dict[str, str]) -> dict[str, str]:
    """Signed by an access key the server does not know."""
    return {**headers, "authorization": headers["authorization"].replace("AKID", "XKID")}


def check(headers: dict[str, str], body: bytes = BODY, now: datetime | None = None) -> str:
    return verify("POST", "/", "", headers, body, SECRETS, now or datetime.now(UTC))


def test_a_request_signed_with_a_configured_key_is_accepted() -> None:
    assert check(signed()) == "AKIDEXAMPLE"


@pytest.mark.parametrize(
    ("headers", "body", "late", "code"),
    [
        (lambda: signed(secret="wrong"), BODY, 0, "InvalidSignatureException"),
        (signed, b'{"other": 1}', 0, "InvalidSignatureException"),
        (signed, BODY, 20, "InvalidSignatureException"),
        (lambda: {**signed(), "authorization": "Bearer x"}, BODY, 0, "MissingAuthenticationToken"),
        (lambda: renamed(signed()), BODY, 0, "UnrecognizedClientException"),
    ],
)  # fmt: skip
def test_anything_else_is_refused(headers, body, late, code) -> None:
    with pytest.raises(AwsError) as raised:
        check(headers(), body, datetime.now(UTC) + timedelta(minutes=late))
    assert (raised.value.type, raised.value.status) == (code, 403)
    assert SECRETS["AKIDEXAMPLE"] not in raised.value.message
