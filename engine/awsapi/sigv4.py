"""AWS Signature Version 4, verified: what a server given access keys accepts on `POST /`.

The signature is recomputed from the request (method, path, query, the signed headers, the
body's SHA-256) with the secret of the access key it names, and compared in constant time; the
signing date must be within 15 minutes of now. Failures are AWS's 403 errors; no message quotes
a secret or a signature.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from engine.awsapi.errors import AwsError

ALGORITHM = "AWS4-HMAC-SHA256"
SKEW = timedelta(minutes=15)
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request,\s*"
    r"SignedHeaders=([a-z0-9;.-]+),\s*Signature=([0-9a-f]{64})"
)


def verify(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    secrets: Mapping[str, str],
    now: datetime,
) -> str:
    """The access key that signed the request; AwsError (403) unless its signature is right.
    `headers` are the request's, names in lower case; `secrets` maps access keys to secrets."""
    match = _AUTHORIZATION.fullmatch(headers.get("authorization", "").strip())
    if match is None:
        raise AwsError(
            "MissingAuthenticationToken", "Request is missing a valid SigV4 signature", 403
        )
    key, day, region, service, signed, signature = match.groups()
    secret = secrets.get(key)
    if secret is None:
        raise AwsError(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            403,
        )
    stamp = headers.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise AwsError(
            "IncompleteSignatureException", "X-Amz-Date is missing or invalid", 403
        ) from None
    if abs(now - signed_at) > SKEW or not stamp.startswith(day):
        raise AwsError("InvalidSignatureException", "Signature expired or not yet valid", 403)
    names = signed.split(";")
    if "host" not in names or any(name not in headers for name in names):
        raise AwsError("IncompleteSignatureException", "A signed header is missing", 403)
    canonical = "\n".join(
        [
            method,
            quote(path or "/", safe="/-_.~"),
            _canonical_query(query),
            "".join(f"{name}:{' '.join(headers[name].split())}\n" for name in names),
            signed,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    expected = hmac.new(
        _signing_key(secret, day, region, service), to_sign.encode(), hashlib.sha256
    )
    if not hmac.compare_digest(expected.hexdigest(), signature):
        raise AwsError(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.",
            403,
        )
    return key


def _canonical_query(query: str) -> str:
    pairs = [part.partition("=") for part in query.split("&") if part]
    return "&".join(f"{name}={value}" for name, _, value in sorted(pairs))


def _signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key
