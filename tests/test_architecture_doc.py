"""docs/architecture.md stays true: the runtime flow picture names modules that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_runtime_flow_picture_names_existing_modules() -> None:
    source = (ROOT / "docs" / "runtime-flow.dot").read_text(encoding="utf-8")
    source = source.replace("\\n", " ")  # DOT's line breaks inside labels
    named = set(re.findall(r"\b([a-z_]+\.py)\b", source))
    assert named, "the picture names the module of each step"
    missing = [name for name in sorted(named) if not (ROOT / "engine" / "runtime" / name).exists()]
    assert missing == []
    assert (ROOT / "docs" / "runtime-flow.svg").exists()
    assert "runtime-flow.svg" in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
