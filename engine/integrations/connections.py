"""Credentials for HTTP Tasks' `Authentication.ConnectionArn`, from a local file, never from
the definition: the settings' `connections` ($SFN_CONNECTIONS, default `./connections.json`),
keyed by the connection's name (`arn:aws:events:REGION:ACCOUNT:connection/NAME/ID` -> NAME), in
EventBridge's AuthParameters shape. A value `{"env": "VAR"}` is the environment variable VAR
(as the process read it at its start):

    {"Stripe": {"ApiKeyAuthParameters": {"ApiKeyName": "Authorization",
                                         "ApiKeyValue": {"env": "STRIPE_KEY"}}},
     "Partner": {"BasicAuthParameters": {"Username": "me", "Password": {"env": "PARTNER_PW"}},
                 "InvocationHttpParameters":
                     {"HeaderParameters": [{"Key": "X-Team", "Value": "a"}]}}}
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.integrations.base import TaskFailure
from engine.integrations.settings import IntegrationSettings

UNKNOWN = "Sfn.UnknownConnection"


@dataclass(frozen=True)
class Credentials:
    """What a connection adds to a request."""

    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)


def for_arn(arn: str, settings: IntegrationSettings) -> Credentials:
    """The credentials of the connection `arn` names; TaskFailure when it is not configured."""
    name = arn.split(":connection/", 1)[-1].split("/", 1)[0]
    path = settings.connections
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TaskFailure(UNKNOWN, f"connection {name!r}: no connections file {path}") from None
    except (OSError, ValueError) as error:
        raise TaskFailure(UNKNOWN, f"connections file {path}: {error}") from None
    entry = table.get(name) if isinstance(table, dict) else None
    if not isinstance(entry, dict):
        raise TaskFailure(UNKNOWN, f"connection {name!r} is not in {path}")
    return _credentials(name, entry, settings.secrets)


def _credentials(name: str, entry: dict[str, Any], secrets: Mapping[str, str]) -> Credentials:
    def _value(name: str, value: Any) -> str:
        return _resolved(name, value, secrets)

    headers: dict[str, str] = {}
    if api_key := entry.get("ApiKeyAuthParameters"):
        headers[_value(name, api_key["ApiKeyName"])] = _value(name, api_key["ApiKeyValue"])
    if basic := entry.get("BasicAuthParameters"):
        pair = f"{_value(name, basic['Username'])}:{_value(name, basic['Password'])}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    if entry.get("OAuthParameters"):
        raise TaskFailure(UNKNOWN, f"connection {name!r}: OAuth connections are not supported")
    extra = entry.get("InvocationHttpParameters") or {}
    pairs = {
        part: {_value(name, p["Key"]): _value(name, p["Value"]) for p in extra.get(key, [])}
        for part, key in (
            ("headers", "HeaderParameters"),
            ("query", "QueryStringParameters"),
            ("body", "BodyParameters"),
        )
    }
    return Credentials({**pairs["headers"], **headers}, pairs["query"], pairs["body"])


def _resolved(name: str, value: Any, secrets: Mapping[str, str]) -> str:
    if isinstance(value, dict) and "env" in value:
        found = secrets.get(value["env"])
        if found is None:
            raise TaskFailure(UNKNOWN, f"connection {name!r}: ${value['env']} is not set")
        return found
    return str(value)
