"""Conformance scoreboard: run the cases in-process and print pass rates and first differences.

python tests/conformance/report.py [--category X] [--jsonpath-only] [-v]
python tests/conformance/report.py --write-known-failures
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from case_runner import (
    CASE_TIMEOUT_SECONDS,
    KNOWN_FAILURES,
    load_cases,
    load_known_failures,
    run_case,
    uses_jsonata,
)
from compare import compare


def case_differences(case: dict, timeout: float) -> list[str]:
    """The case's differences; an engine that raises or hangs is a failure, never a crash."""
    try:
        result = run_case(case, timeout)
    except Exception as error:
        return [f"engine raised {type(error).__name__}: {error}".splitlines()[0]]
    try:
        return compare(case, result)
    except Exception as error:
        return [f"result not comparable ({type(error).__name__}: {error})"]


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--category", help="run only this category (a folder under cases/)")
    parser.add_argument("--jsonpath-only", action="store_true", help="skip cases using JSONata")
    parser.add_argument("-v", "--verbose", action="store_true", help="every difference, timings")
    parser.add_argument("--timeout", type=float, default=CASE_TIMEOUT_SECONDS)
    parser.add_argument(
        "--write-known-failures", action="store_true", help="record the failures of this run"
    )
    args = parser.parse_args(argv)

    cases = load_cases(args.category)
    if args.jsonpath_only:
        cases = [case for case in cases if not uses_jsonata(case)]
    if not cases:
        print("no cases selected", file=sys.stderr)
        return 2

    by_category: dict[str, list[bool]] = defaultdict(list)
    by_language: dict[str, list[bool]] = defaultdict(list)
    failures: dict[str, list[str]] = {}
    started = time.monotonic()
    for case in cases:
        case_started = time.monotonic()
        differences = case_differences(case, args.timeout)
        if args.verbose:
            print(f"{time.monotonic() - case_started:6.2f}s {case['id']}", file=sys.stderr)
        passed = not differences
        by_category[case["category"]].append(passed)
        by_language["JSONata" if uses_jsonata(case) else "JSONPath only"].append(passed)
        if differences:
            failures[case["id"]] = differences

    known = load_known_failures()
    for case_id, differences in failures.items():
        print(f"FAIL {case_id}{' (known)' if case_id in known else ''}")
        for difference in differences if args.verbose else differences[:1]:
            print(f"     {difference}")
    print()
    print_table(dict(sorted(by_category.items())))
    print()
    overall = [outcome for outcomes in by_language.values() for outcome in outcomes]
    print_table({**dict(sorted(by_language.items())), "overall": overall})
    print(f"\n{len(cases)} cases in {time.monotonic() - started:.1f} s")
    ran = {case["id"] for case in cases}
    new = sorted(set(failures) - set(known))
    fixed = sorted(ran & set(known) - set(failures))
    print(
        f"{len(new)} failing but not in known_failures.txt; {len(fixed)} listed there but passing"
    )
    if args.write_known_failures:
        write_known_failures(failures, {case["id"] for case in cases})
    return 1 if new or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
