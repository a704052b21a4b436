"""The pure layers import nothing that reaches the world: no Redis, RQ, CLI, clock, randomness,
ids, OS, processes or sockets. The clock and randomness come in through `Env`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "engine"
PURE_PACKAGES = ("core", "language", "definition")
FORBIDDEN = {"redis", "rq", "click", "time", "random", "uuid", "os", "subprocess", "socket"}


def imported_modules(source: str) -> set[str]:
    """Top-level names of every module `source` imports (absolute imports only)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def pure_modules() -> list[Path]:
    return sorted(path for package in PURE_PACKAGES for path in (ROOT / package).rglob("*.py"))


def test_the_pure_packages_have_modules():
    assert {path.parent.name for path in pure_modules()} >= set(PURE_PACKAGES)


@pytest.mark.parametrize("path", pure_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_pure_module_imports_nothing_impure(path: Path):
    assert imported_modules(path.read_text()) & FORBIDDEN == set()


def test_the_check_sees_every_import_form():
    source = "import os.path\nfrom time import sleep\nimport json, uuid\nfrom . import random\n"
    assert imported_modules(source) == {"os", "time", "json", "uuid"}
