"""Issue #3's acceptance, literally: `sfn run DEFINITION.json --in-memory --input-file INPUT.json
--json` prints the case's result as its last stdout line, activities given as a module.

Every case runs in-process in test_conformance.py; here a sample goes through the real command
(one process per case): the first case of each category and each kind of activity.
`python tests/conformance/report.py --via-cli` runs them all this way.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from case_runner import load_cases, load_known_failures
from cli_runner import CliFailure, run_case_via_cli
from compare import compare

KNOWN = load_known_failures()


def _behaviours(case: dict) -> set[str]:
    return {spec["behaviour"] for spec in (case.get("activities") or {}).values()}


def _sample() -> list[dict]:
    """The first case of each category, then one case per activity behaviour not yet covered."""
    chosen: dict[str, dict] = {}
    cases = load_cases()
    for case in cases:
        chosen.setdefault(case["category"], case)
    covered = set().union(*(_behaviours(case) for case in chosen.values()))
    for case in cases:
        if _behaviours(case) - covered:
            chosen[case["id"]] = case
            covered |= _behaviours(case)
    return list(chosen.values())


SAMPLE = _sample()


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    """Every sampled case's result (or the CliFailure), run a few processes at a time."""

    def outcome(case: dict) -> object:
        try:
            return run_case_via_cli(case)
        except CliFailure as failure:
            return failure

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip([c["id"] for c in SAMPLE], pool.map(outcome, SAMPLE), strict=True))


def _param(case: dict) -> pytest.param:
    marks = []
    if case["id"] in KNOWN:
        marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[case["id"]] or "known failure"))
    return pytest.param(case, id=case["id"], marks=marks)


def test_the_sample_covers_every_category_and_activity_behaviour() -> None:
    assert {c["category"] for c in SAMPLE} == {c["category"] for c in load_cases()}
    behaviours = {a["behaviour"] for c in SAMPLE for a in (c.get("activities") or {}).values()}
    assert behaviours == {"return_input", "return", "return_repeated", "raise"}


@pytest.mark.parametrize("case", [_param(case) for case in SAMPLE])
def test_case_through_sfn_run(case: dict, results: dict[str, object]) -> None:
    result = results[case["id"]]
    assert not isinstance(result, CliFailure), str(result)
    differences = compare(case, result)
    assert not differences, "\n".join(differences)
