"""`sfn graph`: DOT on stdout or in a file, SVG/PNG through dot, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import engine.graph as graph_module
from engine.cli import main

ORDER = str(Path(__file__).resolve().parents[2] / "workflows" / "order.yaml")


def sfn(*args: str) -> object:
    return CliRunner().invoke(main, ["graph", *args])


def test_dot_on_stdout() -> None:
    result = sfn(ORDER)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith('digraph "order" {')
    assert '"ChargeCustomer" -> "ReserveInventory";' in result.stdout


@pytest.mark.parametrize("suffix", [".dot", ".gv"])
def test_dot_file(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"order{suffix}"
    result = sfn(ORDER, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert '"RefundCustomer" -> "OrderFailed";' in out.read_text()


def test_svg_and_png(tmp_path: Path) -> None:
    svg, png = tmp_path / "order.svg", tmp_path / "order.png"
    assert sfn(ORDER, "-o", str(svg)).exit_code == 0
    assert sfn(ORDER, "--output", str(png)).exit_code == 0
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "ReserveInventory" in text
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_without_system_dot_graphviz_pure_draws(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # graphviz-pure sits beside python
    svg = tmp_path / "order.svg"
    assert sfn(ORDER, "-o", str(svg)).exit_code == 0
    assert "graphviz-pure" in svg.read_text() and "ReserveInventory" in svg.read_text()


def test_missing_dot_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph_module, "DOT_PROGRAMS", ("no-such-dot",))
    out = tmp_path / "order.svg"
    result = sfn(ORDER, "-o", str(out))
    assert result.exit_code == 1
    assert "pip install graphviz-pure" in result.stderr
    assert "apt-get install graphviz" in result.stderr and "brew install graphviz" in result.stderr
    assert "Traceback" not in result.output and not out.exists()
    assert sfn(ORDER, "-o", str(tmp_path / "order.dot")).exit_code == 0


def test_unknown_output_format(tmp_path: Path) -> None:
    result = sfn(ORDER, "-o", str(tmp_path / "order.pdf"))
    assert result.exit_code == 2
    assert "name it with one of .dot, .gv, .png, .svg" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("States: [unclosed", "invalid YAML"),
        ("", "order.yaml"),
    ],
)
def test_bad_input_is_one_clear_error(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "order.yaml"
    if content is not None:
        path.write_text(content)
    result = sfn(str(path))
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output


WAITING = """\
StartAt: Prepare
States:
  Prepare: {Type: Pass, Next: Later}
  Later: {Type: Wait, Seconds: 3600, Next: Check}
  Check:
    Type: Choice
    Choices:
      - {Variable: $.x, NumericGreaterThan: 1, Next: TooBig}
    Default: Done
  Done: {Type: Succeed}
  TooBig: {Type: Fail, Error: TooBig}
"""


@pytest.fixture
def durable(monkeypatch: pytest.MonkeyPatch) -> object:
    """A durable Engine on an in-process fake Redis, the one `sfn graph --execution` uses."""
    import fakeredis

    from engine.runtime.engine import Engine

    engine = Engine(client=fakeredis.FakeRedis())
    monkeypatch.setattr("engine.cli.runtime_options.engine_for", lambda url: engine)
    return engine


def test_execution_colours_what_ran(tmp_path: Path, durable: object) -> None:
    path = tmp_path / "waiting.yaml"
    path.write_text(WAITING.replace("{Type: Wait, Seconds: 3600,", "{Type: Pass,"))
    execution = durable.start_execution(str(path), {"x": 5})
    result = sfn(str(path), "--execution", execution)
    assert result.exit_code == 0, result.output
    assert "execution " in result.stdout and ": FAILED" in result.stdout
    lines = {line.split(" [")[0].strip(): line for line in result.stdout.splitlines()}
    assert 'fillcolor="#f4a6a6"' in lines['"TooBig"']
    assert "Pass\\nsucceeded" in lines['"Prepare"']
    assert "Pass\\nsucceeded" in lines['"Later"'] and 'fontcolor="#888888"' in lines['"Done"']


def test_a_running_execution_shows_where_it_waits(tmp_path: Path, durable: object) -> None:
    path = tmp_path / "waiting.yaml"
    path.write_text(WAITING)
    execution = durable.start_execution(str(path), {"x": 0})
    result = sfn(str(path), "--execution", execution, "-o", str(tmp_path / "run.dot"))
    assert result.exit_code == 0, result.output
    dot = (tmp_path / "run.dot").read_text()
    assert ": RUNNING" in dot
    later = next(line for line in dot.splitlines() if line.strip().startswith('"Later" ['))
    assert "running" in later and 'penwidth="3"' in later


def test_unknown_execution_is_one_clear_error(durable: object) -> None:
    result = sfn(ORDER, "--execution", "no-such-execution")
    assert result.exit_code != 0 and result.stderr.startswith("error: ")
    assert "Traceback" not in result.output


def test_json_definitions_named_like_aws_tooling(tmp_path: Path) -> None:
    path = tmp_path / "flow.asl.json"
    path.write_text('{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}')
    result = sfn(str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith('digraph "flow" {') and '"(start)" -> "A";' in result.stdout


def test_sub_fills_placeholders_before_drawing(tmp_path: Path) -> None:
    file = tmp_path / "m.asl.json"
    file.write_text('{"StartAt": "${First}", "States": {"${First}": {"Type": "Succeed"}}}')
    result = sfn(str(file), "--sub", "First=Hello")
    assert result.exit_code == 0
    assert '"Hello"' in result.output and "${First}" not in result.output
