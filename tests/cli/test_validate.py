"""`sfn validate`: diagnostics as `file:line:col: error: message`, exit 0/1/2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main

VALID = """\
# yaml-language-server: $schema=../schemas/state-machine.schema.json
StartAt: Charge
States:
  Charge:
    Type: Task
    Resource: charge_customer
    Next: Done
  Done:
    Type: Succeed
"""
INVALID = """\
StartAt: Charge
States:
  Charge:
    Type: Task
    Resource: charge_customer
    Next: Dnoe
  Done:
    Type: Succeed
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    assert "Traceback" not in result.output + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


def write(folder: Path, name: str, content: str | bytes) -> str:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def test_valid_file_exits_0(tmp_path: Path) -> None:
    code, out, err = run(write(tmp_path, "order.asl.yaml", VALID))
    assert (code, out) == (0, "")
    assert "1 file valid" in err


def test_invalid_file_prints_every_problem_and_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, "order.yaml", INVALID)
    code, out, err = run(path)
    assert code == 1
    assert out.splitlines() == [
        f"{path}:6:11: error: state 'Charge': Next names 'Dnoe', which is not a state of the "
        "state machine (did you mean 'Done'?)",
        f"{path}:7:3: error: state 'Done' is never reached: StartAt and no other state lead to it",
    ]
    assert "2 problems in 1 of 1 file" in err


def test_several_files_report_each(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", VALID)
    bad = write(tmp_path, "bad.yaml", INVALID)
    code, out, _ = run(good, bad)
    assert code == 1
    assert all(line.startswith(bad + ":") for line in out.splitlines())


def test_json_format(tmp_path: Path) -> None:
    good = write(
        tmp_path, "good.json", json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})
    )
    bad = write(tmp_path, "bad.yaml", INVALID)
    code, out, _ = run("--format", "json", good, bad)
    report = json.loads(out)
    assert code == 1
    assert report["valid"] is False
    assert [entry["valid"] for entry in report["files"]] == [True, False]
    first = report["files"][1]["diagnostics"][0]
    assert first == {
        "file": bad,
        "line": 6,
        "column": 11,
        "severity": "error",
        "message": "state 'Charge': Next names 'Dnoe', which is not a state of the state "
        "machine (did you mean 'Done'?)",
        "path": ["States", "Charge", "Next"],
    }


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.yaml")
    code, out, _ = run(missing, write(tmp_path, "bad.yaml", INVALID))
    assert code == 2
    assert out.splitlines()[0] == f"{missing}: error: no such file"


def test_no_file_is_a_usage_error() -> None:
    code, _, err = run()
    assert code == 2
    assert "Missing argument" in err


def _alias_bomb() -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in "bcdefghi":
        lines.append(f"{level}: &{level} [" + ", ".join([f"*{chr(ord(level) - 1)}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("malformed.yaml", "StartAt: [A\nStates: {}\n", "2:7: error: invalid YAML: did not find"),
        ("malformed.json", '{"StartAt": "A",}', "1:17: error: invalid JSON: Expecting property"),
        ("bomb.yaml", _alias_bomb(), "6:8: error: aliases expand to more than 100,000 nodes"),
        ("garbage.yaml", bytes(range(256)) * 4, "1:1: error: this is a binary file"),
        ("latin1.yaml", "StartAt: caf\xe9\n".encode("latin-1"), "1:13: error: not UTF-8 text"),
        ("empty.yaml", "", "1:1: error: the definition is empty"),
        ("python.yaml", "StartAt: !!python/name:os.system x\n", "1:10: error: the YAML tag"),
    ],
    ids=lambda value: value if isinstance(value, str) and value.endswith(("yaml", "json")) else "",
)
def test_bad_input_gives_one_clear_error(
    tmp_path: Path, name: str, content: str | bytes, message: str
) -> None:
    path = write(tmp_path, name, content)
    code, out, _ = run(path)
    assert code == 1
    assert len(out.splitlines()) == 1
    assert out.startswith(f"{path}:{message}")


def test_a_50_mb_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:
        stream.write(b"StartAt: A\n")
        stream.truncate(50 * 1024 * 1024)
    code, out, _ = run(str(path))
    assert code == 1
    assert out == (
        f"{path}:1:1: error: the file is 52,428,800 bytes, more than the limit of 1,048,576 bytes\n"
    )


def test_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    code, out, _ = run(str(tmp_path))
    assert code == 2
    assert out == f"{tmp_path}: error: is a directory, not a definition file\n"


QUIRKS = """{
  "StartAt": "A",
  "States": {
    "A": {"Type": "Pass", "InputPath": "$.[0]", "Next": "B"},
    "B": {"Type": "Pass", "Parameters": {"x.$": "$.[?(@.OU > 0)]", "y.$": "$.[*].['a','b']"},
          "Next": "C"},
    "C": {"Type": "Pass", "Parameters": {"r.$": "$.Labels[?(@.Name==Receipt)]"}, "End": true}
  }
}
"""


def test_jayway_forms_aws_accepts_validate_with_a_warning_where_they_cannot_run(
    tmp_path: Path,
) -> None:
    name = write(tmp_path, "quirks.json", QUIRKS)
    code, out, err = run(name)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{name}:7:49: warning: state 'C': Parameters.r.$: ")
    assert "unquoted word" in lines[0]
    assert "1 file valid (1 warning)" in err
    code, out, _ = run("--format", "json", name)
    report = json.loads(out)
    assert code == 0 and report["valid"] is True
    assert [d["severity"] for d in report["files"][0]["diagnostics"]] == ["warning"]


def test_placeholders_warn_until_filled_with_sub(tmp_path: Path) -> None:
    second = ' "States": {"W": {"Type": "Wait", "Seconds": ${Delay}, "End": true}}}'
    name = write(tmp_path, "m.asl.json", '{"StartAt": "W",\n' + second)
    column = second.index("${Delay}") + 1
    code, out, _ = run(name)
    assert code == 0
    assert out.startswith(f"{name}:2:{column}: warning: placeholder ${{Delay}} is not filled")
    code, out, _ = run("--sub", "Delay=5", name)
    assert (code, out) == (0, "")
    code, out, _ = run("--sub", "Delay=-5", name)
    assert code == 1 and f"{name}:2:{column}: error:" in out


CROSS_ACCOUNT = """{
  "StartAt": "Put",
  "States": {
    "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
      "Credentials": {"RoleArn": "arn:aws:iam::111122223333:role/Writer"}, "End": true}
  }
}
"""


def test_task_credentials_aws_would_assume_are_a_warning(tmp_path: Path) -> None:
    # AWS assumes Credentials.RoleArn for the Task (developer guide, "Accessing resources in
    # other AWS accounts"); sfn has no role to assume: said, not silently dropped.
    name = write(tmp_path, "cross.json", CROSS_ACCOUNT)
    code, out, err = run(name)
    assert code == 0 and "1 file valid (1 warning)" in err
    assert out.startswith(f"{name}:5:7: warning: state 'Put': Credentials is not used by sfn")


EXPRESS_CHILDREN = """{
  "StartAt": "Each",
  "States": {
    "Each": {"Type": "Map", "End": true,
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
        "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}
  }
}
"""

TRACED_CHILD = """{
  "StartAt": "Child",
  "States": {
    "Child": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
      "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:c",
                     "TraceHeader.$": "$.trace"}, "End": true}
  }
}
"""


def test_express_children_of_a_distributed_map_are_a_warning(tmp_path: Path) -> None:
    # AWS runs EXPRESS children at least once (developer guide, "Distributed Map state":
    # ExecutionType); sfn runs them as durable STANDARD children: said, not silently dropped.
    name = write(tmp_path, "express.json", EXPRESS_CHILDREN)
    code, out, err = run(name)
    assert code == 0 and "1 file valid (1 warning)" in err
    assert out.startswith(f"{name}:6:52: warning: state 'Each': ExecutionType EXPRESS is run")


def test_a_trace_header_for_a_child_execution_is_a_warning(tmp_path: Path) -> None:
    # StartExecution's traceHeader continues an AWS X-Ray trace; sfn has none to continue.
    name = write(tmp_path, "traced.json", TRACED_CHILD)
    code, out, err = run(name)
    assert code == 0 and "1 file valid (1 warning)" in err
    assert out.startswith(f"{name}:6:22: warning: state 'Child': TraceHeader is not used by sfn")
