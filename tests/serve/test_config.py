"""`sfn serve`'s options: loopback by default, a token for anything else."""

from __future__ import annotations

import pytest

from engine.errors import UsageError
from engine.serve.config import is_loopback, serve_config


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_hosts_need_no_token(host):
    assert is_loopback(host) and serve_config(host, 8083, None).token is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.1", "myhost"])
def test_other_hosts_need_a_token(host):
    with pytest.raises(UsageError, match="without an auth token"):
        serve_config(host, 8083, None)
    assert serve_config(host, 8083, "x" * 16).token == "x" * 16


def test_short_tokens_and_bad_ports_are_refused():
    with pytest.raises(UsageError, match="at least 16"):
        serve_config("0.0.0.0", 8083, "short")
    with pytest.raises(UsageError, match="--port"):
        serve_config("127.0.0.1", 70000, None)
