"""Activities: registration, context injection, async, and loading from every kind of source."""

from __future__ import annotations

import asyncio
import json
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine import activity as exported_activity
from engine.activities import (
    ActivityContext,
    Handlers,
    Registry,
    activity,
    call_arguments,
    default_registry,
    error_from_exception,
    invoke,
    registered,
    resolve,
)
from engine.activity_loading import load_activities
from engine.errors import UnknownResource, UsageError

CONTEXT = ActivityContext(
    execution_id="exec-1",
    state_name="Charge",
    attempt=2,
    deadline=datetime(2030, 1, 1, tzinfo=UTC),
    idempotency_key="exec-1/Charge/2",
    task_token="tok",
)


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


ACTIVITY_FILE = """
    from engine import activity

    @activity("{name}")
    def run(data):
        return {{"by": "{name}", "data": data}}
"""


def test_decorator_registers_in_default_registry_and_is_exported():
    assert exported_activity is activity

    @activity("test_activities.double", queue="fast")
    def double(data):
        return data * 2

    assert registered()["test_activities.double"] is double
    assert resolve("test_activities.double")(4) == 8


def test_registry_keeps_queue_and_resolves_integration_suffix():
    registry = Registry()

    @registry.activity("charge", queue="payments")
    def charge(data):
        return data

    assert registry.resolve("charge").queue == "payments"
    assert registry.resolve("charge.waitForTaskToken").function is charge
    assert "charge" not in Registry()


def test_unknown_resource_lists_known_ones():
    registry = Registry()
    registry.activity("b_one")(lambda data: data)
    registry.activity("a_two")(lambda data: data)
    with pytest.raises(UnknownResource) as raised:
        registry.resolve("nope")
    message = str(raised.value)
    assert "'nope'" in message and "a_two, b_one" in message
    assert raised.value.exit_code == 2
    with pytest.raises(UnknownResource, match="known: none"):
        Registry().check(["x"])


def test_context_is_given_only_to_activities_that_ask():
    def input_only(data):
        return data

    def positional(data, ctx):
        return ctx.state_name

    def keyword(data, *, context):
        return context.attempt

    def nothing():
        return "no input"

    assert invoke(input_only, {"a": 1}, CONTEXT) == {"a": 1}
    assert invoke(positional, {}, CONTEXT) == "Charge"
    assert call_arguments(keyword, 1, CONTEXT) == ([1], {"context": CONTEXT})
    assert call_arguments(positional, 1, CONTEXT) == ([1, CONTEXT], {})
    assert invoke(nothing, {}, CONTEXT) == "no input"


def test_keyword_context_is_passed_by_name():
    def keyword(data, *, context):
        return (data, context.idempotency_key)

    registry = Registry()
    registry.activity("kw")(keyword)
    assert registry.resolve("kw")(5, CONTEXT) == (5, "exec-1/Charge/2")


def test_async_activities_run_with_asyncio():
    async def slow_double(data, context):
        await asyncio.sleep(0)
        return {"value": data["value"] * 2, "attempt": context.attempt}

    assert invoke(slow_double, {"value": 21}, CONTEXT) == {"value": 42, "attempt": 2}


def test_heartbeat_is_the_callable_the_runtime_provides():
    beats = []
    context = ActivityContext("e", "S", heartbeat=lambda: beats.append(1))

    def work(data, context):
        context.heartbeat()
        context.heartbeat()
        return len(beats)

    assert invoke(work, None, context) == 2


def test_load_by_file_path(tmp_path):
    path = write(tmp_path / "one.py", ACTIVITY_FILE.format(name="from_file"))
    registry = load_activities([str(path)], registry=Registry(), entry_points=False)
    assert registry.names() == ["from_file"]
    assert registry.resolve("from_file")(1) == {"by": "from_file", "data": 1}


HANDLER_FILE = """
    from engine import integration

    @integration("aws-sdk:loaded:{name}")
    def run(parameters):
        return "{name}"
"""


def test_load_adds_integration_handlers_to_the_registry_given(tmp_path, monkeypatch):
    monkeypatch.setattr(default_registry, "handlers", Handlers())  # what @integration fills
    path = write(tmp_path / "handlers_one.py", HANDLER_FILE.format(name="one"))
    resource = "arn:aws:states:::aws-sdk:loaded:one"
    first = load_activities([path], registry=Registry(), entry_points=False)
    second = load_activities([path], registry=Registry(), entry_points=False)  # not re-run
    assert first.handler(resource)({}) == second.handler(resource)({}) == "one"
    assert Registry().handler(resource) is None


def test_loading_the_same_file_twice_imports_it_once(tmp_path):
    path = write(tmp_path / "once.py", ACTIVITY_FILE.format(name="once"))
    first = load_activities([path], registry=Registry(), entry_points=False)
    second = load_activities([path, str(path)], registry=Registry(), entry_points=False)
    assert first.resolve("once").function is second.resolve("once").function


def test_load_plain_folder_with_sibling_helper(tmp_path):
    folder = tmp_path / "acts"
    write(folder / "_helper.py", "FACTOR = 3\n")
    write(
        folder / "maths.py",
        """
        from _helper import FACTOR
        from engine import activity

        @activity("triple")
        def triple(data):
            return data * FACTOR
        """,
    )
    write(folder / "other.py", ACTIVITY_FILE.format(name="other"))
    registry = load_activities([folder], registry=Registry(), entry_points=False)
    assert registry.names() == ["other", "triple"]
    assert registry.resolve("triple")(2) == 6


def test_load_package_folder_with_relative_import(tmp_path):
    folder = tmp_path / "pkg_acts"
    write(folder / "__init__.py", "")
    write(folder / "common.py", "def greet(name):\n    return 'hello ' + name\n")
    write(
        folder / "greeting.py",
        """
        from engine import activity
        from .common import greet

        @activity("greet")
        def run(data):
            return greet(data["name"])
        """,
    )
    registry = load_activities([str(folder)], registry=Registry(), entry_points=False)
    assert registry.resolve("greet")({"name": "ada"}) == "hello ada"


def test_load_by_module_name(tmp_path, monkeypatch):
    write(tmp_path / "shop_acts" / "__init__.py", "")
    write(tmp_path / "shop_acts" / "billing.py", ACTIVITY_FILE.format(name="bill"))
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = load_activities(["shop_acts.billing"], registry=Registry(), entry_points=False)
    assert registry.names() == ["bill"]


def test_default_is_the_activities_folder_of_the_current_directory(tmp_path, monkeypatch):
    write(tmp_path / "activities" / "orders.py", ACTIVITY_FILE.format(name="default_one"))
    monkeypatch.chdir(tmp_path)
    registry = load_activities(registry=Registry(), entry_points=False)
    assert registry.names() == ["default_one"]
    assert (
        load_activities(
            registry=Registry(), entry_points=False, default_folder=tmp_path / "x"
        ).names()
        == []
    )


def test_entry_points_name_modules_and_plain_functions(tmp_path, monkeypatch):
    write(
        tmp_path / "ep_acts.py",
        textwrap.dedent(ACTIVITY_FILE.format(name="from_entry_point"))
        + "\ndef plain(data):\n    return 'plain'\n",
    )
    dist = tmp_path / "ep_acts-1.0.dist-info"
    write(dist / "METADATA", "Metadata-Version: 2.1\nName: ep-acts\nVersion: 1.0\n")
    write(
        dist / "entry_points.txt",
        "[sfn.activities]\nmodule = ep_acts\nplain_one = ep_acts:plain\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = load_activities([], registry=Registry(), default_folder=tmp_path / "none")
    assert {"from_entry_point", "plain_one"} <= set(registry.names())
    assert registry.resolve("plain_one")(None) == "plain"


def test_the_same_name_from_two_files_is_an_error(tmp_path):
    first = write(tmp_path / "a.py", ACTIVITY_FILE.format(name="clash"))
    second = write(tmp_path / "b.py", ACTIVITY_FILE.format(name="clash"))
    with pytest.raises(UsageError, match="'clash' is defined twice"):
        load_activities([first, second], registry=Registry(), entry_points=False)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("missing_dir/", "no such file or folder"),
        ("no_such_module_xyz", "no module of that name"),
    ],
)
def test_missing_sources_are_clear_errors(spec, message):
    with pytest.raises(UsageError, match=message):
        load_activities([spec], registry=Registry(), entry_points=False)


def test_broken_user_code_is_reported_with_its_place(tmp_path):
    broken = write(tmp_path / "broken.py", "def f(:\n    pass\n")
    with pytest.raises(UsageError, match=r"broken\.py:1: SyntaxError"):
        load_activities([broken], registry=Registry(), entry_points=False)
    failing = write(tmp_path / "failing.py", "x = 1\nraise RuntimeError('boom')\n")
    with pytest.raises(UsageError, match=r"failing\.py:2: RuntimeError: boom"):
        load_activities([failing], registry=Registry(), entry_points=False)


def test_error_from_exception_is_shaped_like_lambda():
    def fails():
        raise ValueError("card declined")

    try:
        fails()
    except ValueError as error:
        name, cause = error_from_exception(error)
    assert name == "ValueError"
    body = json.loads(cause)
    assert body["errorMessage"] == "card declined" and body["errorType"] == "ValueError"
    assert any("fails" in line for line in body["stackTrace"])
