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


def test_access_keys_for_the_aws_api_are_pairs_and_never_quoted() -> None:
    config = serve_config("127.0.0.1", 8083, None, "AK1:s1, AK2:s2:with-colon")
    assert dict(config.access_keys) == {"AK1": "s1", "AK2": "s2:with-colon"}
    assert serve_config("127.0.0.1", 8083, None, None).access_keys == {}
    with pytest.raises(UsageError) as raised:
        serve_config("127.0.0.1", 8083, None, "AK1:secret-one,just-a-secret")
    assert "secret-one" not in str(raised.value) and "just-a-secret" not in str(raised.value)
