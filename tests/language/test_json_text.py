"""Compact JSON text is what json.dumps prints with the same options."""

from __future__ import annotations

import json

import pytest

from engine.language.json_text import compact


@pytest.mark.parametrize(
    "value",
    [
        {"a": [1, 2.5, None, True, 'é\u2028"q"'], "b": {"c": {}}, "d": []},
        "text",
        1e300,
        -0.0,
        float("nan"),
        {1: "int key"},
        [[[]]],
    ],
)
def test_compact_prints_what_json_dumps_prints(value):
    assert compact(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)
