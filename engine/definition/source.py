"""Loading a definition from a file, a YAML/JSON string or a dict, within explicit limits.

Whatever goes wrong (missing file, binary garbage, bad syntax, an alias bomb) becomes one
DefinitionError with a diagnostic naming the place, never another exception.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from engine.definition.document import Document, problem
from engine.definition.json_source import parse_json
from engine.definition.substitutions import fill_text, substitute
from engine.errors import DefinitionError
from engine.language.json_data import MAX_NESTING, json_problem

MAX_BYTES = 1024 * 1024  # AWS accepts definitions of up to 1 MiB
MAX_ALIAS_NODES = 100_000
JSON_SUFFIXES = (".json",)
YAML_SUFFIXES = (".yaml", ".yml")
Source = str | PurePath | Mapping[str, Any]
BINARY = "this is a binary file, not a YAML or JSON definition"


def load_definition(
    source: Source,
    *,
    filename: str | None = None,
    max_bytes: int = MAX_BYTES,
    substitutions: Mapping[str, str] | None = None,
) -> Document:
    """Load a definition from a path, YAML/JSON text or a dict; raise DefinitionError if bad.

    A `str` is a path when it is one line ending in .json/.yaml/.yml, else YAML or JSON text.
    `substitutions` fill `${Name}` placeholders as CloudFormation's DefinitionSubstitutions do.
    """
    values = substitutions or {}
    if isinstance(source, Mapping):
        return substitute(from_data(source, filename), values)
    if isinstance(source, PurePath) or _looks_like_path(source):
        return load_file(PurePath(source), max_bytes=max_bytes, filename=filename, values=values)
    if not isinstance(source, str):
        raise problem(f"cannot load a definition from a {type(source).__name__}", filename)
    return load_text(source, filename, max_bytes=max_bytes, values=values)


def state_machine_name(source: object) -> str | None:
    """The name a definition file gives its state machine: its name without the suffix and
    `.asl` (`orders.asl.json` -> `orders`), as the ARNs and mock configs written for it expect;
    None for text and dicts."""
    if not (isinstance(source, PurePath) or _looks_like_path(source)):
        return None
    return PurePath(str(source).strip()).stem.removesuffix(".asl") or None


def _looks_like_path(source: object) -> bool:
    return (
        isinstance(source, str)
        and "\n" not in source
        and source.strip().lower().endswith(JSON_SUFFIXES + YAML_SUFFIXES)
    )


def load_file(
    path: PurePath,
    *,
    max_bytes: int = MAX_BYTES,
    filename: str | None = None,
    values: Mapping[str, str] | None = None,
) -> Document:
    """Read and parse one file; the suffix says JSON (.json) or YAML (anything else)."""
    from pathlib import Path

    name = filename or str(path)
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > max_bytes:
            raise problem(_too_big(size, max_bytes), name)
        with file.open("rb") as stream:
            raw = stream.read(max_bytes + 1)
    except FileNotFoundError:
        raise problem("no such file", name, None, None) from None
    except IsADirectoryError:
        raise problem("is a directory, not a definition file", name, None, None) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise problem(f"cannot read the file: {reason}", name, None, None) from None
    if len(raw) > max_bytes:
        raise problem(_too_big(len(raw), max_bytes), name)
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise problem(BINARY, name, line)
    text = decode(raw, name)
    as_json = path.name.lower().endswith(JSON_SUFFIXES)
    return parse_text(text, name, as_json=as_json, values=values)


def load_text(
    text: str,
    filename: str | None = None,
    *,
    max_bytes: int = MAX_BYTES,
    values: Mapping[str, str] | None = None,
) -> Document:
    """Parse YAML or JSON text (JSON when it starts with `{` or `[` and parses as JSON)."""
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as error:
        line = text.count("\n", 0, error.start) + 1
        raise problem("the text is not valid Unicode (a lone surrogate)", filename, line) from None
    if size > max_bytes:
        raise problem(_too_big(size, max_bytes), filename)
    if filename and filename.lower().endswith(JSON_SUFFIXES):
        return parse_text(text, filename, as_json=True, values=values)
    if text.lstrip().startswith(("{", "[")):
        try:
            return parse_text(text, filename, as_json=True, values=values)
        except DefinitionError as json_error:
            # YAML is a superset of JSON ("{a: 1}"); if it fails too, the JSON error explains
            # JSON-looking text best.
            try:
                return parse_text(text, filename, as_json=False, values=values)
            except DefinitionError:
                raise json_error from None
    return parse_text(text, filename, as_json=False, values=values)


def parse_text(
    text: str, file: str | None, *, as_json: bool, values: Mapping[str, str] | None = None
) -> Document:
    """Parse decoded text as JSON or YAML after the checks both need, placeholders filled."""
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise problem(BINARY, file, line)
    if not text.strip():
        raise problem("the definition is empty", file)
    filled = fill_text(text, values or {}, as_json=as_json)
    try:
        if as_json:
            document = parse_json(filled.text, file, max_depth=MAX_NESTING)
        else:
            # Imported here: PyYAML is ~10 ms that a JSON definition never needs (start-up).
            from engine.definition.yaml_source import parse_yaml

            document = parse_yaml(
                filled.text, file, max_alias_nodes=MAX_ALIAS_NODES, max_depth=MAX_NESTING
            )
    except DefinitionError as error:
        raise filled.restore_error(error) from None
    return filled.restore(document)


def decode(raw: bytes, file: str | None) -> str:
    """UTF-8 (with or without a byte order mark), else a diagnostic at the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        byte = raw[error.start]
        message = f"not UTF-8 text (byte 0x{byte:02x}); is this a binary file?"
        raise problem(message, file, line, column) from None


def from_data(data: Mapping[str, Any], file: str | None = None) -> Document:
    """Wrap in-memory data, checking that it is plain JSON data (no positions)."""
    found = json_problem(dict(data))
    if found is not None:
        raise problem(f"a definition holds only JSON data: {found}", file)
    # A private copy in plain JSON types: later changes to `data` cannot reach the Document.
    return Document(json.loads(json.dumps(data)), file)


def _too_big(size: int, limit: int) -> str:
    return f"the file is {size:,} bytes, more than the limit of {limit:,} bytes"
