"""Reading a request's members with AWS's checks: required, type, length."""

from __future__ import annotations

from typing import Any

from engine.awsapi.errors import missing, validation

Json = Any


def string(
    request: dict[str, Json], name: str, *, required: bool = True, max_length: int | None = None
) -> str | None:
    """A string member; ValidationException when it is missing (and required), not a string
    or longer than `max_length`."""
    value = request.get(name)
    if value is None:
        if required:
            raise missing(name)
        return None
    if not isinstance(value, str):
        raise validation(f"Value at '{name}' must be a string")
    if max_length is not None and len(value) > max_length:
        raise validation(
            f"1 validation error detected: Value at '{name}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {max_length}"
        )
    return value


def boolean(request: dict[str, Json], name: str, default: bool) -> bool:
    value = request.get(name, default)
    if not isinstance(value, bool):
        raise validation(f"Value at '{name}' must be a boolean")
    return value


def tags(request: dict[str, Json], name: str = "tags") -> dict[str, str]:
    """A `[{"key", "value"}]` tag list as a dict."""
    value = request.get(name) or []
    if not isinstance(value, list) or not all(
        isinstance(tag, dict) and isinstance(tag.get("key"), str) for tag in value
    ):
        raise validation(f"Value at '{name}' must be a list of {{key, value}} tags")
    return {tag["key"]: str(tag.get("value", "")) for tag in value}
