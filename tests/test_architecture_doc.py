"""docs/architecture.md stays true: the runtime flow picture names modules that exist and is
rendered from its current source; the concept -> file table names files that exist."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"


def test_the_runtime_flow_picture_names_existing_modules() -> None:
    source = (ROOT / "docs" / "runtime-flow.dot").read_text(encoding="utf-8")
    source = source.replace("\\n", " ")  # DOT's line breaks inside labels
    named = set(re.findall(r"\b([a-z_]+\.py)\b", source))
    assert named, "the picture names the module of each step"
    missing = [name for name in sorted(named) if not (ROOT / "engine" / "runtime" / name).exists()]
    assert missing == []
    assert (ROOT / "docs" / "runtime-flow.svg").exists()
    assert "runtime-flow.svg" in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def test_the_runtime_flow_svg_is_drawn_from_the_current_dot_source() -> None:
    """Every line of every label in docs/runtime-flow.dot is a text of the SVG: an edit of the
    source that was not rendered again (architecture.md says how) fails here."""
    source = (ROOT / "docs" / "runtime-flow.dot").read_text(encoding="utf-8")
    lines = {
        line.strip().replace('\\"', '"')
        for label in re.findall(r'label="((?:[^"\\]|\\.)*)"', source)
        for line in label.split("\\n")
    }
    drawing = ElementTree.parse(ROOT / "docs" / "runtime-flow.svg")
    texts = {"".join(node.itertext()).strip() for node in drawing.iter(f"{SVG}text")}
    assert sorted(lines - texts) == []


def test_the_concept_table_names_existing_files() -> None:
    """Each file the "concept -> file" table names exists: `runtime/x.py` and `core/x.py` under
    engine/, a bare `x.py` anywhere in engine/."""
    document = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = document.split("Concept -> file", 1)[1].split("\n\n", 2)[1]
    named = set(re.findall(r"`((?:[a-z_]+/)*[a-z_]+\.py)`", table))
    assert len(named) > 10, "the table names the file of each concept"
    everywhere = {path.name for path in (ROOT / "engine").rglob("*.py")}
    missing = [
        name
        for name in sorted(named)
        if not ((ROOT / "engine" / name).exists() or (ROOT / name).exists())
        and ("/" in name or name not in everywhere)
    ]
    assert missing == []
