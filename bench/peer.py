"""The peer: moto's ASL interpreter (LocalStack's) in memory, through boto3, on the same work.

`python -m bench.peer SPEC_JSON` runs in a process of its own (its peak RSS is the peer's) and
prints one JSON line. Each execution gets a fresh state machine, deleted afterwards: moto 5.2.1
deep-copies a state machine at every start, which fails once it holds a finished execution.
The peer row is moto as `pip install moto` gives it (versions printed with the table);
`cache_parse` memoizes moto's JSONPath parse, an extra row only: older jsonpath-ng releases
(1.8) rebuilt their LALR tables for every path they parsed.

Each figure is the execution's own time, moto's `startDate` to its `stopDate` (both set by
moto, 1 ms resolution), not when a poll notices: each DescribeExecution costs ~0.8 ms of the
interpreter's GIL, so the polls back off from 5 ms to 100 ms instead of stealing 15% of the
peer's time.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
import time
from typing import Any

from bench.stats import own_peak_rss_mib
from bench.workloads import BY_ID, Workload, check_output, count_transitions

Json = Any
ROLE = "arn:aws:iam::123456789012:role/bench"
POLL_SECONDS = 0.005
MAX_POLL_SECONDS = 0.1
TIMEOUT_SECONDS = 900


def installed() -> bool:
    return importlib.util.find_spec("moto") is not None


def versions() -> str | None:
    """moto's and jsonpath-ng's installed versions, e.g. "moto 5.2.5, jsonpath-ng 1.16.0"."""
    if not installed():
        return None
    from importlib.metadata import version

    return f"moto {version('moto')}, jsonpath-ng {version('jsonpath-ng')}"


def run_one(client: Any, workload: Workload, name: str) -> float:
    """Run one execution; return its own seconds, startDate to stopDate (output checked)."""
    definition = json.dumps(workload.load_definition(peer=True))
    machine = client.create_state_machine(name=name, definition=definition, roleArn=ROLE)
    arn = machine["stateMachineArn"]
    started = time.time()
    execution = client.start_execution(
        stateMachineArn=arn, name=name, input=json.dumps(workload.input())
    )["executionArn"]
    described = _wait(client, workload, execution, started)
    elapsed = described["stopDate"].timestamp() - described["startDate"].timestamp()
    if described["status"] != "SUCCEEDED":
        raise AssertionError(f"peer {workload.id}: ended {described['status']}: {described}")
    entered = count_transitions(_history(client, execution))
    check_output("peer", workload, described["output"], entered)
    client.delete_state_machine(stateMachineArn=arn)
    return elapsed


def _wait(client: Any, workload: Workload, execution: str, started: float) -> dict[str, Json]:
    poll = POLL_SECONDS
    while True:
        described = client.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return described
        if time.time() - started > TIMEOUT_SECONDS:
            raise TimeoutError(f"peer {workload.id}: no end after {TIMEOUT_SECONDS} s")
        time.sleep(poll)
        poll = min(poll * 1.5, MAX_POLL_SECONDS)


def _history(client: Any, execution: str) -> list[dict[str, Json]]:
    events, token = [], None
    while True:
        page = client.get_execution_history(
            executionArn=execution, maxResults=1000, **({"nextToken": token} if token else {})
        )
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def _cache_jsonpath_parse() -> None:
    from moto.stepfunctions.parser.asl.utils import json_path

    json_path.parse = functools.lru_cache(maxsize=None)(json_path.parse)


def measure(spec: dict[str, Json]) -> dict[str, Json]:
    """Seconds per execution for each workload in spec["runs"] ({id: executions})."""
    import boto3
    from moto import mock_aws

    if spec.get("cache_parse"):
        _cache_jsonpath_parse()
    results: dict[str, Json] = {}
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name="us-east-1")
        first = run_one(client, BY_ID["W5"], "warmup")
        for workload_id, count in spec["runs"].items():
            workload = BY_ID[workload_id]
            times = [run_one(client, workload, f"{workload_id}-{i}") for i in range(count)]
            results[workload_id] = {"seconds": times, "transitions": workload.transitions}
    return {"first_execution_s": first, "workloads": results, "peak_rss_mib": own_peak_rss_mib()}


if __name__ == "__main__":
    print(json.dumps(measure(json.loads(sys.argv[1]))), flush=True)
