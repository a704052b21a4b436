"""The functions AWS Step Functions adds to JSONata: $partition, $range, $hash, $random, $uuid,
$parse; and $eval, which AWS leaves out. Argument checks fail like JSONata's own functions."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from engine.language.scope import Scope

Json = Any

RANGE_LIMIT = 1000
HASH_ALGORITHMS = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


class FunctionError(Exception):
    """A failed call of one of AWS's functions, with a JSONata-style code and message."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _mismatch(function: str, index: int) -> FunctionError:
    return FunctionError(
        "T0410", f'Argument {index} of function "{function}" does not match function signature'
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _integer(function: str, index: int, value: Any) -> int:
    if not _is_number(value):
        raise _mismatch(function, index)
    if not math.isfinite(value) or value != int(value):
        raise FunctionError(
            "D3001", f'Argument {index} of function "{function}" must be an integer, was {value}'
        )
    return int(value)


def _arity(function: str, args: tuple, least: int, most: int) -> bool:
    """Whether every argument is defined; JSONata's functions return undefined otherwise."""
    if len(args) > most:
        raise _mismatch(function, most + 1)
    if len(args) < least:
        raise _mismatch(function, len(args) + 1)
    return all(arg is not None for arg in args)


def partition(*args: Any) -> list | None:
    """$partition(array, size): the array cut into chunks of `size` items, the last shorter."""
    if not _arity("partition", args, 2, 2):
        return None
    items, size = args
    # like JSONata's own array parameters, a single value (a singleton sequence) is one item
    items = items if isinstance(items, list) else [items]
    size = _integer("partition", 2, size)
    if size <= 0:
        raise FunctionError(
            "D3001", f'Argument 2 of function "partition" must be a positive integer, was {size}'
        )
    return [items[i : i + size] for i in range(0, len(items), size)]


def range_(*args: Any) -> Json:
    """$range(start, end, step): start, start+step, ... up to and including end. The result is
    a JSONata sequence, as on AWS: one number stands alone ($range(1, 9, 9) is 1, recorded by
    AWS) and no number is nothing (undefined)."""
    if not _arity("range", args, 3, 3):
        return None
    start, end, step = (_integer("range", i + 1, value) for i, value in enumerate(args))
    if step == 0:
        raise FunctionError("D3001", 'Argument 3 of function "range" must not be zero')
    count = max(0, (end - start) // step + 1)
    if count > RANGE_LIMIT:
        raise FunctionError(
            "D3001",
            f'The function "range" would return {count} items; at most {RANGE_LIMIT} are allowed',
        )
    numbers = [start + i * step for i in range(count)]
    return numbers[0] if len(numbers) == 1 else numbers or None


def hash_(*args: Any) -> str | None:
    """$hash(value, algorithm): the hex digest of a string with MD5, SHA-1, SHA-256...512."""
    if not _arity("hash", args, 2, 2):
        return None
    value, algorithm = args
    if not isinstance(value, str):
        raise _mismatch("hash", 1)
    if not isinstance(algorithm, str):
        raise _mismatch("hash", 2)
    if algorithm not in HASH_ALGORITHMS:
        names = ", ".join(HASH_ALGORITHMS)
        raise FunctionError(
            "D3001",
            f'Argument 2 of function "hash" must be one of {names}, was "{algorithm}"',
        )
    import hashlib  # its OpenSSL binding costs 2 ms at start; few workflows hash

    return hashlib.new(HASH_ALGORITHMS[algorithm], value.encode()).hexdigest()


def parse(*args: Any) -> Json:
    """$parse(text): the JSON value a string holds."""
    if not _arity("parse", args, 1, 1):
        return None
    (text,) = args
    if not isinstance(text, str):
        raise _mismatch("parse", 1)
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite)
    except ValueError as error:
        raise FunctionError(
            "D3001", f'Argument 1 of function "parse" is not valid JSON: {error}'
        ) from None
    # a host function's None reads as undefined; NaN reaches JSONata as null
    return math.nan if value is None else value


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range")
    return number


def eval_(*args: Any) -> None:
    """AWS leaves $eval out: calling it fails as calling any unknown function does."""
    raise FunctionError("T1006", "Attempted to invoke a non-function")


def seeded_random(seed: int) -> float:
    """A number in [0, 1) that depends only on `seed`."""
    import hashlib

    digest = hashlib.sha256(f"sfn-random:{seed}".encode()).digest()
    return int.from_bytes(digest[:7], "big") / 2**56


def scoped_functions(scope: Scope) -> dict[str, Callable[..., Json]]:
    """$random and $uuid, which draw on the interpreter's sources of randomness and ids."""

    def random(*args: Any) -> float:
        _arity("random", args, 0, 1)
        if args and args[0] is not None:
            return seeded_random(_integer("random", 1, args[0]))
        return scope.random()

    def uuid(*args: Any) -> str:
        _arity("uuid", args, 0, 0)
        return scope.uuid()

    return {"random": random, "uuid": uuid}


SCOPED_NAMES = ("random", "uuid")


STATIC_FUNCTIONS: dict[str, Callable[..., Json]] = {
    "partition": partition,
    "range": range_,
    "hash": hash_,
    "parse": parse,
    "eval": eval_,
}
