"""Conformance scoreboard: run the cases and print pass rates and first differences, for
outputs and for recorded histories (ids + previousEventId, and whole events).

python tests/conformance/report.py [--category X] [--jsonpath-only] [-v]
python tests/conformance/report.py --via-cli [--jobs N]   # each case through `sfn run`
python tests/conformance/report.py --write-known-failures
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from case_runner import (
    CASE_TIMEOUT_SECONDS,
    KNOWN_FAILURES,
    as_recorded,
    load_cases,
    load_known_failures,
    run_case,
    uses_jsonata,
)
from cli_runner import run_case_via_cli
from compare import compare
from compare_history import event_differences, id_differences

Runner = Callable[[dict, float], Any]


@dataclass
class CaseReport:
    """A case's differences: outputs, and (None when there is no history to compare) the
    history's ids/previousEventIds and its whole events."""

    outputs: list[str]
    ids: list[str] | None = None
    events: list[str] | None = None


def case_differences(case: dict, timeout: float, runner: Runner = run_case) -> list[str]:
    """The case's output differences; an engine that raises or hangs is a failure."""
    return case_report(case, timeout, runner).outputs


def case_report(case: dict, timeout: float, runner: Runner = run_case) -> CaseReport:
    """Compare the case's run at every level; never a crash, whatever the engine does."""
    try:
        result = runner(case, timeout)
    except Exception as error:
        failed = [f"engine raised {type(error).__name__}: {error}".splitlines()[0]]
        compared = failed if case["history"] else None
        return CaseReport(failed, compared, compared)
    try:
        report = CaseReport(compare(case, result))
        history = getattr(result, "history", None)
        if case["history"] and history is not None:
            report.ids = id_differences(case, history)
            recorded = as_recorded(case)
            if recorded is not case:  # a Task case: its events as AWS ran it
                history = runner(recorded, timeout).history
            report.events = event_differences(recorded, history)
        return report
    except Exception as error:
        return CaseReport([f"result not comparable ({type(error).__name__}: {error})"])


def _rate(passed: int, total: int) -> str:
    return f"{passed:5d} {total:6d} {100.0 * passed / total:6.1f}%" if total else f"{0:5d} {0:6d}"


def print_table(rows: dict[str, list[bool]]) -> None:
    print(f"{'':28} {'pass':>5} {'total':>6} {'rate':>7}")
    for name, outcomes in rows.items():
        print(f"{name:28} {_rate(sum(outcomes), len(outcomes))}")


def write_known_failures(failures: dict[str, list[str]], ran: set[str]) -> None:
    """Rewrite known_failures.txt: the failing cases of this run (keeping reasons already
    written), plus the entries for cases this run did not run."""
    known = load_known_failures()
    entries = {case_id: reason for case_id, reason in known.items() if case_id not in ran}
    for case_id, differences in failures.items():
        entries[case_id] = known.get(case_id) or differences[0]
    header = [line for line in KNOWN_FAILURES.read_text().splitlines() if line.startswith("#")]
    lines = [f"{case_id} {' '.join(reason.split())}" for case_id, reason in sorted(entries.items())]
    KNOWN_FAILURES.write_text("\n".join(header + lines) + "\n")
    print(f"wrote {len(entries)} entries to {KNOWN_FAILURES}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--category", help="run only this category (a folder under cases/)")
    parser.add_argument("--jsonpath-only", action="store_true", help="skip cases using JSONata")
    parser.add_argument("-v", "--verbose", action="store_true", help="every difference, timings")
    parser.add_argument("--timeout", type=float, default=CASE_TIMEOUT_SECONDS)
    parser.add_argument(
        "--via-cli", action="store_true", help="run each case as `sfn run ... --in-memory --json`"
    )
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="parallel processes with --via-cli"
    )
    parser.add_argument(
        "--write-known-failures", action="store_true", help="record the failures of this run"
    )
    return parser.parse_args(argv)


def run_all(cases: list[dict], args: argparse.Namespace) -> dict[str, CaseReport]:
    """`case id -> report` for every case. In-process runs go one at a time (they share this
    process); `sfn run` processes go `--jobs` at a time."""
    runner = run_case_via_cli if args.via_cli else run_case

    def timed(case: dict) -> CaseReport:
        started = time.monotonic()
        report = case_report(case, args.timeout, runner)
        if args.verbose:
            print(f"{time.monotonic() - started:6.2f}s {case['id']}", file=sys.stderr)
        return report

    with ThreadPoolExecutor(max_workers=args.jobs if args.via_cli else 1) as pool:
        reports = list(pool.map(timed, cases))
    return {case["id"]: report for case, report in zip(cases, reports, strict=True)}


def print_history_report(reports: dict[str, CaseReport], verbose: bool) -> None:
    """How many recorded histories match, at the id/previousEventId level and as a whole."""
    compared = {case_id: r for case_id, r in reports.items() if r.ids is not None}
    if not compared:
        print("histories: none compared (this runner returns no history)")
        return
    for case_id, report in compared.items():
        if report.events and verbose:
            level = "ids" if report.ids else "events"
            print(f"HISTORY {level} {case_id}\n     {(report.ids or report.events)[0]}")
    print()
    print_table(
        {
            "histories: ids+previous": [not r.ids for r in compared.values()],
            "histories: whole events": [not r.events for r in compared.values()],
        }
    )


def print_report(cases: list[dict], failures: dict[str, list[str]], verbose: bool) -> None:
    known = load_known_failures()
    for case_id, differences in failures.items():
        print(f"FAIL {case_id}{' (known)' if case_id in known else ''}")
        for difference in differences if verbose else differences[:1]:
            print(f"     {difference}")
    by_category: dict[str, list[bool]] = defaultdict(list)
    by_language: dict[str, list[bool]] = defaultdict(list)
    for case in cases:
        passed = case["id"] not in failures
        by_category[case["category"]].append(passed)
        by_language["JSONata" if uses_jsonata(case) else "JSONPath only"].append(passed)
    print()
    print_table(dict(sorted(by_category.items())))
    print()
    overall = [case["id"] not in failures for case in cases]
    print_table({**dict(sorted(by_language.items())), "overall": overall})


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cases = load_cases(args.category)
    if args.jsonpath_only:
        cases = [case for case in cases if not uses_jsonata(case)]
    if not cases:
        print("no cases selected", file=sys.stderr)
        return 2
    started = time.monotonic()
    reports = run_all(cases, args)
    failures = {case_id: r.outputs for case_id, r in reports.items() if r.outputs}
    print_report(cases, failures, args.verbose)
    print_history_report(reports, args.verbose)
    print(f"\n{len(cases)} cases in {time.monotonic() - started:.1f} s")
    known, ran = load_known_failures(), {case["id"] for case in cases}
    new = set(failures) - set(known)
    fixed = ran & set(known) - set(failures)
    print(
        f"{len(new)} failing but not in known_failures.txt; {len(fixed)} listed there but passing"
    )
    if args.write_known_failures:
        write_known_failures(failures, ran)
    return 1 if new or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
