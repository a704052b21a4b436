"""The workflow files the UI offers (the serving folder's `workflows/`), and their checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.definition import load_definition, validate
from engine.definition.source import state_machine_name
from engine.errors import DefinitionError, Diagnostic, UsageError
from engine.runtime.store import definition_digest

SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class WorkflowFile:
    name: str  # the file name inside the folder
    source: str
    diagnostics: list[Diagnostic]
    data: Any  # the loaded definition (None when it cannot be loaded)
    digest: str | None  # its content hash: the version executions pin

    @property
    def machine(self) -> str:
        """The state machine's name: the file's name without its suffix and `.asl`."""
        return state_machine_name(self.name) or self.name

    def lines(self) -> list[SourceLine]:
        """The source's lines, each with the diagnostics that point at it (shown inline)."""
        at: dict[int, list[Diagnostic]] = {}
        for diagnostic in self.diagnostics:
            if diagnostic.line is not None:
                at.setdefault(diagnostic.line, []).append(diagnostic)
        return [
            SourceLine(number, text, at.get(number, []))
            for number, text in enumerate(self.source.splitlines(), start=1)
        ]


@dataclass(frozen=True)
class SourceLine:
    number: int
    text: str
    diagnostics: list[Diagnostic]


def workflow_names(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())


def workflow_path(folder: Path, name: str) -> Path:
    """The file `name` names, only if it is one of the folder's workflows (no other path)."""
    if name not in workflow_names(folder):
        raise UsageError(f"workflow: {name!r} is not a file in {folder}")
    return folder / name


def workflow_file(folder: Path, name: str) -> WorkflowFile:
    """A workflow's source with `sfn validate`'s diagnostics."""
    path = workflow_path(folder, name)
    source = path.read_text(errors="replace")
    try:
        document = load_definition(path)
    except DefinitionError as error:
        return WorkflowFile(name, source, list(error.diagnostics), None, None)
    return WorkflowFile(
        name, source, validate(document), document.data, definition_digest(document.data)
    )
