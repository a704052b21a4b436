"""engine.graph: the DOT drawn for the example workflows holds every state and every edge."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.definition import load_definition
from engine.graph import END, START, to_dot
from engine.graph_labels import choice_label, retry_lines

ROOT = Path(__file__).resolve().parents[1]
EDGE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)"(?: \[(.*)\])?;$')
NODE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)" \[(.*)\];$')


def workflow(name: str) -> dict:
    return load_definition(ROOT / "workflows" / name).data


def edges(dot: str) -> dict[tuple[str, str], list[str]]:
    """(tail, head) -> the attribute lists of the edges between them."""
    found: dict[tuple[str, str], list[str]] = {}
    for line in dot.splitlines():
        match = EDGE.match(line)
        if match:
            found.setdefault((match[1], match[2]), []).append(match[3] or "")
    return found


def nodes(dot: str) -> dict[str, str]:
    return {m[1]: m[2] for line in dot.splitlines() if (m := NODE.match(line))}


def expected_edges(machine: dict, prefix: str = "") -> set[tuple[str, str]]:
    """The edges a machine must show, read from the definition, not from engine.graph."""
    found = set()
    for name, state in machine["States"].items():
        node = prefix + name
        leaves = f"{node}/join" if state["Type"] in ("Parallel", "Map") else node
        if "Next" in state:
            found.add((leaves, prefix + state["Next"]))
        found |= {(node, prefix + c["Next"]) for c in state.get("Choices", [])}
        found |= {(node, prefix + c["Next"]) for c in state.get("Catch", [])}
        if "Default" in state:
            found.add((node, prefix + state["Default"]))
        inner = state.get("Branches") or [state.get("ItemProcessor") or state.get("Iterator")]
        for index, branch in enumerate(inner if state["Type"] in ("Parallel", "Map") else []):
            child = f"{node}/{index}/" if state["Type"] == "Parallel" else f"{node}/"
            found.add((node, child + branch["StartAt"]))
            found |= expected_edges(branch, child)
            found |= {
                (child + n, f"{node}/join")
                for n, s in branch["States"].items()
                if s.get("End") or s["Type"] == "Succeed"
            }
    return found


def top_level_ends(machine: dict) -> set[tuple[str, str]]:
    ends = set()
    for name, state in machine["States"].items():
        leaves = f"{name}/join" if state["Type"] in ("Parallel", "Map") else name
        if state.get("End") or state["Type"] in ("Succeed", "Fail"):
            ends.add((leaves, END))
    return ends | {(START, machine["StartAt"])}


@pytest.mark.parametrize("name", ["order.yaml", "fanout.yaml", "batch.yaml", "approval.yaml"])
def test_every_state_and_edge_is_drawn(name: str) -> None:
    definition = workflow(name)
    dot = to_dot(definition)
    wanted = expected_edges(definition) | top_level_ends(definition)
    assert set(edges(dot)) == wanted
    drawn = nodes(dot)
    for node in {tail for tail, _ in wanted} | {head for _, head in wanted}:
        assert node in drawn, node


def test_order_pipeline_labels() -> None:
    dot = to_dot(workflow("order.yaml"))
    drawn, lines = nodes(dot), edges(dot)
    assert "retry \u00d73 on TransientError (1 s, backoff 2)" in drawn["ReserveInventory"]
    assert 'shape="octagon"' in drawn["OrderFailed"] and "Fail: OrderFailed" in drawn["OrderFailed"]
    assert 'shape="box"' in drawn["ChargeCustomer"]
    catch = lines[("ReserveInventory", "RefundCustomer")][0]
    assert 'style="dashed"' in catch and 'label="States.ALL"' in catch
    assert 'label="PaymentDeclined"' in lines[("ChargeCustomer", "PaymentDeclined")][0]
    assert lines[("ChargeCustomer", "ReserveInventory")] == [""]


def test_branches_and_processors_are_clusters() -> None:
    fanout = to_dot(workflow("fanout.yaml"))
    assert [line.strip() for line in fanout.splitlines() if 'label="branch' in line] == [
        f'label="branch {n}"; style="rounded,dashed";' for n in (1, 2, 3)
    ]
    batch = to_dot(workflow("batch.yaml"))
    assert 'label="for each item (at most 4 at once)"' in batch
    cluster = batch[batch.index("subgraph cluster_1") :]
    assert '"PriceLines/PriceLine"' in cluster and '"PriceLines/SkipLine"' in cluster


def test_choice_edges_carry_their_condition() -> None:
    lines = edges(to_dot(workflow("approval.yaml")))
    assert lines[("NeedsReview", "RequestReview")] == [
        'label="$.amount > 500"',
        "label=\"$.category == 'travel' and $.amount > 200\"",
    ]
    assert lines[("NeedsReview", "AutoApproved")] == ['label="default", style="bold"']


@pytest.mark.parametrize(
    ("rule", "label"),
    [
        ({"Variable": "$.amount", "NumericGreaterThan": 100}, "$.amount > 100"),
        ({"Variable": "$.a", "NumericLessThanEqualsPath": "$.b"}, "$.a <= $.b"),
        ({"Variable": "$.s", "StringMatches": "log-*"}, "$.s matches 'log-*'"),
        ({"Variable": "$.b", "BooleanEquals": False}, "$.b == false"),
        (
            {"Variable": "$.t", "TimestampGreaterThan": "2024-01-01T00:00:00Z"},
            "$.t > '2024-01-01T00:00:00Z'",
        ),
        ({"Variable": "$.x", "IsNull": False}, "$.x is not null"),
        ({"Variable": "$.x", "IsPresent": True}, "$.x is present"),
        ({"Not": {"Variable": "$.x", "StringEquals": "a"}}, "not $.x == 'a'"),
        (
            {
                "Or": [
                    {
                        "And": [
                            {"Variable": "$.a", "IsString": True},
                            {"Variable": "$.b", "NumericEquals": 1},
                        ]
                    },
                    {"Variable": "$.c", "IsNull": True},
                ]
            },
            "($.a is a string and $.b == 1) or $.c is null",
        ),
        ({"Condition": "{% $states.input.n > 3 %}"}, "$states.input.n > 3"),
        ({"Variable": "$.long", "StringEquals": "x" * 80}, "$.long == '" + "x" * 36 + "\u2026"),
    ],
)
def test_choice_labels(rule: dict, label: str) -> None:
    assert choice_label(rule) == label


def test_retry_lines() -> None:
    retry = [
        {"ErrorEquals": ["States.TaskFailed"]},
        {
            "ErrorEquals": ["A", "B"],
            "MaxAttempts": 0,
            "MaxDelaySeconds": 9,
            "JitterStrategy": "FULL",
        },
    ]
    assert retry_lines(retry) == [
        "retry \u00d73 on States.TaskFailed",
        "retry \u00d70 on A, B (max 9 s, jitter)",
    ]


def test_names_are_quoted_so_any_name_is_safe() -> None:
    name = 'say "hi" \\ : <b>'
    dot = to_dot({"StartAt": name, "States": {name: {"Type": "Succeed"}}})
    assert '"say \\"hi\\" \\\\ : <b>" -> "(end)";' in dot
    assert f'"{START}" -> "say \\"hi\\" \\\\ : <b>";' in dot


def test_weird_names_render_with_dot(tmp_path: Path) -> None:
    from engine.graph import render

    name = 'say "hi" \\ : <b>\nnext'
    out = tmp_path / "weird.svg"
    render(to_dot({"StartAt": name, "States": {name: {"Type": "Succeed"}}}), out)
    assert out.read_text().lstrip().startswith("<?xml")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=20,
)
WORDS = st.sampled_from(["Task", "Pass", "Choice", "Parallel", "Map", "Fail", "Succeed", "A", "B"])
STATE_KEYS = st.sampled_from(
    [
        "Type",
        "Next",
        "End",
        "Choices",
        "Default",
        "Catch",
        "Retry",
        "Branches",
        "ItemProcessor",
        "Iterator",
        "Seconds",
        "Resource",
        "Variable",
        "ErrorEquals",
        "StringEquals",
        "Not",
        "And",
    ]
)
MACHINES = st.deferred(
    lambda: st.fixed_dictionaries(
        {},
        optional={
            "StartAt": WORDS | JSON,
            "States": st.dictionaries(WORDS | st.text(max_size=3), STATES | JSON, max_size=4),
            "Comment": JSON,
        },
    )
)
STATES = st.deferred(
    lambda: st.dictionaries(
        STATE_KEYS,
        WORDS | JSON | MACHINES | STATES | st.lists(MACHINES | STATES | WORDS, max_size=3),
        max_size=6,
    )
)


@given(MACHINES | JSON)
def test_any_document_draws_without_raising(definition: object) -> None:
    dot = to_dot(definition)
    assert dot.startswith("digraph ") and dot.endswith("}\n")


def test_a_branch_target_never_resolves_to_an_outer_state() -> None:
    branch = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Top"}}}
    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Parallel", "Branches": [branch], "Next": "Top"},
            "Top": {"Type": "Succeed"},
        },
    }
    found = edges(to_dot(definition))
    assert ("P/0/A", "P/0/Top") in found and ("P/0/A", "Top") not in found
    assert ("P/join", "Top") in found
