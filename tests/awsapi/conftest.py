"""Fixtures for the API's tests: an Engine on fakeredis and a way to call operations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import fakeredis
import pytest
from support.aws_api import PASS, ROLE

from engine.awsapi.errors import AwsError
from engine.awsapi.protocol import call
from engine.runtime.engine import Engine


@pytest.fixture
def engine() -> Engine:
    return Engine(client=fakeredis.FakeRedis())


@pytest.fixture
def api(engine: Engine) -> Callable[..., dict[str, Any]]:
    """api("Operation", member=value, ...) -> the response body."""
    return lambda operation, **body: call(engine, operation, body)


@pytest.fixture
def fails(engine: Engine) -> Callable[..., AwsError]:
    """fails("Operation", member=value, ...) -> the AwsError it answers with."""

    def failing(operation: str, **body: Any) -> AwsError:
        with pytest.raises(AwsError) as raised:
            call(engine, operation, body)
        return raised.value

    return failing


@pytest.fixture
def machine(api: Callable[..., dict[str, Any]]) -> str:
    """The ARN of a created Pass state machine named `m`."""
    return api("CreateStateMachine", name="m", definition=PASS, roleArn=ROLE)["stateMachineArn"]
