"""YAML text -> JSON data with positions, built from libyaml's events (no Python tags, ever).

Building from events (not PyYAML's constructor) lets us reject duplicate keys, resolve scalars
the YAML 1.2 way (`no` stays a string, timestamps stay strings), bound alias expansion before
doing it, and bound nesting without recursion.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from engine.definition.document import Document, NodePath, Position, problem

try:
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Parser

TAG = "tag:yaml.org,2002:"
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
MAX_INT_DIGITS = 4000


@dataclass
class _Frame:
    """An open mapping or sequence and where its children go."""

    value: dict | list
    path: NodePath
    anchor: str | None
    first_position: int
    first_key_position: int
    key: str | None = None
    key_lines: dict[str, int] = field(default_factory=dict)


class _Builder:
    def __init__(self, file: str | None, max_alias_nodes: int, max_depth: int):
        self.file = file
        self.max_alias_nodes = max_alias_nodes
        self.max_depth = max_depth
        self.alias_nodes = 0
        self.positions: list[tuple[NodePath, Position]] = []
        self.key_positions: list[tuple[NodePath, Position]] = []
        self.anchors: dict[str, tuple[Any, NodePath, list, list]] = {}
        self.open_anchors: set[str] = set()
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.done = False

    def fail(self, message: str, mark: Any) -> None:
        raise problem(message, self.file, mark.line + 1, mark.column + 1)

    def next_path(self) -> NodePath:
        if not self.stack:
            return ()
        top = self.stack[-1]
        if isinstance(top.value, list):
            return (*top.path, len(top.value))
        return (*top.path, top.key)

    def expecting_key(self) -> bool:
        return (
            bool(self.stack)
            and isinstance(self.stack[-1].value, dict)
            and (self.stack[-1].key is None)
        )

    def feed(self, event: Any) -> None:
        kind = type(event).__name__
        mark = event.start_mark
        if kind == "DocumentStartEvent" and self.done:
            self.fail("the file holds more than one YAML document; keep one per file", mark)
        if kind in ("ScalarEvent", "AliasEvent", "MappingStartEvent", "SequenceStartEvent"):
            if self.expecting_key():
                self.key(event, kind, mark)
                return
            getattr(self, kind)(event, mark)
        elif kind in ("MappingEndEvent", "SequenceEndEvent"):
            self.close()

    def key(self, event: Any, kind: str, mark: Any) -> None:
        if kind != "ScalarEvent":
            self.fail("mapping keys must be plain strings, not lists, mappings or aliases", mark)
        top = self.stack[-1]
        name = str(event.value)
        if name == "<<" and event.implicit[0]:
            self.fail("YAML merge keys ('<<') are not supported; write the fields out", mark)
        if name in top.key_lines:
            self.fail(f"duplicate key {name!r} (first defined on line {top.key_lines[name]})", mark)
        top.key_lines[name] = mark.line + 1
        top.key = name
        self.key_positions.append(((*top.path, name), (mark.line + 1, mark.column + 1)))

    def ScalarEvent(self, event: Any, mark: Any) -> None:
        path = self.next_path()
        self.positions.append((path, (mark.line + 1, mark.column + 1)))
        value = self.scalar(event, mark)
        if event.anchor:
            self.anchors[event.anchor] = (value, path, self.positions[-1:], [])
        self.emit(value)

    def AliasEvent(self, event: Any, mark: Any) -> None:
        name = event.anchor
        if name in self.open_anchors:
            self.fail(f"alias *{name} refers to its own anchor (a recursive structure)", mark)
        if name not in self.anchors:
            self.fail(f"alias *{name} has no anchor &{name} before it", mark)
        value, base, positions, key_positions = self.anchors[name]
        self.alias_nodes += len(positions)
        if self.alias_nodes > self.max_alias_nodes:
            self.fail(
                f"aliases expand to more than {self.max_alias_nodes:,} nodes "
                f"(alias *{name}); is this an alias bomb?",
                mark,
            )
        path = self.next_path()
        cut = len(base)
        self.positions.extend(((*path, *p[cut:]), pos) for p, pos in positions)
        self.key_positions.extend(((*path, *p[cut:]), pos) for p, pos in key_positions)
        self.emit(copy.deepcopy(value))

    def MappingStartEvent(self, event: Any, mark: Any) -> None:
        self.open(event, mark, {}, TAG + "map")

    def SequenceStartEvent(self, event: Any, mark: Any) -> None:
        self.open(event, mark, [], TAG + "seq")

    def open(self, event: Any, mark: Any, value: dict | list, tag: str) -> None:
        if event.tag not in (None, "!", tag):
            self.fail(f"the YAML tag {_short(event.tag)} is not allowed here", mark)
        if len(self.stack) >= self.max_depth:
            self.fail(f"the definition is nested more than {self.max_depth} levels deep", mark)
        path = self.next_path()
        self.positions.append((path, (mark.line + 1, mark.column + 1)))
        if event.anchor:
            self.open_anchors.add(event.anchor)
        frame = _Frame(value, path, event.anchor, len(self.positions) - 1, len(self.key_positions))
        self.stack.append(frame)

    def close(self) -> None:
        frame = self.stack.pop()
        if frame.anchor:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = (
                frame.value,
                frame.path,
                self.positions[frame.first_position :],
                self.key_positions[frame.first_key_position :],
            )
        self.emit(frame.value)

    def emit(self, value: Any) -> None:
        if not self.stack:
            self.root = value
            self.done = True
            return
        top = self.stack[-1]
        if isinstance(top.value, list):
            top.value.append(value)
        else:
            top.value[top.key] = value
            top.key = None

    def scalar(self, event: Any, mark: Any) -> Any:
        text, tag = event.value, event.tag
        if tag in (None, "!"):
            return resolve_plain(text) if event.implicit[0] and tag is None else text
        if tag == TAG + "str":
            return text
        if tag in (TAG + "int", TAG + "float", TAG + "bool", TAG + "null"):
            value = resolve_plain(text)
            if _tag_of(value) != tag.removeprefix(TAG):
                self.fail(f"{text!r} is not a valid !!{tag.removeprefix(TAG)}", mark)
            return value
        self.fail(f"the YAML tag {_short(tag)} is not allowed (only plain JSON data is)", mark)
        return None


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix(TAG) if tag.startswith(TAG) else tag


def _tag_of(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "bool", int: "int", float: "float"}.get(type(value), "str")


def resolve_plain(text: str) -> Any:
    """A plain scalar by the YAML 1.2 core schema: only true/false are booleans."""
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if len(text) <= MAX_INT_DIGITS and _INT.fullmatch(text):
        if text.startswith(("0o", "0x")):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text)
    if len(text) <= MAX_INT_DIGITS and _FLOAT.fullmatch(text):
        number = float(text)
        return number if abs(number) != float("inf") else text
    return text


def parse_yaml(text: str, file: str | None, *, max_alias_nodes: int, max_depth: int) -> Document:
    """Parse one YAML document into a Document, raising DefinitionError on any problem."""
    builder = _Builder(file, max_alias_nodes, max_depth)
    parser = _Parser(text)
    try:
        while (event := parser.get_event()) is not None:
            builder.feed(event)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = f"invalid YAML: {error.problem or error.context}"
        if error.context and error.problem:
            message += f" ({error.context})"
        raise problem(message, file, *_line_column(mark)) from None
    except yaml.YAMLError as error:
        where = _offset_line_column(text, getattr(error, "position", None))
        raise problem(f"invalid YAML: {_reader_problem(error)}", file, *where) from None
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose:
            dispose()
    if not builder.done:
        raise problem("the definition is empty", file)
    return Document(builder.root, file, dict(builder.positions), dict(builder.key_positions))


def _line_column(mark: Any) -> tuple[int, int]:
    if mark is None:
        return 1, 1
    return mark.line + 1, mark.column + 1


def _offset_line_column(text: str, offset: object) -> tuple[int, int]:
    if not isinstance(offset, int) or offset < 0:
        return 1, 1
    # libyaml counts bytes of the UTF-8 text; columns count characters.
    offset = len(text.encode("utf-8")[:offset].decode("utf-8", "ignore"))
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _reader_problem(error: yaml.YAMLError) -> str:
    reason = getattr(error, "reason", None)
    character = getattr(error, "character", None)
    if reason and isinstance(character, int):
        return f"{reason} (character #x{character:04x})"
    return str(reason or error).splitlines()[0] if str(reason or error) else "unreadable text"
