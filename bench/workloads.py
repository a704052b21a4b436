"""The workloads W1-W5 (bench/workloads/): definitions, inputs, expected outputs, transitions.

A wrong output is a failed benchmark, never a figure: `check_output` raises `WrongOutput`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Json = Any
FOLDER = Path(__file__).resolve().parent / "workloads"


class WrongOutput(AssertionError):
    """An engine produced another output than the workload's expected one."""


@dataclass(frozen=True)
class Workload:
    """One benchmark workload: what sfn runs, what the peer runs, and what both must output."""

    id: str
    definition: str
    input_file: str
    output_file: str
    transitions: int
    peer_definition: str | None = None

    def load_definition(self, *, peer: bool = False) -> Json:
        return _read(self.peer_definition if peer and self.peer_definition else self.definition)

    def definition_path(self, *, peer: bool = False) -> Path:
        name = self.peer_definition if peer and self.peer_definition else self.definition
        return FOLDER / name

    def input(self) -> Json:
        return _read(self.input_file)

    def expected(self) -> Json:
        return _read(self.output_file)


WORKLOADS = (
    Workload("W1", "w1_pass_chain.asl.json", "w1_pass_chain.input.json",
             "w1_pass_chain.output.json", 100),
    Workload("W2", "w2_choice_loop.asl.json", "w2_choice_loop.input.json",
             "w2_choice_loop.output.json", 2001),
    Workload("W3c0", "w3_map_c0.asl.json", "w3_map.input.json", "w3_map_c0.output.json", 1001),
    Workload("W3c10", "w3_map_c10.asl.json", "w3_map.input.json", "w3_map_c10.output.json", 1001),
    Workload("W4", "w4_parallel.asl.json", "w4_parallel.input.json",
             "w4_parallel.output.json", 101),
    Workload("W5", "w5_order_tasks.asl.json", "w5_order.input.json",
             "w5_order_pass.output.json", 3, peer_definition="w5_order_pass.asl.json"),
)  # fmt: skip
BY_ID = {workload.id: workload for workload in WORKLOADS}


def _read(name: str) -> Json:
    return json.loads((FOLDER / name).read_text())


def count_transitions(history: list[dict[str, Json]]) -> int:
    """States entered: `*StateEntered` events, inside Map iterations and Parallel branches too."""
    return sum(1 for event in history if event["type"].endswith("StateEntered"))


def check_output(engine: str, workload: Workload, output: Json, transitions: int) -> None:
    """Raise WrongOutput unless `output` and the transition count are the workload's."""
    if isinstance(output, str):
        output = json.loads(output)
    if output != workload.expected():
        shown = json.dumps(output)[:300]
        raise WrongOutput(
            f"{engine} {workload.id}: output differs from {workload.output_file}: {shown}"
        )
    if transitions != workload.transitions:
        raise WrongOutput(
            f"{engine} {workload.id}: {transitions} states entered, expected {workload.transitions}"
        )
