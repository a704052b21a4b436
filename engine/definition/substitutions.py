"""`${Name}` placeholders (DefinitionSubstitutions), filled as CloudFormation, SAM and CDK do.

CloudFormation replaces each `${Name}` in the definition's text with the value given for Name
(so `"TimeoutSeconds": ${Timeout}` becomes a number). sfn fills a file's text the same way
before parsing it and maps every position back to the text as written; a dict definition has
its strings (keys included) filled. A placeholder nothing fills is left for a warning.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from engine.definition.document import Document, NodePath
from engine.errors import DefinitionError, Diagnostic

PLACEHOLDER = re.compile(r"\$\{([^${}!\s][^${}\s]*)\}")
HOW = "give each with --sub NAME=VALUE or --subs FILE.json"


@dataclass(frozen=True)
class FilledText:
    """Text with its placeholders filled, and how to find a place of it in the text as written.

    `edits` are (start in the filled text, end there, start in the original, end there)."""

    original: str
    text: str
    edits: tuple[tuple[int, int, int, int], ...]
    lines: tuple[int, ...] = ()  # where each line of `text` starts
    original_lines: tuple[int, ...] = ()

    def position(self, line: int, column: int) -> tuple[int, int]:
        """The (line, column) in the original text of a 1-based place in the filled text."""
        offset = self.lines[line - 1] + column - 1
        before = bisect.bisect_right(self.edits, (offset, float("inf"))) - 1
        if before >= 0:
            _, end, old_start, old_end = self.edits[before]
            offset = old_start if offset < end else old_end + offset - end
        starts = self.original_lines
        line = bisect.bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def restore(self, document: Document) -> Document:
        """`document` (parsed from the filled text) with positions in the original text."""
        if not self.edits:
            return document
        return replace(
            document,
            positions={path: self.position(*at) for path, at in document.positions.items()},
            key_positions={path: self.position(*at) for path, at in document.key_positions.items()},
        )

    def restore_error(self, error: DefinitionError) -> DefinitionError:
        """The same error with its places in the original text."""
        return DefinitionError([self._restored(item) for item in error.diagnostics])

    def _restored(self, item: Diagnostic) -> Diagnostic:
        if item.line is None or not self.edits:
            return item
        line, column = self.position(item.line, item.column or 1)
        return replace(item, line=line, column=column)


def fill_text(text: str, values: Mapping[str, str], *, as_json: bool) -> FilledText:
    """Fill `text` as CloudFormation does. In JSON, an unfilled placeholder outside a string is
    quoted, so the definition still parses and the placeholder is reported, not a syntax error."""
    if "${" not in text:
        return FilledText(text, text, ())
    outside = _outside_strings(text) if as_json else None
    parts: list[str] = []
    edits: list[tuple[int, int, int, int]] = []
    last, length = 0, 0
    for match in PLACEHOLDER.finditer(text):
        value = values.get(match[1])
        if value is None:
            if outside is None or not outside(match.start()):
                continue
            value = f'"{match[0]}"'
        parts.append(text[last : match.start()])
        length += match.start() - last
        edits.append((length, length + len(value), match.start(), match.end()))
        parts.append(value)
        length += len(value)
        last = match.end()
    parts.append(text[last:])
    filled = "".join(parts)
    return FilledText(text, filled, tuple(edits), _line_starts(filled), _line_starts(text))


def _outside_strings(text: str) -> Callable[[int], bool]:
    """Whether an offset of JSON text lies outside every string literal."""
    bounds: list[int] = []  # offsets where a string opens or closes, in order
    inside, position = False, 0
    while (position := text.find('"', position)) >= 0:
        if inside:
            escapes = 0
            while text[position - escapes - 1] == "\\":
                escapes += 1
            if escapes % 2 == 0:
                bounds.append(position)
                inside = False
        else:
            bounds.append(position)
            inside = True
        position += 1
    return lambda offset: bisect.bisect_left(bounds, offset) % 2 == 0


def _line_starts(text: str) -> tuple[int, ...]:
    return (0, *(match.end() for match in re.finditer("\n", text)))


def substitute(document: Document, values: Mapping[str, str]) -> Document:
    """A dict definition with each `${Name}` that `values` names filled; others left as written."""
    if not values:
        return document

    def fill(text: str) -> str:
        return PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), text)

    def remap(path: NodePath) -> NodePath:
        return tuple(fill(part) if isinstance(part, str) else part for part in path)

    return replace(
        document,
        data=_filled(document.data, fill),
        positions={remap(path): at for path, at in document.positions.items()},
        key_positions={remap(path): at for path, at in document.key_positions.items()},
    )


def _filled(node: Any, fill: Any) -> Any:
    if isinstance(node, str):
        return fill(node) if "${" in node else node
    if isinstance(node, dict):
        return {fill(key): _filled(value, fill) for key, value in node.items()}
    if isinstance(node, list):
        return [_filled(item, fill) for item in node]
    return node


def placeholders(data: Any, path: NodePath = ()) -> Iterator[tuple[NodePath, str, bool]]:
    """Every placeholder left in `data`: (the node's path, the name, whether it is in a key)."""
    if isinstance(data, str):
        for match in PLACEHOLDER.finditer(data):
            yield path, match[1], False
    elif isinstance(data, dict):
        for key, value in data.items():
            for match in PLACEHOLDER.finditer(key):
                yield (*path, key), match[1], True
            yield from placeholders(value, (*path, key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from placeholders(item, (*path, index))


def unfilled_placeholders(document: Document) -> Iterator[Diagnostic]:
    """A warning for each placeholder nothing filled: AWS would refuse to run it as written."""
    for path, name, in_key in placeholders(document.data):
        message = f"placeholder ${{{name}}} is not filled ({HOW})"
        yield document.diagnostic(message, path, at_key=in_key, severity="warning")


def require_filled(document: Document) -> None:
    """DefinitionError naming every placeholder left, for commands that run the definition."""
    names = sorted({name for _, name, _ in placeholders(document.data)})
    if names:
        listing = ", ".join(f"${{{name}}}" for name in names)
        message = f"the definition has placeholders that are not filled: {listing}; {HOW}"
        raise DefinitionError([Diagnostic(message, file=document.file)])
