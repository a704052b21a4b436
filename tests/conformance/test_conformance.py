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


def _param(case: dict) -> pytest.param:
    marks = []
    if case["id"] in KNOWN:
        marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[case["id"]] or "known failure"))
    return pytest.param(case, id=case["id"], marks=marks)


def test_known_failures_name_existing_cases() -> None:
    assert sorted(set(KNOWN) - {case["id"] for case in CASES}) == []


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_case(case: dict) -> None:
    result = run_case(case)
    differences = compare(case, result)
    assert not differences, "\n".join(differences)
    ids = id_differences(case, result.history)
    assert not ids, "\n".join(ids)  # every recorded history's ids and previousEventIds
