"""The benchmark harness (`bench/`, beside `engine/` at the repository's root) is not installed
with sfn: its tests import it from the checkout."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
