"""Task tokens are secrets (one completes a callback Task): logs, error messages and RQ job ids
name a task by `ref(token)`, a short one-way digest of its token, never by the token."""

from __future__ import annotations

import hashlib

# 64 bits: unique among live tasks, and reveals nothing of the 128-bit token.
REF_HEX_DIGITS = 16


def ref(token: str) -> str:
    """A short non-secret id of `token`, the same wherever it is shown."""
    return hashlib.sha256(token.encode()).hexdigest()[:REF_HEX_DIGITS]


def job_id(token: str, delivery: int = 0) -> str:
    """The RQ job id of one delivery of a task attempt: its ref, then ref-1, ref-2..."""
    return ref(token) if delivery == 0 else f"{ref(token)}-{delivery}"
