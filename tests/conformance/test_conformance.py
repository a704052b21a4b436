"""Every AWS-recorded conformance case, run in-process and compared as README-cases.md says;
its history's ids and previousEventIds too (compare_history.py).

Known, explained failures are listed in known_failures.txt and expected to fail (strictly: a
listed case that passes fails the run, so the list cannot go stale). Regenerate the list with
`python tests/conformance/report.py --write-known-failures`.
"""

from __future__ import annotations

import pytest
from case_runner import load_cases, load_known_failures, run_case
from compare import compare
from compare_history import id_differences

CASES = load_cases()
KNOWN = load_known_failures()
# Recorded histories whose previousEventIds sfn does not reproduce, with why.
HISTORY_KNOWN = {
    case_id: "a DISTRIBUTED Map after another state: AWS's MapStateExited points to "
    "MapRunStarted there, to MapRunSucceeded when the Map is the first state"
    for case_id in (
        "assign/test_assign_reference_variables.TestAssignReferenceVariables."
        "test_reference_in_map_state[MAP_STATE_REFERENCE_IN_ITEM_SELECTOR]/get_execution_history",
        "assign/test_assign_reference_variables.TestAssignReferenceVariables."
        "test_reference_in_map_state[MAP_STATE_REFERENCE_IN_TOLERATED_FAILURE_PATH]"
        "/get_execution_history",
        "scenarios/test_base_scenarios.TestBaseScenarios."
        "test_map_state_config_distributed_item_selector_parameters/get_execution_history",
        "scenarios/test_base_scenarios.TestBaseScenarios."
        "test_map_state_config_distributed_items_path_from_previous/get_execution_history",
    )
}


def _param(case: dict) -> pytest.param:
    marks = []
    if case["id"] in KNOWN:
        marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[case["id"]] or "known failure"))
    return pytest.param(case, id=case["id"], marks=marks)


def test_known_failures_name_existing_cases() -> None:
    assert sorted(set(KNOWN) - {case["id"] for case in CASES}) == []
    assert sorted(set(HISTORY_KNOWN) - {case["id"] for case in CASES}) == []


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_case(case: dict) -> None:
    result = run_case(case)
    differences = compare(case, result)
    assert not differences, "\n".join(differences)
    ids = id_differences(case, result.history)
    assert bool(ids) == (case["id"] in HISTORY_KNOWN), "\n".join(ids) or "history matches now"
