"""Load the conformance cases and run one in-process with `engine.testing.run`, with a timeout.

Shared by the pytest module and `report.py` so both run a case exactly the same way.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from case_activities import build_activities

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"
KNOWN_FAILURES = HERE / "known_failures.txt"
CASE_TIMEOUT_SECONDS = 30.0
REGION_ACCOUNT = "us-east-1:111111111111"


class CaseTimeout(Exception):
    """The engine did not finish the case within the time a case has."""


def load_cases(category: str | None = None) -> list[dict[str, Any]]:
    """Every case (of one category), sorted by id."""
    pattern = f"{category}/*.json" if category else "*/*.json"
    cases = [json.loads(path.read_text()) for path in CASES_DIR.glob(pattern)]
    return sorted(cases, key=lambda case: case["id"])


def uses_jsonata(case: dict[str, Any]) -> bool:
    """True when the case needs JSONata anywhere (top level or a state switching to it)."""
    return case.get("query_language") == "JSONata" or "JSONata" in case.get("features", ())


def load_known_failures(path: Path = KNOWN_FAILURES) -> dict[str, str]:
    """`case id -> reason` from the checked-in list (`<id> <reason>` per line, `#` comments)."""
    if not path.exists():
        return {}
    known = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            case_id, _, reason = line.strip().partition(" ")
            known[case_id] = reason.strip()
    return known


def execution_context(case: dict[str, Any]) -> dict[str, Any]:
    """A context object shaped like a real execution's: ARNs, a name, the start time."""
    digest = hashlib.sha256(case["id"].encode()).hexdigest()
    machine = f"conformance-{digest[:12]}"
    name = f"execution-{digest[12:24]}"
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return {
        "Execution": {
            "Id": f"arn:aws:states:{REGION_ACCOUNT}:execution:{machine}:{name}",
            "Input": case["input"],
            "Name": name,
            "RoleArn": f"arn:aws:iam::{REGION_ACCOUNT.split(':')[1]}:role/sfn-conformance",
            "StartTime": started,
            "RedriveCount": 0,
        },
        "StateMachine": {
            "Id": f"arn:aws:states:{REGION_ACCOUNT}:stateMachine:{machine}",
            "Name": machine,
        },
    }


@dataclass
class _Outcome:
    result: Any = None
    error: BaseException | None = None


def run_case(case: dict[str, Any], timeout: float = CASE_TIMEOUT_SECONDS) -> Any:
    """Run the case in-process and return the driver's Result; raise what the driver raised, or
    CaseTimeout. The run happens in a daemon thread so a hung engine cannot hang the harness."""
    from engine import testing

    cancelled = threading.Event()
    activities = build_activities(case.get("activities"), cancelled)
    outcome = _Outcome()

    def target() -> None:
        try:
            outcome.result = testing.run(
                case["definition"],
                case["input"],
                activities=activities,
                context=execution_context(case),
            )
        except BaseException as error:  # reported to the caller, whatever it is
            outcome.error = error

    thread = threading.Thread(target=target, name=f"case {case['id']}", daemon=True)
    thread.start()
    thread.join(timeout)
    cancelled.set()
    if thread.is_alive():
        raise CaseTimeout(f"the engine did not finish within {timeout:g} s")
    if outcome.error is not None:
        raise outcome.error
    return outcome.result


def as_recorded(case: dict[str, Any]) -> dict[str, Any]:
    """A Task case as AWS ran it: each Resource the Lambda function ARN it stood for (so the
    engine writes the LambdaFunction* events AWS recorded; a Lambda ARN runs the activity the
    function names), and a rule writing the ARN as the recording does. For comparing histories: the
    outputs are compared on the case as given (README-cases.md, "Task cases")."""
    activities = case.get("activities")
    if not activities:
        return case
    arns = {name: f"arn:aws:lambda:us-east-1:111111111111:function:{name}" for name in activities}
    definition = json.loads(json.dumps(case["definition"]), object_hook=_resource_arn(arns))
    rules = [
        {"regex": re.escape(arn), "replacement": activities[name]["recorded_resource"]}
        for name, arn in sorted(arns.items(), key=lambda item: -len(item[1]))
    ]  # longest first: the ARN of `echo` is a prefix of the ARN of `echo_2`
    return {
        **case,
        "definition": definition,
        "normalize": [*(case.get("normalize") or []), *rules],
    }


def _resource_arn(arns: dict[str, str]) -> Any:
    def rewrite(node: dict[str, Any]) -> dict[str, Any]:
        resource = node.get("Resource")
        if node.get("Type") == "Task" and resource in arns:
            return {**node, "Resource": arns[resource]}
        return node

    return rewrite
