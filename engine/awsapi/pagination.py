"""Opaque pagination tokens: where the next page starts, bound to the listing it came from.

A token is base64url JSON; a token from another listing, or not one of ours, is InvalidToken.
"""

from __future__ import annotations

import base64
import binascii
import json

from engine.awsapi.errors import invalid_token, validation

DEFAULT_PAGE = 100
MAX_PAGE = 1000


def encode(listing: str, offset: int) -> str:
    text = json.dumps({"l": listing, "o": offset}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode(token: object, listing: str) -> int:
    """The offset a `token` of `listing` resumes at; 0 without a token."""
    if token is None:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(str(token).encode()))
        if data["l"] == listing and isinstance(data["o"], int) and data["o"] >= 0:
            return data["o"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        pass
    raise invalid_token("not a token this listing returned")


def page_size(request: dict) -> int:
    """`maxResults`: 0 or absent means the default (100); at most 1000, as AWS."""
    size = request.get("maxResults") or DEFAULT_PAGE
    if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= MAX_PAGE:
        raise validation(
            f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value less than or equal to {MAX_PAGE}"
        )
    return size


def next_token(listing: str, offset: int, size: int, more: bool) -> dict[str, str]:
    """`{"nextToken": ...}` when there is a next page, else nothing."""
    return {"nextToken": encode(listing, offset + size)} if more else {}
