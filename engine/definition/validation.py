"""`validate`: the JSON Schema plus every semantic check, all problems in source order.

The validator is this list of checks; adding a rule is adding a function to CHECKS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from engine.definition import (
    checks_choice,
    checks_fields,
    checks_graph,
    checks_language,
    checks_paths,
    integration_fields,
    substitutions,
    unsupported,
)
from engine.definition.document import Document
from engine.definition.schema import schema_problems
from engine.definition.substitutions import PLACEHOLDER, placeholders
from engine.errors import Diagnostic

Check = Callable[[Document], Iterator[Diagnostic]]

CHECKS: tuple[Check, ...] = (
    schema_problems,
    checks_graph.start_at_exists,
    checks_graph.transition_targets_exist,
    checks_graph.states_reachable,
    checks_graph.next_or_end,
    checks_graph.terminal_transitions,
    checks_graph.state_names_short,
    checks_graph.state_names_unique,
    checks_choice.rule_has_one_comparison,
    checks_choice.rule_variable_present,
    checks_choice.rule_next_at_top_level,
    checks_choice.jsonata_rule_condition,
    checks_choice.timestamp_operands,
    checks_fields.wait_has_one_duration,
    checks_fields.exclusive_fields,
    checks_fields.map_has_processor,
    checks_fields.heartbeat_below_timeout,
    checks_fields.task_credentials_not_assumed,
    checks_fields.express_children_run_standard,
    checks_fields.trace_header_not_sent,
    checks_fields.wait_timestamp_valid,
    checks_fields.states_all_alone_and_last,
    checks_fields.assign_variable_names,
    checks_language.jsonpath_fields_in_jsonata,
    checks_language.jsonata_fields_in_jsonpath,
    checks_language.jsonata_values_in_jsonpath,
    checks_language.jsonata_expressions_valid,
    checks_language.jsonata_values_are_expressions,
    checks_paths.paths_valid,
    checks_paths.result_paths_valid,
    checks_paths.choice_paths_valid,
    checks_paths.template_fields_valid,
    checks_paths.path_warnings,
    substitutions.unfilled_placeholders,
    unsupported.unsupported_fields,
    integration_fields.integration_fields,
)


def validate(document: Document) -> list[Diagnostic]:
    """Every problem in `document`, each once, ordered by position."""
    found: dict[tuple, Diagnostic] = {}
    # A value that is a whole unfilled placeholder cannot be judged until it is filled.
    pending = {path for path, _, in_key in placeholders(document.data) if not in_key}
    pending = {path for path in pending if PLACEHOLDER.fullmatch(_at(document.data, path))}
    for check in CHECKS:
        for diagnostic in check(document):
            if diagnostic.severity == "error" and diagnostic.path in pending:
                continue
            found.setdefault((diagnostic.line, diagnostic.column, diagnostic.message), diagnostic)
    return sorted(found.values(), key=_order)


def _at(data: object, path: tuple) -> object:
    for part in path:
        data = data[part]  # type: ignore[index]
    return data


def _order(diagnostic: Diagnostic) -> tuple[int, int]:
    return (diagnostic.line or 0, diagnostic.column or 0)
