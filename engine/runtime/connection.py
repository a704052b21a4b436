"""Connecting to Redis with one clear message for every way it can fail.

An unreachable server, a wrong password or a malformed URL becomes a `RedisUnavailable` whose
message names the server (password masked) and what to do, never a redis-py traceback.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from engine.errors import RedisUnavailable

PingState = Literal["up", "loading", "down"]


def identity() -> dict[str, Any]:
    """How a client names itself (CLIENT SETINFO), given rather than looked up: a redis-py with
    `DriverInfo` (8.1 here) reads its own version from the installed packages' metadata
    (`importlib.metadata`) for every connection it opens, ~3 ms for a command's first; one
    without reads it at import."""
    try:
        from redis.driver_info import DriverInfo
    except ImportError:
        return {}
    return {"driver_info": DriverInfo(lib_version=redis.__version__)}


def connect(url: str, **options: Any) -> redis.Redis:
    """A client for `url` that has answered PING; `options` go to `redis.Redis.from_url`."""
    try:
        client = redis.Redis.from_url(url, **identity(), **options)
    except ValueError as error:
        raise RedisUnavailable(f"invalid Redis URL {mask_password(url)}: {error}") from None
    try:
        client.ping()
    except (redis.AuthenticationError, redis.ResponseError) as error:
        raise RedisUnavailable(refusal(url, error)) from None
    except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
        raise RedisUnavailable(
            f"cannot reach Redis at {mask_password(url)}: {str(error).rstrip('.')}; "
            "check SFN_REDIS_URL / --redis-url, or unset them to use the embedded server"
        ) from None
    return client


def refusal(url: str, error: Exception) -> str:
    """The message for a server that answered but refused us: mostly a password problem."""
    where = mask_password(url)
    text = str(error)
    auth = isinstance(error, redis.AuthenticationError) or "NOAUTH" in text or "WRONGPASS" in text
    if not auth:
        return f"Redis at {where} answered: {text}"
    if urlsplit(url).password is None:
        return (
            f"Redis at {where} needs a password; give it in the URL: "
            "redis://:PASSWORD@host:port/0 (or redis://USER:PASSWORD@...)"
        )
    return f"Redis at {where} refused the password (or user) given in the URL: {text}"


def ping_state(url: str, timeout: float = 2.0) -> PingState:
    """Whether a server answers at `url`: up, loading its data, or not there at all."""
    client = probe_client(url, timeout)
    try:
        client.ping()
    except redis.BusyLoadingError:
        return "loading"
    except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError, OSError):
        return "down"
    finally:
        client.close()
    return "up"


def probe_client(url: str, timeout: float) -> redis.Redis:
    """A client that fails at once instead of retrying: to probe a server or to shut it down."""
    return redis.Redis.from_url(
        url,
        **identity(),
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )


def mask_password(url: str) -> str:
    """`url` with its password (if any) replaced by ***, safe to print and log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
