"""Draw a state machine definition with Graphviz: DOT source from plain data, files at the edge.

`to_dot(definition)` is a pure function of the definition dict (no Graphviz program needed);
`render` writes DOT, or SVG/PNG through Graphviz's `dot` program when there is one, else the
`graphviz-pure` program that pip installs with sfn (a dot-compatible port in a wheel).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import SfnError, UsageError
from engine.graph_labels import catch_label, choice_label, retry_lines, state_subtitle
from engine.graph_overlay import StateRun, run_note

Json = Any

COMMENT_WIDTH = 72
START = "(start)"
END = "(end)"
FORMATS = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png"}
INSTALL_HINT = (
    "drawing SVG or PNG needs Graphviz's `dot` program or graphviz-pure, and neither was found; "
    "pip install graphviz-pure, or install Graphviz (apt-get install graphviz, brew install "
    "graphviz), or write DOT instead (-o FILE.dot)"
)
DOT_PROGRAMS = ("dot", "graphviz-pure")

# One look per state type, so a reader tells a Choice from a Task at a glance.
STATE_STYLES: dict[str, dict[str, str]] = {
    "Task": {"shape": "box", "style": "rounded,filled", "fillcolor": "#dbe9f6"},
    "Pass": {"shape": "box", "style": "filled", "fillcolor": "#f2f2f2"},
    "Choice": {"shape": "diamond", "style": "filled", "fillcolor": "#fff2cc"},
    "Wait": {"shape": "hexagon", "style": "filled", "fillcolor": "#e8e1f5"},
    "Succeed": {"shape": "oval", "style": "filled", "fillcolor": "#d5f0d5"},
    "Fail": {"shape": "octagon", "style": "filled", "fillcolor": "#f8d0d0"},
    "Parallel": {"shape": "parallelogram", "style": "filled", "fillcolor": "#fde3cc"},
    "Map": {"shape": "box3d", "style": "filled", "fillcolor": "#fde3cc"},
}
UNKNOWN_STYLE = {"shape": "box", "style": "dashed"}
MARKER_STYLE = {"shape": "circle", "style": "filled", "fillcolor": "black", "label": ""}
CATCH_STYLE = {"style": "dashed", "color": "#c0392b", "fontcolor": "#c0392b"}
# An execution drawing colours states by what happened there and greys out the others.
RUN_STYLES: dict[str, dict[str, str]] = {
    "succeeded": {"fillcolor": "#b7e1b0", "penwidth": "2"},
    "retried": {"fillcolor": "#dcedc8", "penwidth": "2", "color": "#e67e22"},
    "caught": {"fillcolor": "#ffd59e", "penwidth": "2", "color": "#e67e22"},
    "failed": {"fillcolor": "#f4a6a6", "penwidth": "2", "color": "#c0392b"},
    "running": {"fillcolor": "#fff59d", "penwidth": "3"},
}
NOT_RUN_STYLE = {"fillcolor": "white", "fontcolor": "#888888", "color": "#aaaaaa"}


@dataclass
class Node:
    id: str
    attrs: dict[str, str]
    state: str | None = None  # the state's name; None for markers and join points


@dataclass
class Edge:
    tail: str
    head: str
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Cluster:
    """A box around the states of a Parallel branch or a Map processor."""

    label: str
    nodes: list[Node] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)


@dataclass
class Drawing:
    root: Cluster
    edges: list[Edge] = field(default_factory=list)


def draw(definition: Json) -> Drawing:
    """The nodes, clusters and edges of a definition (any JSON; missing parts draw nothing)."""
    comment = " ".join(_text(_mapping(definition).get("Comment")).split())
    drawing = Drawing(Cluster(textwrap.fill(comment, COMMENT_WIDTH)))
    root = drawing.root
    root.nodes.append(Node(START, {**MARKER_STYLE, "width": "0.25"}))
    start, ends, fails = _draw_machine(drawing, root, _mapping(definition), prefix="")
    root.nodes.append(Node(END, {**MARKER_STYLE, "shape": "doublecircle", "width": "0.2"}))
    if start is not None:
        drawing.edges.append(Edge(START, start))
    drawing.edges += [Edge(tail, END) for tail in ends + fails]
    return drawing


def _draw_machine(
    drawing: Drawing, cluster: Cluster, machine: dict, prefix: str
) -> tuple[str | None, list[str], list[str]]:
    """Draw one (sub-)machine into `cluster`: its entry node, successful exits, Fail states."""
    states = _mapping(machine.get("States"))
    ends: list[str] = []
    fails: list[str] = []
    for name, raw in states.items():
        state = _mapping(raw)
        node_id = prefix + str(name)
        cluster.nodes.append(_state_node(node_id, str(name), state))
        exit_id = _draw_children(drawing, cluster, node_id, state)
        drawing.edges += _transitions(state, node_id, exit_id, lambda n: prefix + str(n))
        if state.get("Type") == "Fail":
            fails.append(node_id)
        elif state.get("End") is True or state.get("Type") == "Succeed":
            ends.append(exit_id)
    start = machine.get("StartAt")
    return (prefix + start if isinstance(start, str) else None), ends, fails


def _state_node(node_id: str, name: str, state: dict) -> Node:
    kind = state.get("Type")
    style = STATE_STYLES.get(kind, UNKNOWN_STYLE) if isinstance(kind, str) else UNKNOWN_STYLE
    lines = [name, state_subtitle(state), *retry_lines(state.get("Retry"))]
    return Node(node_id, {**style, "label": "\n".join(line for line in lines if line)}, name)


def _draw_children(drawing: Drawing, cluster: Cluster, node_id: str, state: dict) -> str:
    """Clusters for a Parallel's branches or a Map's processor; the node the state leaves by."""
    if state.get("Type") == "Parallel":
        machines = [
            (f"branch {index + 1}", f"{node_id}/{index}/", _mapping(branch))
            for index, branch in enumerate(_sequence(state.get("Branches")))
        ]
    elif state.get("Type") == "Map":
        processor = _mapping(state.get("ItemProcessor") or state.get("Iterator"))
        machines = [(_map_cluster_label(state), f"{node_id}/", processor)]
    else:
        return node_id
    join = f"{node_id}/join"
    for label, prefix, machine in machines:
        child = Cluster(label)
        cluster.clusters.append(child)
        start, ends, _fails = _draw_machine(drawing, child, machine, prefix)
        if start is not None:
            drawing.edges.append(Edge(node_id, start))
        drawing.edges += [Edge(end, join, {"style": "dotted"}) for end in ends]
    cluster.nodes.append(Node(join, {"shape": "point", "width": "0.12"}))
    return join


def _map_cluster_label(state: dict) -> str:
    label = "for each item"
    concurrency = state.get("MaxConcurrency", state.get("MaxConcurrencyPath"))
    if concurrency not in (None, 0):
        label += f" (at most {concurrency} at once)"
    return label


def _transitions(
    state: dict, node_id: str, exit_id: str, target: Callable[[str], str]
) -> Iterator[Edge]:
    """Next, Choice rules and Default, and Catch edges of one state; `target` names the node
    of a state of the same machine."""
    if isinstance(state.get("Next"), str):
        yield Edge(exit_id, target(state["Next"]))
    for rule in _sequence(state.get("Choices")):
        rule = _mapping(rule)
        if isinstance(rule.get("Next"), str):
            yield Edge(node_id, target(rule["Next"]), {"label": choice_label(rule)})
    if isinstance(state.get("Default"), str):
        yield Edge(node_id, target(state["Default"]), {"label": "default", "style": "bold"})
    for catcher in _sequence(state.get("Catch")):
        catcher = _mapping(catcher)
        if isinstance(catcher.get("Next"), str):
            label = catch_label(catcher.get("ErrorEquals"))
            yield Edge(node_id, target(catcher["Next"]), {**CATCH_STYLE, "label": label})


def overlay(cluster: Cluster, runs: dict[str, StateRun]) -> None:
    """Colour every state node of `cluster` (and below) by what an execution did there."""
    for node in cluster.nodes:
        if node.state is None:
            continue
        run = runs.get(node.state)
        style = RUN_STYLES[run.status] if run else NOT_RUN_STYLE
        node.attrs.update(style)
        if "filled" not in node.attrs.get("style", ""):
            node.attrs["style"] = ",".join(filter(None, [node.attrs.get("style"), "filled"]))
        if run:
            node.attrs["label"] += "\n" + run_note(run)
    for child in cluster.clusters:
        overlay(child, runs)


def to_dot(
    definition: Json,
    *,
    name: str = "workflow",
    runs: dict[str, StateRun] | None = None,
    title: str | None = None,
) -> str:
    """DOT source for a definition: pure, needs no Graphviz program. With `runs` (from
    engine.graph_overlay.state_runs), states are coloured by what an execution did there."""
    drawing = draw(definition)
    if runs is not None:
        overlay(drawing.root, runs)
    if title:
        drawing.root.label = "\n".join(filter(None, [title, drawing.root.label]))
    lines = [f"digraph {_quote(name)} {{"]
    lines.append('  graph [rankdir=TB, fontname="Helvetica", fontsize=11, compound=true];')
    lines.append('  node [fontname="Helvetica", fontsize=11];')
    lines.append('  edge [fontname="Helvetica", fontsize=9];')
    if drawing.root.label:
        lines.append(f'  label={_quote(drawing.root.label)}; labelloc="t";')
    lines += _cluster_lines(drawing.root, "  ", counter=[0])
    lines += [f"  {_quote(e.tail)} -> {_quote(e.head)}{_attrs(e.attrs)};" for e in drawing.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _cluster_lines(cluster: Cluster, indent: str, counter: list[int]) -> list[str]:
    lines = [f"{indent}{_quote(node.id)}{_attrs(node.attrs)};" for node in cluster.nodes]
    for child in cluster.clusters:
        counter[0] += 1
        lines.append(f"{indent}subgraph cluster_{counter[0]} {{")
        lines.append(f'{indent}  label={_quote(child.label)}; style="rounded,dashed";')
        lines += _cluster_lines(child, indent + "  ", counter)
        lines.append(f"{indent}}}")
    return lines


def _attrs(attrs: dict[str, str]) -> str:
    if not attrs:
        return ""
    return " [" + ", ".join(f"{key}={_quote(value)}" for key, value in attrs.items()) + "]"


def _quote(text: str) -> str:
    """A DOT quoted string showing `text` literally: backslashes and quotes escaped, and each
    line break turned into DOT's centred line break."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "").replace("\n", "\\n") + '"'


def _mapping(value: Json) -> dict:
    return value if isinstance(value, dict) else {}


def _sequence(value: Json) -> list:
    return value if isinstance(value, list) else []


def _text(value: Json) -> str:
    return value if isinstance(value, str) else ""


def output_format(path: Path) -> str:
    """The Graphviz output format an output file's suffix asks for."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise UsageError(
            f"cannot tell the format of {str(path)!r}: name it with one of {known}"
        ) from None


def render(dot_source: str, path: Path) -> None:
    """Write the drawing to `path` in the format its suffix names (.dot, .gv, .svg, .png)."""
    fmt = output_format(path)
    data = dot_source.encode() if fmt == "dot" else _run_dot(dot_source, fmt)
    try:
        path.write_bytes(data)
    except OSError as error:
        raise SfnError(f"cannot write {str(path)!r}: {error.strerror or error}") from None


def to_svg(dot_source: str) -> str:
    """SVG text of a drawing (for pages that inline it)."""
    return _run_dot(dot_source, "svg").decode()


def state_nodes(definition: Json) -> dict[str, str]:
    """The DOT node id of every state drawn (SVG `<title>`s) -> the state's name."""
    found: dict[str, str] = {}
    clusters = [draw(definition).root]
    while clusters:
        cluster = clusters.pop()
        found.update({node.id: node.state for node in cluster.nodes if node.state is not None})
        clusters += cluster.clusters
    return found


def dot_program() -> str | None:
    """Graphviz's `dot` when installed, else graphviz-pure (on PATH or beside this Python)."""
    for name in DOT_PROGRAMS:
        found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
        if found:
            return found
    return None


def _run_dot(dot_source: str, fmt: str) -> bytes:
    program = dot_program()
    if program is None:
        raise SfnError(INSTALL_HINT)
    done = subprocess.run(
        [program, f"-T{fmt}"], input=dot_source.encode(), capture_output=True, timeout=60
    )
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip()
        raise SfnError(f"{Path(program).name} failed: {detail or done.returncode}")
    return done.stdout
