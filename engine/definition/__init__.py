"""The definition layer: load a workflow definition with positions and check it.

`load_definition` gives a `Document` (plain JSON data plus source positions); `validate` runs
the JSON Schema and the semantic checks and returns every problem as a `Diagnostic`.
"""

from __future__ import annotations

from engine.definition.document import Document
from engine.definition.source import load_definition
from engine.errors import Diagnostic

__all__ = ["Document", "load_definition", "validate"]


def validate(document: Document) -> list[Diagnostic]:
    """Every problem in `document` (schema and semantic checks), in source order."""
    from engine.definition.validation import validate as run

    return run(document)
