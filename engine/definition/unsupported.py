"""Fields AWS accepts that sfn does not run yet (a Distributed Map's ItemReader, ItemBatcher and
ResultWriter): a warning on `validate`, and a refusal before a run starts, never a run that
silently ignores them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from engine.definition.document import Document
from engine.definition.walk import states
from engine.errors import DefinitionError, Diagnostic

NOT_RUN = ("ItemReader", "ItemBatcher", "ResultWriter")


def unsupported_fields(document: Document) -> Iterator[Diagnostic]:
    """A warning per field sfn would ignore if it ran the definition."""
    for state in states(document):
        if state.type != "Map":
            continue
        for field in NOT_RUN:
            if field in state.body:
                message = (
                    f"state {state.name!r}: {field} is not run by sfn yet: AWS accepts it, "
                    "but `sfn run` refuses the definition rather than run the Map without it"
                )
                yield document.diagnostic(message, state.at(field), at_key=True, severity="warning")


def require_supported(document: Document) -> None:
    """DefinitionError for the runners: every field sfn would ignore, with its place."""
    found = list(unsupported_fields(document))
    if found:
        raise DefinitionError([replace(item, severity="error") for item in found])
