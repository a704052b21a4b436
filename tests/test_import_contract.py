"""The import contract of docs/architecture.md: imports point down the layers, no cycles.

Every import in engine/ counts: at module level, inside functions, and under TYPE_CHECKING (a
cycle hidden in a function is still a cycle a reader must untangle). Read from the source with
`ast`, so the check needs nothing installed and sees code that never runs.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "engine"
ARCHITECTURE = ENGINE.parent / "docs" / "architecture.md"

# Top to bottom. A module may import modules of its own layer or of the layers below it.
# The runtime's own layers: processes > handlers > Runtime (commit + joins) > commit >
# writers > records (see docs/architecture.md, "The durable runtime").
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("cli", ("engine.cli",)),
    ("public API", ("engine",)),
    ("serve", ("engine.serve",)),
    ("AWS API", ("engine.awsapi",)),
    ("in-memory driver", ("engine.testing", "engine.mock_config")),
    ("graph", ("engine.graph", "engine.graph_labels", "engine.graph_overlay")),
    (
        "runtime: processes",
        ("engine.runtime.worker", "engine.runtime.job_loop", "engine.runtime.engine"),
    ),
    (
        "runtime: handlers",
        (
            "engine.runtime.jobs",
            "engine.runtime.nested",
            "engine.runtime.starting",
            "engine.runtime.timers",
            "engine.runtime.watchdog",
            "engine.runtime.lost",
            "engine.runtime.activity_tasks",
        ),
    ),
    ("runtime: Runtime", ("engine.runtime.runtime",)),
    ("runtime: commit", ("engine.runtime.commit", "engine.runtime.requests")),
    (
        "runtime: writers",
        (
            "engine.runtime.groups",
            "engine.runtime.executions",
            "engine.runtime.scheduling",
            "engine.runtime.eager",
            "engine.runtime.job_start",
            "engine.runtime.leases",
            "engine.runtime.retention",
            "engine.runtime.counters",
            "engine.runtime.dispatch",
            "engine.runtime.guarded",
            "engine.runtime.allowlist",
            "engine.runtime.tokens",
        ),
    ),
    (
        "runtime: records",
        (
            "engine.runtime",  # its package docstring
            "engine.runtime.store",
            "engine.runtime.keys",
            "engine.runtime.config",
            "engine.runtime.system",
            "engine.runtime.server",
            "engine.runtime.connection",
            "engine.runtime.listing",
            "engine.runtime.observe",
            "engine.runtime.state_machines",
            "engine.runtime.burst",
            "engine.runtime.timer_entries",
            "engine.runtime.group_records",
        ),
    ),
    ("buckets", ("engine.buckets",)),
    ("integrations", ("engine.integrations",)),
    ("activities", ("engine.activity_loading", "engine.activities")),
    ("core", ("engine.core",)),
    ("definition", ("engine.definition",)),
    ("language", ("engine.language",)),
    ("errors", ("engine.errors",)),
]


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ENGINE.rglob("*.py")):
        parts = list(path.relative_to(ENGINE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The engine modules `name` imports anywhere in its source (functions, TYPE_CHECKING)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            # `from engine.runtime import keys` imports the module keys, not the package.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


# Packages named for their own __init__ only: each of their modules is placed by name.
EXACT = {"engine", "engine.runtime"}


def layer_of(name: str) -> int:
    """The index of the layer whose most specific prefix names `name`."""
    best, length = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            inside = name.startswith(prefix + ".") and prefix not in EXACT
            if (name == prefix or inside) and len(prefix) > length:
                best, length = index, len(prefix)
    return best


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: set(imported(name, path, known)) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_engine_module_has_a_layer() -> None:
    unplaced = [name for name in modules() if layer_of(name) < 0]
    assert unplaced == [], "place these in LAYERS (and docs/architecture.md)"


def test_imports_point_down_the_layers() -> None:
    upward = []
    for name, targets in sorted(graph().items()):
        for target in sorted(targets):
            if layer_of(target) < layer_of(name):
                mine, theirs = LAYERS[layer_of(name)][0], LAYERS[layer_of(target)][0]
                upward.append(f"{name} ({mine}) imports {target} ({theirs}), a higher layer")
    assert upward == [], "\n".join(upward)


def test_no_import_cycles_in_engine() -> None:
    assert cycles(graph()) == []


def test_the_check_sees_imports_inside_functions_and_under_type_checking(tmp_path) -> None:
    source = tmp_path / "probe.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from engine.runtime.runtime import Runtime\n"
        "def later():\n"
        "    from engine.runtime import keys\n"
    )
    known = {**modules(), "engine.probe": source}
    assert set(imported("engine.probe", source, known)) == {
        "engine.runtime.runtime",
        "engine.runtime.keys",
    }
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_runtime_and_the_integrations_never_read_the_global_activity_registry() -> None:
    """The processes hand the registry down (docs/architecture.md, Activities): the runtime
    and the integrations table never reach for the default one `@activity` and
    `@integration` fill."""
    readers = []
    for name, path in modules().items():
        if not name.startswith(("engine.runtime", "engine.integrations")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        used |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "engine.activities":
                imported |= {alias.name for alias in node.names}
        # The global, or the functions that use it (`@activity`, `@integration`, `registered()`).
        reach = {"default_registry", "registered", "activity", "integration"}
        if "default_registry" in used or reach & imported:
            readers.append(name)
    assert readers == []


def test_the_runtime_layers_are_those_docs_architecture_md_lists() -> None:
    """The runtime's rows of the layer table in docs/architecture.md name the same modules as
    `LAYERS` (a module moved or added in one place only fails here)."""
    block = ARCHITECTURE.read_text(encoding="utf-8").split("\nengine/runtime/ ", 1)[1]
    block = block.split("\nengine/buckets/", 1)[0]
    documented: dict[str, set[str]] = {}
    layer = None
    for line in block.splitlines()[1:]:
        if line.startswith("    ") and not line.startswith("     "):
            layer = f"runtime: {line.split()[0]}"
        if layer is not None:
            documented.setdefault(layer, set()).update(re.findall(r"\b([a-z_]+)\.py\b", line))
    tested = {
        name: {prefix.rpartition(".")[2] for prefix in prefixes if prefix != "engine.runtime"}
        for name, prefixes in LAYERS
        if name.startswith("runtime: ")
    }
    assert documented == tested
