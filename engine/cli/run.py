"""`sfn run FILE`: start an execution and print its result.

`--in-memory` runs it in this process with the test driver (virtual clock, nothing stored);
otherwise it runs durably on Redis (`engine.cli.run_durable`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from engine.cli.runtime_options import redis_url_option, workflows_option
from engine.cli.substitution_options import substitution_options
from engine.errors import UsageError
from engine.language.json_data import loads

if TYPE_CHECKING:
    from engine.definition.document import Document

Json = Any


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--input", "input_text", metavar="JSON", help="Execution input as JSON text.")
@click.option(
    "--input-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the execution input (JSON) from this file.",
)
@click.option(
    "-a",
    "--activities",
    "activity_specs",
    multiple=True,
    metavar="MODULE|PATH",
    help="Load activities from a module, file or folder (repeatable; default ./activities).",
)
@click.option(
    "--in-memory",
    is_flag=True,
    help="Run in this process on a virtual clock, without Redis (a test mode, not durable).",
)
@click.option(
    "--mock-config",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.json",
    help="With --in-memory: answer Tasks from a Step Functions Local MockConfigFile.",
)
@click.option("--test-case", metavar="NAME", help="The mock config's test case to use.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON line with the result.")
@click.option("--name", metavar="NAME", help="Execution name (same name and input: resume it).")
@click.option("--no-wait", is_flag=True, help="Start the execution, print its id and return.")
@click.option("--no-worker", is_flag=True, help="Run no worker here: `sfn worker`s do the work.")
@click.option(
    "--buckets-dir",
    metavar="DIR",
    help="Folder of a Distributed Map's S3 buckets (<DIR>/<Bucket>/<Key>; default "
    "$SFN_BUCKETS_DIR, else ./buckets).",
)
@redis_url_option
@workflows_option
@substitution_options
def run(
    file: Path,
    input_text: str | None,
    input_file: Path | None,
    activity_specs: tuple[str, ...],
    in_memory: bool,
    mock_config: Path | None,
    test_case: str | None,
    as_json: bool,
    name: str | None,
    no_wait: bool,
    no_worker: bool,
    buckets_dir: str | None,
    redis_url: str | None,
    workflows: str | None,
    substitutions: dict[str, str],
) -> None:
    """Run the state machine in FILE with the given input and print how it ended.

    FILE may also be the name of a state machine created through the AWS API
    (CreateStateMachine on `sfn serve`): its current definition runs under that name."""
    execution_input = read_input(input_text, input_file)
    if (mock_config is None) != (test_case is None):
        raise UsageError("give --mock-config and --test-case together")
    if mock_config is not None and not in_memory:
        raise UsageError("--mock-config answers Tasks of an --in-memory run only")
    document = read_document(file, substitutions)
    if document is not None:
        print_warnings(document)
    from engine.runtime import config as settings

    # Checked once, before anything runs; the embedded worker inherits the installed settings.
    flags = settings.current().with_flags(buckets_dir=buckets_dir)
    settings.install(flags.with_workflows(workflows))
    if not in_memory:
        from engine.cli.run_durable import run_durable

        options = {"name": name, "wait": not no_wait, "worker": not no_worker}
        code = run_durable(
            file,
            execution_input,
            activity_specs,
            **options,
            as_json=as_json,
            redis_url=redis_url,
            substitutions=substitutions,
            entry_points=runs_tasks(document),
        )
        raise SystemExit(code)
    mocks = (mock_config, test_case) if mock_config is not None else None
    result = run_in_memory(
        file, execution_input, activity_specs, substitutions, mocks, runs_tasks(document)
    )
    print_result(result, as_json)
    if result["status"] != "SUCCEEDED":
        raise SystemExit(1)


def read_document(file: Path, substitutions: dict[str, str]) -> Document | None:
    """FILE's definition, or None when FILE names a state machine created through the API or
    is not a valid document (the run reports why)."""
    from engine.definition import load_definition
    from engine.errors import DefinitionError

    if not file.is_file():
        return None
    try:
        return load_definition(file, filename=str(file), substitutions=substitutions)
    except DefinitionError:
        return None


def print_warnings(document: Document) -> None:
    """The definition's `validate` warnings on stderr before it runs: what AWS accepts and sfn
    runs differently is said at every run (unfilled placeholders are the run's own error)."""
    from engine.definition import validate
    from engine.definition.substitutions import unfilled_placeholders

    placeholders = set(unfilled_placeholders(document))
    for item in validate(document):
        if item.severity == "warning" and item not in placeholders:
            click.echo(str(item), err=True)


def runs_tasks(document: Document | None) -> bool:
    """Whether the run may need an activity: a definition without Task states runs none (nor
    a child execution), so its run skips the `sfn.activities` entry points (importlib.metadata
    and every installed package's metadata); an unread definition may need any."""
    from engine.definition.walk import states

    return document is None or any(state.body.get("Type") == "Task" for state in states(document))


def read_input(text: str | None, file: Path | None) -> Json:
    """The execution input from --input or --input-file ({} when neither is given)."""
    if text is not None and file is not None:
        raise UsageError("give the input with --input or --input-file, not both")
    if file is not None:
        text = _read_text(file)
    if text is None:
        return {}
    try:
        return loads(text)
    except ValueError as error:
        where = file or "--input"
        raise UsageError(f"the input in {where} is not JSON: {error}") from error


def _read_text(file: Path) -> str:
    """An input file's text: UTF-8, with or without a byte order mark."""
    try:
        raw = file.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read the input file {file}: {error.strerror}") from error
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = raw[error.start]
        raise UsageError(
            f"the input file {file} is not UTF-8 text (byte 0x{byte:02x} at offset {error.start})"
        ) from None


def run_in_memory(
    file: Path,
    execution_input: Json,
    activity_specs: tuple[str, ...],
    substitutions: dict[str, str] | None = None,
    mocks: tuple[Path, str] | None = None,
    entry_points: bool = True,
) -> dict:
    """Validate and run FILE with the in-memory driver; the result as plain data. `mocks`
    is a mock config and the test case whose mocked Tasks it answers; `entry_points` False
    skips the `sfn.activities` entry points (a run without Tasks)."""
    from engine import testing
    from engine.activity_loading import load_activities

    load_activities(activity_specs, entry_points=entry_points)
    config, case = mocks or (None, None)
    result = testing.run(
        file, execution_input, substitutions=substitutions, mock_config=config, test_case=case
    )
    return {
        "executionId": result.execution_id,
        "status": result.status,
        "output": result.output,
        "error": result.error,
        "cause": result.cause,
    }


def print_result(result: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(f"status: {result['status']}")
    if result["status"] == "SUCCEEDED":
        click.echo(json.dumps(result["output"], indent=2, ensure_ascii=False))
        return
    click.echo(f"error: {result['error']}")
    if result["cause"] is not None:
        click.echo(f"cause: {result['cause']}")
