"""bench.advance drives the pure interpreter over a workload to its checked end."""

from __future__ import annotations

import pytest

from bench.advance import PURE, execute, measure
from bench.workloads import BY_ID
from engine.definition.compiler import compile_machine
from engine.testing import VirtualEnv


@pytest.mark.parametrize("workload_id", PURE)
def test_each_pure_workload_ends_with_its_expected_output(workload_id: str):
    workload = BY_ID[workload_id]
    machine = compile_machine(workload.load_definition())
    output, entered = execute(machine, workload.input(), VirtualEnv(seed=1))
    assert (output, entered) == (workload.expected(), workload.transitions)


def test_measure_times_each_run():
    seconds = measure(BY_ID["W1"], 2)
    assert len(seconds) == 2 and all(s >= 0 for s in seconds)
