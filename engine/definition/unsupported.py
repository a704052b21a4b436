"""What AWS accepts in a Distributed Map that sfn does not run (an ItemReader over anything but
an S3 object or listing in JSON, JSONL or CSV; a ResultWriter's WriterConfig...): a warning on
`validate`, and a refusal before a run starts, never a run that silently ignores a field."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from engine.definition.document import Document
from engine.definition.walk import State, states
from engine.errors import DefinitionError, Diagnostic

READERS = ("arn:aws:states:::s3:getObject", "arn:aws:states:::s3:listObjectsV2")
WRITER = "arn:aws:states:::s3:putObject"
INPUT_TYPES = ("JSON", "JSONL", "CSV")
MAP_IO = ("ItemReader", "ItemBatcher", "ResultWriter")


def unsupported_fields(document: Document) -> Iterator[Diagnostic]:
    """A warning per field sfn would not run as written if it ran the definition."""
    for state in states(document):
        if state.type != "Map":
            continue
        for path, problem in _map_problems(state):
            message = (
                f"state {state.name!r}: {problem}: AWS accepts it, but `sfn run` refuses the "
                "definition rather than run the Map without it"
            )
            yield document.diagnostic(message, state.at(*path), at_key=True, severity="warning")


def _map_problems(state: State) -> Iterator[tuple[tuple[str, ...], str]]:
    body = state.body
    processor = body.get("ItemProcessor") or body.get("Iterator") or {}
    config = processor.get("ProcessorConfig") if isinstance(processor, dict) else None
    distributed = isinstance(config, dict) and config.get("Mode") == "DISTRIBUTED"
    for field in MAP_IO:
        if field in body and not distributed:
            yield (field,), f"{field} is run by sfn only in a DISTRIBUTED Map"
    reader, writer = body.get("ItemReader"), body.get("ResultWriter")
    if isinstance(reader, dict):
        yield from _reader_problems(reader)
        for field in ("ItemsPath", "Items"):
            if field in body:
                yield (field,), f"{field} with an ItemReader is not run by sfn"
    if isinstance(writer, dict):
        if "WriterConfig" in writer:
            yield ("ResultWriter", "WriterConfig"), "a ResultWriter's WriterConfig is not run"
        if writer.get("Resource") != WRITER:
            yield ("ResultWriter",), f"sfn writes results only with Resource {WRITER}"


def _reader_problems(reader: dict) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(reader.get("Resource"), str) and reader["Resource"] not in READERS:
        wanted = " or ".join(READERS)
        yield ("ItemReader", "Resource"), f"sfn reads items only with {wanted}"
    config = reader.get("ReaderConfig")
    if not isinstance(config, dict):
        return
    where = ("ItemReader", "ReaderConfig")
    input_type = config.get("InputType")
    if input_type is not None and input_type not in INPUT_TYPES:
        problem = f"InputType {input_type} is not read by sfn (only JSON, JSONL, CSV)"
        yield (*where, "InputType"), problem
    if "ManifestType" in config:
        yield (*where, "ManifestType"), "ManifestType is not read by sfn"
    given = config.get("CSVHeaderLocation") == "GIVEN"
    if given != ("CSVHeaders" in config):
        yield where, "CSVHeaders go with CSVHeaderLocation GIVEN, and only with it"


def require_supported(document: Document) -> None:
    """DefinitionError for the runners: every field sfn would ignore, with its place."""
    found = list(unsupported_fields(document))
    if found:
        raise DefinitionError([replace(item, severity="error") for item in found])
