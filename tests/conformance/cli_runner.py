"""Run a conformance case the way issue #3's acceptance states it: through `sfn run`.

    sfn run definition.json --in-memory --input-file input.json --json -a activities.py

in a fresh process, the case's activities written as a module that registers them with
`from engine import activity`; the result is the JSON object on the last line of stdout.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from case_runner import CASE_TIMEOUT_SECONDS, HERE

ACTIVITIES_MODULE = '''"""Activities of conformance case {case_id} (generated)."""

import json
import sys

sys.path.insert(0, {harness!r})

from case_activities import build_activities  # noqa: E402

from engine import activity  # noqa: E402

for _index, (_name, _function) in enumerate(build_activities(json.loads({specs!r})).items()):
    globals()[f"activity_{{_index}}"] = activity(_name)(_function)
'''


class CliFailure(Exception):
    """`sfn run` did not print a result line (it crashed, or printed something else)."""


def sfn_command() -> list[str]:
    """The installed `sfn` script, else the same entry point through this interpreter."""
    script = shutil.which("sfn")
    return [script] if script else [sys.executable, "-c", "from engine.cli import main; main()"]


def run_case_via_cli(case: dict[str, Any], timeout: float = CASE_TIMEOUT_SECONDS) -> dict:
    """The `{"status", "output", "error", "cause"}` object `sfn run --json` printed last."""
    with tempfile.TemporaryDirectory(prefix="sfn-case-") as folder:
        work = Path(folder)
        (work / "definition.json").write_text(json.dumps(case["definition"]))
        (work / "input.json").write_text(json.dumps(case["input"]))
        command = [
            *sfn_command(),
            "run",
            str(work / "definition.json"),
            "--in-memory",
            "--input-file",
            str(work / "input.json"),
            "--json",
        ]
        if case.get("activities"):
            module = work / "case_activities_module.py"
            specs = json.dumps(case["activities"])
            module.write_text(
                ACTIVITIES_MODULE.format(case_id=case["id"], harness=str(HERE), specs=specs)
            )
            command += ["-a", str(module)]
        try:
            done = subprocess.run(
                command, cwd=work, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise CliFailure(f"sfn run did not finish within {timeout:g} s") from None
    return _last_json_line(done)


def _last_json_line(done: subprocess.CompletedProcess) -> dict:
    lines = done.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, ValueError):
        result = None
    if not isinstance(result, dict) or "status" not in result:
        detail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise CliFailure(f"sfn run exited {done.returncode} without a result line: {detail}")
    return result
