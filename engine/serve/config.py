"""What `sfn serve` is told (host, port, token), checked once before anything listens."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.errors import UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8083
ENV_TOKEN = "SFN_SERVE_TOKEN"
# The AWS API's access keys, "KEY:SECRET,KEY2:SECRET2": a SigV4 request must be signed with one.
ENV_ACCESS_KEYS = "SFN_SERVE_ACCESS_KEYS"


@dataclass(frozen=True)
class ServeConfig:
    """A checked server configuration; `token` None means no authentication (loopback only)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str | None = None
    # Access key -> secret for the AWS API; empty: any request is accepted (loopback only).
    access_keys: Mapping[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


def is_loopback(host: str) -> bool:
    """Only this machine can reach `host`: 127.0.0.0/8, ::1 or the name localhost."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve_config(
    host: str, port: int, token: str | None, access_keys: str | None = None
) -> ServeConfig:
    """Check the options: a host others can reach needs a token, or the server refuses to run.
    `access_keys` is $SFN_SERVE_ACCESS_KEYS ("KEY:SECRET,..."), for the AWS API."""
    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: use a TCP port between 1 and 65535")
    token = token or None
    if token is not None and len(token) < 16:
        raise UsageError(f"the auth token ({ENV_TOKEN} / --token) must have at least 16 characters")
    if token is None and not is_loopback(host):
        raise UsageError(
            f"refusing to serve on {host} without an auth token: set {ENV_TOKEN} or --token "
            "(or bind 127.0.0.1)"
        )
    return ServeConfig(host, port, token, _access_keys(access_keys or ""))


def _access_keys(text: str) -> dict[str, str]:
    keys = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        key, _, secret = pair.partition(":")
        if not key or not secret:
            # Never quote the value: it holds secrets.
            raise UsageError(f"{ENV_ACCESS_KEYS}: use KEY:SECRET pairs separated by commas")
        keys[key] = secret
    return keys
