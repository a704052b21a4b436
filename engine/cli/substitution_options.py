"""`--sub NAME=VALUE` and `--subs FILE.json`: the values of `${Name}` placeholders, as a
deployment's DefinitionSubstitutions would give them, for the commands that read a definition."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from engine.errors import UsageError


def substitution_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --sub and --subs to a command; it gets `substitutions: dict[str, str]` instead."""

    @click.option(
        "--sub",
        "subs",
        multiple=True,
        metavar="NAME=VALUE",
        help="Fill the ${NAME} placeholders with VALUE (repeatable; wins over --subs).",
    )
    @click.option(
        "--subs",
        "subs_file",
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE.json",
        help='Fill placeholders from a JSON object {"NAME": "VALUE", ...}.',
    )
    def wrapper(subs: tuple[str, ...], subs_file: Path | None, **kwargs: Any) -> Any:
        return command(substitutions=read_substitutions(subs, subs_file), **kwargs)

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    return wrapper


def read_substitutions(pairs: tuple[str, ...], file: Path | None) -> dict[str, str]:
    """The placeholder values of --subs FILE then each --sub NAME=VALUE."""
    values = _from_file(file) if file is not None else {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise UsageError(f"--sub {pair!r}: write it as NAME=VALUE")
        values[name] = value
    return values


def _from_file(file: Path) -> dict[str, str]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"cannot read --subs {file}: {error.strerror}") from None
    except ValueError as error:
        raise UsageError(f"--subs {file} is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise UsageError(f'--subs {file} must hold a JSON object {{"NAME": "VALUE", ...}}')
    values = {}
    for name, value in data.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            value = json.dumps(value)
        elif not isinstance(value, str):
            raise UsageError(f"--subs {file}: the value of {name!r} must be a string or number")
        values[name] = value
    return values
