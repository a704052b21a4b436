"""ASL timestamps: ISO-8601 extended offset date-times, the only ones AWS accepts.

Choice compares them as instants (nanosecond precision, whatever the offset); Wait states
use `parse_timestamp` for `Timestamp` / `TimestampPath`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2})(?::(\d{2}))?)"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_timestamp(text: object) -> datetime | None:
    """The aware datetime a timestamp string denotes (microseconds kept), or None if invalid."""
    parsed = _parse(text)
    return None if parsed is None else parsed[0]


def instant(text: object) -> tuple[int, int] | None:
    """(epoch seconds, nanoseconds) of a timestamp string, or None if it is not one."""
    parsed = _parse(text)
    if parsed is None:
        return None
    moment, nanos = parsed
    whole = moment.replace(microsecond=0)
    return int((whole - _EPOCH).total_seconds()), nanos


def is_timestamp(text: object) -> bool:
    return _parse(text) is not None


def _parse(text: object) -> tuple[datetime, int] | None:
    if not isinstance(text, str):
        return None
    match = _TIMESTAMP.fullmatch(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups()[:6])
    fraction = (match.group(7) or "").ljust(9, "0")
    try:
        zone = UTC if match.group(8) else _offset(match.group(9), *match.groups()[9:])
        moment = datetime(year, month, day, hour, minute, second, int(fraction[:6]), tzinfo=zone)
    except ValueError:
        return None
    return moment, int(fraction)


def _offset(sign: str, hours: str, minutes: str, seconds: str | None) -> timezone:
    delta = timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0))
    return timezone(-delta if sign == "-" else delta)
