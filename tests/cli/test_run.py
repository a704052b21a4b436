"""`sfn run FILE --in-memory`: input options, the JSON result line, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main

PASS = {
    "StartAt": "P",
    "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "ResultPath": "$.r", "End": True}},
}
FAIL = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Oops", "Cause": "why"}}}


@pytest.fixture
def write(tmp_path: Path):
    def write_file(name: str, content) -> str:
        path = tmp_path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return str(path)

    return write_file


def invoke(*args: str):
    return CliRunner().invoke(main, ["run", *args])


def last_line(output: str) -> dict:
    """The JSON result line, without the execution id (checked on its own)."""
    result = json.loads(output.strip().splitlines()[-1])
    assert ":execution:" in result.pop("executionId")
    return result


def test_json_result_is_the_last_line(write):
    result = invoke(
        write("m.json", PASS), "--in-memory", "--input-file", write("in.json", {"a": 1}), "--json"
    )
    assert result.exit_code == 0, result.output
    assert last_line(result.output) == {
        "status": "SUCCEEDED",
        "output": {"a": 1, "r": {"ok": True}},
        "error": None,
        "cause": None,
    }


def test_a_failed_execution_exits_1_with_error_and_cause(write):
    result = invoke(write("f.json", FAIL), "--in-memory", "--json")
    assert result.exit_code == 1
    assert last_line(result.output) == {
        "status": "FAILED",
        "output": None,
        "error": "Oops",
        "cause": "why",
    }


def test_input_text_and_a_readable_rendering(write):
    result = invoke(write("m.yaml", json.dumps(PASS)), "--in-memory", "--input", '{"b": 2}')
    assert result.exit_code == 0, result.output
    assert result.output.startswith("status: SUCCEEDED")
    assert '"b": 2' in result.output


def test_bad_input_is_a_usage_error_without_traceback(write):
    result = invoke(write("m.json", PASS), "--in-memory", "--input", "{nope")
    assert result.exit_code == 2
    assert "not JSON" in result.output and "Traceback" not in result.output


def test_input_and_input_file_are_exclusive(write):
    result = invoke(
        write("m.json", PASS), "--in-memory", "--input", "{}", "--input-file", write("in.json", {})
    )
    assert result.exit_code == 2 and "not both" in result.output


def test_activities_load_from_a_module_file(write):
    write(
        "acts.py",
        "from engine import activity\n\n"
        "@activity('cli_test_double')\ndef double(value):\n    return value * 2\n",
    )
    definition = {
        "StartAt": "T",
        "States": {"T": {"Type": "Task", "Resource": "cli_test_double", "End": True}},
    }
    path = write("t.json", definition)
    result = invoke(
        path, "--in-memory", "--input", "21", "--json", "-a", str(Path(path).parent / "acts.py")
    )
    assert result.exit_code == 0, result.output
    assert last_line(result.output)["output"] == 42


def test_an_invalid_definition_exits_2_with_its_place(write):
    path = write("bad.json", {"StartAt": "Nowhere", "States": {"A": {"Type": "Pass", "End": True}}})
    result = invoke(path, "--in-memory")
    assert result.exit_code == 2
    assert "bad.json" in result.output and "Traceback" not in result.output


PLACEHOLDERS = """{
  "StartAt": "P",
  "States": {"P": {"Type": "Pass", "Result": {"wait": ${Wait}, "arn": "arn:${Region}:x"},
                   "End": true}}
}
"""


def test_sub_and_subs_fill_placeholders_sub_wins(write) -> None:
    file = write("reminder.asl.json", PLACEHOLDERS)
    subs = write("subs.json", {"Wait": 5, "Region": "us-east-1"})
    result = invoke(file, "--in-memory", "--json", "--subs", subs, "--sub", "Region=eu-west-1")
    assert result.exit_code == 0, result.output
    assert last_line(result.output)["output"] == {"wait": 5, "arn": "arn:eu-west-1:x"}


def test_an_unfilled_placeholder_is_an_error_listing_the_missing_names(write) -> None:
    file = write("reminder.asl.json", PLACEHOLDERS)
    result = invoke(file, "--in-memory", "--sub", "Wait=1")
    assert result.exit_code == 2
    assert "placeholders that are not filled: ${Region};" in result.stderr
    result = invoke(file, "--in-memory")
    assert "${Region}, ${Wait}" in result.stderr


@pytest.mark.parametrize("bad", ["Wait", "=1"])
def test_a_malformed_sub_is_a_usage_error(write, bad: str) -> None:
    result = invoke(write("m.asl.json", PLACEHOLDERS), "--in-memory", "--sub", bad)
    assert result.exit_code == 2
    assert "write it as NAME=VALUE" in result.stderr


def test_a_subs_file_that_is_not_an_object_is_a_usage_error(write) -> None:
    result = invoke(write("m.asl.json", PLACEHOLDERS), "--subs", write("s.json", "[1]"))
    assert result.exit_code == 2
    assert "must hold a JSON object" in result.stderr


# What a run of a JSONPath workflow of Pass states needs of none: JSONata (jlens), Choice
# rules, templates, JSONPath filters and intrinsic functions, timestamps, a Distributed Map's
# readers (ijson), hashlib (JSONata's $hash, local buckets' ETags, activity files' module
# names), a mock config.
UNUSED_BY_PASS = """
unused = ("jlens", "ijson", "hashlib", "_hashlib", "engine.mock_config", "engine.buckets.readers")
unused += tuple(f"engine.language.{m}" for m in ("choice", "choice_operators", "template"))
unused += tuple(f"engine.language.{m}" for m in ("intrinsics", "intrinsic_functions"))
unused += tuple(f"engine.language.{m}" for m in ("intrinsic_parser", "timestamps", "filters"))
unused_loaded = [m for m in sys.modules if m in unused or m.split(".")[0] in unused[:2]]
"""

IMPORTED_BY_RUN = f"""
import json, sys
from engine.cli import main
try:
    main(["run", sys.argv[1], "--in-memory"], prog_name="sfn")
except SystemExit as end:
    code = end.code
heavy = ("redis", "rq", "hiredis", "jsonschema", "asyncio", "ssl", "http", "urllib.request", "yaml")
heavy += ("importlib.metadata",)  # the `sfn.activities` entry points: a Pass state needs none
heavy += ("importlib.resources", "tempfile")  # the schema file: only jsonschema reads it
loaded = [m for m in sys.modules if m in heavy or m.split(".")[0] in heavy[:4]]
# The settings (engine.runtime.config, the standard library only) are all it may read of it.
settings = ("engine.runtime", "engine.runtime.config")
durable = [m for m in sys.modules if m.startswith("engine.runtime") and m not in settings]
loaded += [*durable, *(m for m in sys.modules if m.startswith("engine.integrations.http"))]
{UNUSED_BY_PASS}
loaded += unused_loaded
print(json.dumps({{"code": code, "loaded": sorted(loaded)}}))
"""

# Durable: the libraries are needed (redis-py loads hashlib itself), the worker is not.
IMPORTED_BY_DURABLE_RUN = f"""
import json, sys
import importlib.metadata as metadata
read = []
real = metadata.entry_points
metadata.entry_points = lambda **selection: read.append(selection) or real(**selection)
real_version = metadata.version
metadata.version = lambda name: read.append(name) or real_version(name)
from engine.cli import main
try:
    main(["run", sys.argv[1]], prog_name="sfn")
except SystemExit as end:
    code = end.code
{UNUSED_BY_PASS}
unused_loaded = [m for m in unused_loaded if "hashlib" not in m]
worker = [m for m in sys.modules if m == "engine.runtime.worker"]
print(json.dumps({{"code": code, "loaded": sorted([*unused_loaded, *worker]), "read": read}}))
"""


def test_sfn_run_in_memory_imports_no_redis_rq_or_durable_runtime(tmp_path: Path) -> None:
    """A command imports only what its path needs: the in-memory run of a one-state JSON
    workflow loads none of the durable machinery (it made `sfn run --in-memory` ~0.4 s slower),
    no HTTP client, SSL or asyncio (no Task needs them), no YAML parser, and no jsonschema (a
    valid definition passes the compiled check, engine/definition/schema_check.py) and no
    `importlib.metadata` (no Task state, so no entry point's activity is needed)."""
    definition = tmp_path / "one.json"
    definition.write_text(json.dumps(PASS), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", IMPORTED_BY_RUN, str(definition)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,  # no ./activities folder to load
    )
    report = json.loads(done.stdout.splitlines()[-1])
    assert report == {"code": 0, "loaded": []}
    assert "status: SUCCEEDED" in done.stdout


def test_a_durable_run_of_pass_states_starts_no_worker_and_loads_no_unused_language(
    tmp_path: Path, redis_url: str
) -> None:
    """The start's commit runs Pass states to the end, so `sfn run` (embedded worker) starts
    no worker: it would register with RQ, clean its registries and leave (~8 ms of a 250 ms
    run); nor, with no Task state and no worker, does it read the `sfn.activities` entry points
    (every installed package's metadata, ~3 ms), nor redis-py's version per connection (sfn
    gives it). Nor does it import what the definition does not use."""
    definition = tmp_path / "one.json"
    definition.write_text(json.dumps(PASS), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", IMPORTED_BY_DURABLE_RUN, str(definition)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={**os.environ, "SFN_REDIS_URL": redis_url},
    )
    report = json.loads(done.stdout.splitlines()[-1])
    assert report == {"code": 0, "loaded": [], "read": []}
    assert "status: SUCCEEDED" in done.stdout


def test_a_run_prints_the_definitions_warnings_on_stderr_first(write) -> None:
    definition = {
        "StartAt": "Find",
        "States": {
            "Find": {
                "Type": "Pass",
                "Parameters": {"r.$": "$.Labels[?(@.Name==Receipt)]"},
                "End": True,
            }
        },
    }
    path = write("quirk.json", definition)
    result = invoke(path, "--in-memory", "--json", "--input", '{"Labels": []}')
    assert result.exit_code == 1
    (warning,) = result.stderr.splitlines()
    assert warning.startswith(f"{path}:1:") and "warning: state 'Find'" in warning
    assert "unquoted word" in warning
    assert last_line(result.stdout)["error"] == "States.Runtime"


def test_unfilled_placeholders_are_the_runs_error_not_also_warnings(write) -> None:
    path = write(
        "p.asl.json",
        '{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": ${Delay}, "End": true}}}',
    )
    result = invoke(path, "--in-memory")
    assert result.exit_code == 2
    assert "warning" not in result.stderr and "${Delay}" in result.stderr


def test_a_task_runs_an_entry_points_activity(tmp_path: Path) -> None:
    """Entry points are skipped only for a run without Task states: one with a Task still
    finds its activity among the installed `sfn.activities` entry points."""
    (tmp_path / "ep_run_acts.py").write_text("def triple(value):\n    return value * 3\n")
    dist = tmp_path / "ep_run_acts-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ep-run-acts\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[sfn.activities]\ncli_ep_triple = ep_run_acts:triple\n")
    definition = tmp_path / "t.json"
    task = {"Type": "Task", "Resource": "cli_ep_triple", "End": True}
    definition.write_text(json.dumps({"StartAt": "T", "States": {"T": task}}))
    command = ["run", str(definition), "--in-memory", "--input", "5", "--json"]
    done = subprocess.run(
        [sys.executable, "-c", "from engine.cli import main; main()", *command],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert last_line(done.stdout)["output"] == 15
