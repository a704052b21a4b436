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


def awaiting_record(execution: str, run_id: str) -> str:
    """What a token's index holds (`keys.token`): the execution and run awaiting it."""
    return f"{execution}\n{run_id}"


def awaiting(record: bytes) -> tuple[str, str]:
    """The execution and run id an `awaiting_record` names."""
    execution, _, run_id = record.decode().partition("\n")
    return execution, run_id
