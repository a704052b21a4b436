"""Compact JSON text (`{"a":1}`), as AWS prints payloads in histories: the encoder set up once.

`json.dumps` with options builds a JSONEncoder per call, and `JSONEncoder.encode` its C encoder
per call: for a small value that set-up is half the time, and every state entered or exited
prints its payload. JSON data has no cycles (sfn's values are parsed, checked by `json_data`, or
built from such values), so none is looked for.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import c_make_encoder, encode_basestring
from typing import Any

Json = Any


def _compact_encoder() -> Callable[[Json], str]:
    plain = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)
    if c_make_encoder is None:  # no C accelerator in this Python
        return plain.encode
    try:  # the arguments JSONEncoder.iterencode passes (markers None: no cycle check)
        encode = c_make_encoder(
            None, plain.default, encode_basestring, None, ":", ",", False, False, True
        )
    except TypeError:  # a Python whose private encoder takes other arguments
        return plain.encode
    return lambda value: "".join(encode(value, 0))


compact: Callable[[Json], str] = _compact_encoder()
"""`json.dumps(value, separators=(",", ":"), ensure_ascii=False)`, faster."""
