"""The JSON endpoints the pages use, on a fake Redis (no worker: Pass/Fail machines end in their
start commit, Task machines stay RUNNING, started unchecked as a remote worker would run them)."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from urllib.parse import quote

import fakeredis
import pytest
from starlette.testclient import TestClient

from engine.runtime import config, dispatch, keys, listing, lost
from engine.runtime.engine import Engine
from engine.runtime.store import FINAL_STATUSES, ROOT, definition_digest
from engine.runtime.timers import fire_due
from engine.runtime.worker import make_worker
from engine.serve import views
from engine.serve.app import create_app
from engine.serve.config import ServeConfig
from engine.serve.context import ServeContext
from engine.serve.workflows import workflow_file

XSS = "<script>alert(1)</script>"
TAG = "<img src=x onerror=alert(1)>"  # markup a file name can hold (no slash)
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
FAIL = {"StartAt": XSS, "States": {XSS: {"Type": "Fail", "Error": XSS, "Cause": XSS}}}
TASK = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "work", "End": True}}}
CALLBACK = {
    "StartAt": "Wait",
    "States": {
        "Wait": {
            "Type": "Task",
            "Resource": "approve.waitForTaskToken",
            "Parameters": {"token.$": "$$.Task.Token"},
            "End": True,
        }
    },
}


def drain(engine: Engine, execution: str) -> None:
    """Run the execution's queued jobs (Map joins) in this process until it ends."""
    worker = make_worker(engine.redis, (), activities=engine.activities)
    for _ in range(100):
        worker.work(burst=True, logging_level="WARNING")
        fire_due(engine.runtime)
        if engine.describe(execution)["status"] in FINAL_STATUSES:
            return
    raise AssertionError(f"{execution} did not end")


@pytest.fixture
def engine() -> Engine:
    return Engine(client=fakeredis.FakeRedis())


@pytest.fixture
def context(engine: Engine, tmp_path: Path) -> ServeContext:
    (tmp_path / "pass.yaml").write_text("StartAt: P\nStates:\n  P: {Type: Pass, End: true}\n")
    return ServeContext(engine, ServeConfig(), workflows=tmp_path)


@pytest.fixture
def client(context: ServeContext) -> TestClient:
    return TestClient(create_app(context))


def post(client: TestClient, context: ServeContext, url: str, body: dict) -> dict:
    response = client.post(url, json=body, headers={"X-CSRF-Token": context.csrf})
    return {"http": response.status_code, **response.json()}


def test_list_counts_filters_and_search(engine, client):
    for index in range(3):
        engine.start_execution(PASS, {}, f"ok-{index}", state_machine="alpha")
    engine.start_execution(FAIL, {}, "bad-1", state_machine="beta")
    engine.start_execution(TASK, {}, "busy-1", state_machine="beta")
    listing = client.get("/api/executions").json()
    assert listing["counts"] == {
        "RUNNING": 1, "SUCCEEDED": 3, "FAILED": 1, "TIMED_OUT": 0, "ABORTED": 0,
    }  # fmt: skip
    assert listing["stateMachines"] == ["alpha", "beta"]
    assert len(listing["executions"]) == 5
    failed = client.get("/api/executions?status=FAILED").json()["executions"]
    assert [row["name"] for row in failed] == ["bad-1"]
    beta = client.get("/api/executions?stateMachine=beta").json()
    assert {row["name"] for row in beta["executions"]} == {"bad-1", "busy-1"}
    assert beta["counts"]["SUCCEEDED"] == 0 and beta["counts"]["RUNNING"] == 1
    both = client.get("/api/executions?stateMachine=beta&status=RUNNING").json()["executions"]
    assert [row["name"] for row in both] == ["busy-1"]
    found = client.get("/api/executions?search=OK-1").json()["executions"]
    assert [row["name"] for row in found] == ["ok-1"]


def test_cursor_pages_cover_everything_once_in_order(engine, client):
    names = [f"e-{index:02d}" for index in range(11)]
    for name in names:
        engine.start_execution(PASS, {}, name, state_machine="alpha")
    seen, cursor = [], ""
    while True:
        page = client.get(f"/api/executions?limit=4&order=oldest&cursor={cursor}").json()
        seen += [row["name"] for row in page["executions"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == names
    newest = client.get("/api/executions?limit=4").json()["executions"]
    assert [row["name"] for row in newest] == names[::-1][:4]


def all_pages(client: TestClient, query: str, limit: int = 3) -> list[str]:
    seen, cursor = [], ""
    while True:
        page = client.get(f"/api/executions?limit={limit}&{query}&cursor={quote(cursor)}").json()
        seen += [row["name"] for row in page["executions"]]
        cursor = page["nextCursor"]
        if cursor is None:
            return seen


def test_stop_time_orders_page_every_ended_execution_once_with_filters(engine, client):
    clock = iter(float(n) for n in range(1000, 2000))
    # Started a-0 .. a-7 in order; each ends (stop time) in the reverse order of its start;
    # same-second ends tie (the cursor breaks ties by id).
    for index in range(8):
        engine.start_execution(TASK, {}, f"a-{index}", state_machine="alpha")
    engine.start_execution(FAIL, {}, "b-0", state_machine="beta")
    stops = {}
    for index in reversed(range(8)):
        execution = f"alpha:a-{index}"
        stamp = next(clock) if index % 3 else 999.0  # a-0, a-3, a-6 end at the same second
        stops[f"a-{index}"] = stamp
        engine.redis.zadd(keys.STOPPED, {execution: stamp})
        engine.redis.zrem(keys.by_status("RUNNING"), execution)
        status = "FAILED" if index % 2 else "SUCCEEDED"
        engine.redis.zadd(keys.by_status(status), {execution: 0})
        engine.redis.hset(keys.meta(execution), "status", status)

    ended = sorted(stops, key=lambda name: (stops[name], name))
    alpha = "stateMachine=alpha"
    assert all_pages(client, f"order=ended-oldest&{alpha}") == ended
    assert all_pages(client, f"order=ended-newest&{alpha}") == ended[::-1]
    assert all_pages(client, "order=ended-newest") == ["b-0", *ended[::-1]]
    failed = [name for name in ended if int(name[-1]) % 2]
    assert all_pages(client, f"order=ended-oldest&status=FAILED&{alpha}", 2) == failed
    assert all_pages(client, "order=ended-newest&status=FAILED", 2) == ["b-0", *failed[::-1]]
    assert all_pages(client, "order=ended-newest&status=RUNNING") == []
    assert all_pages(client, f"order=ended-oldest&search=A-&{alpha}") == ended
    assert all_pages(client, "order=ended-oldest&search=a-5") == ["a-5"]
    # The start-time range filters on start times, whatever the order.
    engine.redis.zadd(keys.EXECUTIONS, {"alpha:a-2": 10.0})  # started long before the others
    early = "order=ended-newest&to=1970-01-01T00:01:00%2B00:00"
    assert all_pages(client, early) == ["a-2"]
    assert client.get("/api/executions?order=sideways").json()["error"].startswith("order:")


def test_a_store_from_before_the_stop_time_index_is_indexed_on_first_use(engine, client):
    for name in ("one", "two", "three"):
        engine.start_execution(PASS, {}, name, state_machine="alpha")
    engine.start_execution(TASK, {}, "busy", state_machine="alpha", check_resources=False)
    stops = {name: engine.describe(f"alpha:{name}")["stopDate"] for name in ("one", "two", "three")}
    engine.redis.delete(keys.STOPPED)  # as a store written before sfn kept it
    ended = sorted(stops, key=lambda name: (stops[name], name))
    assert all_pages(client, "order=ended-oldest", 2) == ended
    assert engine.redis.zcard(keys.STOPPED) == 3
    assert listing.index_stop_times(engine.redis) == 0  # nothing missing: one round trip


def test_column_headers_sort_by_start_and_stop_time_both_ways(engine, client):
    engine.start_execution(PASS, {}, "one", state_machine="alpha")
    page = client.get("/executions?status=SUCCEEDED").text
    started = 'id="sort-started" href="/executions?status=SUCCEEDED&amp;order=oldest">Started ↓'
    assert started in page and 'aria-sort="descending"' in page
    page = client.get("/executions?status=SUCCEEDED&order=oldest").text
    assert 'href="/executions?status=SUCCEEDED&amp;order=newest"' in page
    assert 'id="sort-stopped" href="/executions?status=SUCCEEDED&amp;order=ended-newest"' in page
    assert 'id="order-note"' not in page
    page = client.get("/executions?order=ended-newest").text
    assert "only executions that have ended are listed" in page
    assert 'id="sort-stopped" href="/executions?order=ended-oldest">Stopped ↓' in page


def test_bad_list_parameters_are_400_with_the_parameter_named(client):
    response = client.get("/api/executions?status=DONE")
    assert response.status_code == 400 and response.json()["error"].startswith("status:")
    assert client.get("/api/executions?limit=0").json()["error"].startswith("limit:")
    assert client.get("/api/executions?from=yesterday").json()["error"].startswith("from:")


def test_unknown_execution_is_404(client):
    response = client.get("/api/executions/alpha:nope")
    assert response.status_code == 404 and "does not exist" in response.json()["error"]
    page = client.get("/executions/alpha:nope")
    assert page.status_code == 404 and "does not exist" in page.text


def test_summary_history_states_and_graph_of_a_failed_execution(engine, client):
    execution = engine.start_execution(FAIL, {"x": XSS}, "bad-1", state_machine="beta")
    summary = client.get(f"/api/executions/{execution}").json()
    assert summary["status"] == "FAILED" and summary["error"] == XSS
    assert summary["historyLength"] == 3 and summary["durationMs"] >= 0
    history = client.get(f"/api/executions/{execution}/history").json()
    assert [row["type"] for row in history["events"]] == [
        "ExecutionStarted", "FailStateEntered", "ExecutionFailed",
    ]  # fmt: skip
    assert history["events"][1]["state"] == XSS and "states" not in history
    facets = client.get(f"/api/executions/{execution}/history?facets=1&limit=0").json()
    assert facets["states"] == [XSS] and facets["events"] == [] and facets["total"] == 3
    only = client.get(f"/api/executions/{execution}/history?type=ExecutionFailed").json()
    assert only["total"] == 1 and only["events"][0]["id"] == 3
    state = client.get(f"/api/executions/{execution}/states/{quote(XSS, safe='')}").json()
    assert state["total"] == 1 and state["entries"][0]["error"] == XSS
    timeline = client.get(f"/api/executions/{execution}/timeline").json()
    assert timeline["bars"][0]["failed"] and timeline["lanesOmitted"] == 0
    graph = client.get(f"/api/executions/{execution}/graph").json()
    assert graph["svg"].startswith("<svg") and XSS not in graph["svg"]
    assert "&lt;script&gt;" in graph["svg"] and XSS in graph["nodes"].values()
    download = client.get(f"/api/executions/{execution}/history.json")
    assert "attachment" in download.headers["content-disposition"]
    assert len(json.loads(download.text)["events"]) == 3


def test_pages_escape_what_executions_hold(engine, client):
    execution = engine.start_execution(FAIL, {"x": XSS}, "bad-1", state_machine="beta")
    for url in ("/executions", f"/executions/{execution}"):
        page = client.get(url)
        assert page.status_code == 200
        assert XSS not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(f"/executions/{execution}").text


def test_actions_need_the_csrf_token(engine, client, context):
    execution = engine.start_execution(TASK, {}, "busy-1", state_machine="beta")
    refused = client.post(f"/api/executions/{execution}/stop", json={})
    assert refused.status_code == 403
    wrong = client.post(f"/api/executions/{execution}/stop", json={}, headers={"X-CSRF-Token": "x"})
    assert wrong.status_code == 403
    assert engine.describe(execution)["status"] == "RUNNING"
    assert client.get(f"/api/executions/{execution}/stop").status_code == 405
    stopped = post(client, context, f"/api/executions/{execution}/stop", {"error": "E"})
    assert stopped["http"] == 200 and engine.describe(execution)["error"] == "E"


def test_stop_then_redrive_then_start(engine, client, context):
    running = engine.start_execution(TASK, {}, "busy-1", state_machine="beta")
    assert post(client, context, f"/api/executions/{running}/redrive", {})["http"] == 409
    assert all_pages(client, "order=ended-newest") == []
    assert post(client, context, f"/api/executions/{running}/stop", {})["http"] == 200
    assert all_pages(client, "order=ended-newest") == ["busy-1"]  # the end is in the index
    assert post(client, context, f"/api/executions/{running}/redrive", {})["http"] == 200
    assert all_pages(client, "order=ended-newest") == []  # running again: no end
    failed = engine.start_execution(FAIL, {}, "bad-1", state_machine="beta")
    redriven = post(client, context, f"/api/executions/{failed}/redrive", {})
    assert redriven["http"] == 200 and engine.describe(failed)["redriveCount"] == 1
    started = post(client, context, "/api/start", {"workflow": "pass.yaml", "input": {"a": 1}})
    assert engine.describe(started["executionId"])["status"] == "SUCCEEDED"
    outside = post(client, context, "/api/start", {"workflow": "../pass.yaml"})
    assert outside["http"] == 400 and "workflow:" in outside["error"]
    bad_input = post(client, context, "/api/start", {"workflow": "pass.yaml", "input": "{nope"})
    assert bad_input["http"] == 400 and "not valid JSON" in bad_input["error"]


def test_callback_tokens_are_masked_unless_revealed_and_usable_without_them(
    engine, client, context
):
    execution = engine.start_execution(CALLBACK, {}, "wait-1", state_machine="beta")
    waiting = client.get(f"/api/executions/{execution}/waiting").json()["tasks"]
    assert len(waiting) == 1 and waiting[0]["state"] == "Wait"
    assert "masked" in waiting[0]["token"]
    history = client.get(f"/api/executions/{execution}/history?facets=1").text
    states = client.get(f"/api/executions/{execution}/states/Wait").text
    revealed = post(client, context, f"/api/executions/{execution}/waiting/reveal", {})
    token = revealed["tasks"][0]["token"]
    assert len(token) == 32 and token not in history and token not in states
    assert client.post(f"/api/executions/{execution}/waiting/reveal").status_code == 403
    sent = post(
        client,
        context,
        f"/api/executions/{execution}/task",
        {"run": waiting[0]["run"], "outcome": "success", "output": '{"ok": true}'},
    )
    assert sent["http"] == 200
    assert engine.describe(execution)["status"] == "SUCCEEDED"
    assert client.get(f"/api/executions/{execution}/waiting").json()["tasks"] == []


def test_metrics_and_workers(engine, client):
    engine.start_execution(PASS, {}, "ok-1", state_machine="alpha")
    text = client.get("/metrics").text
    assert 'sfn_executions{state_machine="alpha",status="SUCCEEDED"} 1.0' in text
    assert "sfn_workers 0.0" in text
    workers = client.get("/api/workers").json()
    assert workers["workers"] == [] and workers["timers"]["due"] == 0
    assert "No worker is running" in client.get("/workers").text


def test_map_iterations_history_pages_and_drill_down(engine, client):
    items = list(range(30))
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Check",
                    "States": {
                        "Check": {
                            "Type": "Choice",
                            "Choices": [{"Variable": "$", "NumericEquals": 7, "Next": "Bad"}],
                            "Default": "Good",
                        },
                        "Good": {"Type": "Pass", "End": True},
                        "Bad": {"Type": "Fail", "Error": "Seven"},
                    },
                },
                "ToleratedFailureCount": 5,
                "End": True,
            }
        },
    }
    execution = engine.start_execution(definition, items, "map-1", state_machine="maps")
    drain(engine, execution)
    total = engine.store.history_length(execution)
    first = client.get(f"/api/executions/{execution}/history?limit=10").json()
    assert first["total"] == total and [row["id"] for row in first["events"]] == list(range(1, 11))
    later = client.get(f"/api/executions/{execution}/history?offset=10&limit=10").json()
    assert [row["id"] for row in later["events"]] == list(range(11, 21))
    deep = client.get(f"/api/executions/{execution}/history?offset=100&limit=2000").json()
    assert deep["events"][0]["id"] == 101 and deep["events"][-1]["id"] == total
    checks = client.get(f"/api/executions/{execution}/states/Check?limit=5").json()
    assert checks["total"] == 30 and len(checks["entries"]) == 5
    seventh = client.get(f"/api/executions/{execution}/states/Check?iteration=7").json()
    assert seventh["total"] == 1 and seventh["entries"][0]["input"] == "7"
    bad = client.get(f"/api/executions/{execution}/states/Bad?failed=1").json()
    assert bad["total"] == 1 and "Each #7" in bad["entries"][0]["lane"]
    lanes = client.get(f"/api/executions/{execution}/timeline").json()
    assert {bar["lane"] for bar in lanes["bars"]} >= {"main", "Each #0", "Each #29"}


def test_workflows_page_checks_each_file_and_draws_it(client, context):
    (context.workflows / "broken.yaml").write_text("StartAt: Nowhere\nStates: {}\n")
    page = client.get("/workflows").text
    assert "pass.yaml" in page and "broken.yaml" in page and "problem(s)" in page
    drawing = client.get("/api/workflows/pass.yaml/graph").json()
    assert drawing["svg"].startswith("<svg")
    assert client.get("/api/workflows/..%2Fpass.yaml/graph").status_code == 404
    unknown = client.get("/api/workflows/nope.yaml/graph")
    assert unknown.status_code == 400 and "not a file in" in unknown.json()["error"]


def test_an_asl_json_file_is_the_state_machine_named_without_asl(engine, client, context):
    (context.workflows / "orders.asl.json").write_text(json.dumps(PASS))
    execution = engine.start_execution(context.workflows / "orders.asl.json", {}, "o1")
    assert engine.describe(execution)["stateMachineArn"].endswith(":stateMachine:orders")
    page = client.get("/workflows").text
    assert "stateMachine=orders.asl" not in page
    (machine,) = views.state_machine_versions(
        engine, [workflow_file(context.workflows, "orders.asl.json")]
    )
    assert machine["name"] == "orders" and machine["versions"][0]["current"]
    drawing = client.get("/api/workflows/orders.asl.json/graph").json()["svg"]
    assert ">orders<" in drawing and "orders.asl" not in drawing


def test_workflows_page_shows_diagnostics_inline_in_the_source(client, context):
    source = "StartAt: Go\nStates:\n  Go: {Type: Pass, Next: <b>Nowhere</b>}\n"
    (context.workflows / "broken.yaml").write_text(source)
    page = client.get("/workflows").text
    card = page[page.index("<h2>broken.yaml") : page.index("<h2>pass.yaml")]
    assert '<details class="wf-source" open>' in card  # a file with problems opens its source
    flagged = '<mark class="flagged error">  Go: {Type: Pass, Next: &lt;b&gt;'
    assert f'<span class="ln">3</span>{flagged}' in card
    assert flagged in card
    caret = (
        " " * 25 + "^ error: state &#39;Go&#39;: Next names &#39;&lt;b&gt;Nowhere&lt;/b&gt;&#39;"
    )
    assert f'<span class="diag error">{caret}' in card  # under line 3, at column 26
    assert "<b>" not in card
    assert '<details class="wf-source"><summary>' in page  # pass.yaml: valid, folded


def test_search_is_case_insensitive_literal_and_paged(engine, client):
    for name in ("Run-Alpha-1", "run-alpha-2", "other-3", "x.alpha"):
        engine.start_execution(PASS, {}, name, state_machine="alpha")
    found = client.get("/api/executions?search=ALPHA-").json()["executions"]
    assert [row["name"] for row in found] == ["run-alpha-2", "Run-Alpha-1"]
    assert client.get("/api/executions?search=*").json()["executions"] == []
    assert [r["name"] for r in client.get("/api/executions?search=x.").json()["executions"]] == [
        "x.alpha"
    ]
    seen, cursor = [], ""
    for _ in range(5):
        params = {"search": "-ALPHA", "limit": "1", "cursor": cursor}
        page = client.get("/api/executions", params=params).json()
        seen += [row["name"] for row in page["executions"]]
        if not (cursor := page["nextCursor"]):
            break
    assert seen == ["run-alpha-2", "Run-Alpha-1"]
    seen, cursor = [], ""
    for _ in range(6):  # "alpha" is also the state machine's name: every id matches
        params = {"search": "alpha", "limit": "1", "cursor": cursor}
        page = client.get("/api/executions", params=params).json()
        seen += [row["name"] for row in page["executions"]]
        if not (cursor := page["nextCursor"]):
            break
    assert seen == ["x.alpha", "other-3", "run-alpha-2", "Run-Alpha-1"]


def test_a_nested_execution_and_its_parent_link_to_each_other(
    engine, client, tmp_path, monkeypatch
):
    folder = tmp_path / "nested-workflows"
    folder.mkdir()
    (folder / f"{TAG}.json").write_text(json.dumps(PASS))
    monkeypatch.setenv("SFN_WORKFLOWS", str(folder))
    config.forget()  # settings are read once per process
    arn = f"arn:aws:states:us-east-1:123456789012:stateMachine:{TAG}"
    parent_definition = {
        "StartAt": "Nest",
        "States": {
            "Nest": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": arn, "Name": TAG},
                "End": True,
            }
        },
    }
    parent = engine.start_execution(parent_definition, {})
    drain(engine, parent)
    child = f"{TAG}:{TAG}"
    assert engine.describe(child)["status"] == "SUCCEEDED"

    summary = client.get(f"/api/executions/{quote(parent, safe='')}").json()
    assert summary["childrenTotal"] == 1 and summary["parentExecution"] is None
    assert [row["execution_id"] for row in summary["children"]] == [child]
    back = client.get(f"/api/executions/{quote(child, safe='')}").json()
    assert back["parentExecution"] == parent and back["parentState"] == "Nest"
    assert back["childrenTotal"] == 0

    parent_page = client.get(f"/executions/{quote(parent, safe='')}").text
    assert f'href="/executions/{quote(child)}"' in parent_page
    assert TAG not in parent_page and "&lt;img" in parent_page
    child_page = client.get(f"/executions/{quote(child, safe='')}").text
    assert f'href="/executions/{quote(parent)}"' in child_page and "state Nest" in child_page


def test_workers_page_lists_executions_whose_tasks_were_redelivered(engine, client):
    assert client.get("/api/workers").json()["redelivered"] == {"total": 0, "executions": []}
    execution = engine.start_execution(TASK, {}, "r-1", state_machine="m")
    queue = dispatch.queue(engine.redis, dispatch.activity_queue("work"))
    (job,) = queue.get_jobs()
    for delivery in range(2):
        assert lost.redeliver(engine.runtime, execution, ROOT, job.kwargs["token"], delivery)

    found = client.get("/api/workers").json()["redelivered"]
    assert found["total"] == 1
    (row,) = found["executions"]
    assert row["execution_id"] == execution and row["redeliveries"] == 2
    assert row["status"] == "RUNNING"
    html = client.get("/workers").text
    assert f'href="/executions/{quote(execution)}"' in html
    assert job.kwargs["token"] not in html and "No Task was redelivered" not in html


def branch(*names: str) -> dict:
    states = {name: {"Type": "Pass", "Next": after} for name, after in pairwise(names)}
    return {"StartAt": names[0], "States": {**states, names[-1]: {"Type": "Pass", "End": True}}}


def test_parallel_branches_are_timeline_lanes_nested_ones_inside_theirs(engine, client):
    inner = {"Type": "Parallel", "Branches": [branch("C1"), branch("D1")], "End": True}
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [branch("A1", "A2"), {"StartAt": "Q", "States": {"Q": inner}}],
                "Next": "Z",
            },
            "Z": {"Type": "Pass", "End": True},
        },
    }
    execution = engine.start_execution(definition, {}, "par-1", state_machine="par")
    drain(engine, execution)
    bars = client.get(f"/api/executions/{quote(execution)}/timeline").json()["bars"]
    lanes = {bar["name"]: (bar["lane"], bar["laneKind"]) for bar in bars}
    assert lanes == {
        "P": ("main", "main"),
        "A1": ("P branch 1", "branch"),
        "A2": ("P branch 1", "branch"),
        "Q": ("P branch 2", "branch"),
        "C1": ("P branch 2 / Q branch 1", "branch"),
        "D1": ("P branch 2 / Q branch 2", "branch"),
        "Z": ("main", "main"),
    }


def test_metrics_counters_kept_by_the_commits(engine, client):
    engine.activities.activity("metrics_probe")(lambda x: x)  # the engine's, not a global one
    probe = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "metrics_probe"}}}
    probe["States"]["T"]["Next"] = "P"
    probe["States"]["P"] = {"Type": "Pass", "End": True}
    for name in ("a", "b"):
        engine.start_execution(PASS, {}, name, state_machine="quick")
    engine.start_execution(FAIL, {}, "c", state_machine="broken")
    drain(engine, engine.start_execution(probe, {}, "d", state_machine="probe"))
    # A Task none of the engine's activities runs: started unchecked, it waits for a worker.
    engine.start_execution(TASK, {}, "e", state_machine="waits", check_resources=False)

    text = client.get("/metrics").text
    for line in (
        'sfn_executions_started_total{state_machine="quick"} 2.0',
        'sfn_executions_started_total{state_machine="waits"} 1.0',
        'sfn_executions_finished_total{state_machine="quick",status="SUCCEEDED"} 2.0',
        'sfn_executions_finished_total{state_machine="broken",status="FAILED"} 1.0',
        'sfn_state_transitions_total{state_machine="quick"} 2.0',
        'sfn_state_transitions_total{state_machine="probe"} 2.0',
        'sfn_task_run_seconds_bucket{le="+Inf",state_machine="probe"} 1.0',
        'sfn_task_run_seconds_count{state_machine="probe"} 1.0',
    ):
        assert line in text, line
    assert 'sfn_executions_finished_total{state_machine="waits"' not in text
    assert 'sfn_task_run_seconds_count{state_machine="waits"' not in text
    (sum_line,) = [x for x in text.splitlines() if x.startswith("sfn_task_run_seconds_sum")]
    assert 0 <= float(sum_line.split()[-1]) < 5


def test_workflows_page_lists_each_state_machines_definition_versions(engine, client, context):
    old = {"StartAt": "Q", "States": {"Q": {"Type": "Pass", "End": True}}}
    engine.start_execution(old, {}, "v1", state_machine="pass")
    for name in ("v2", "v3"):
        engine.start_execution(context.workflows / "pass.yaml", {}, name, state_machine="pass")
    engine.start_execution(FAIL, {}, "x", state_machine="other")

    machines = {
        m["name"]: m["versions"]
        for m in views.state_machine_versions(
            engine, [workflow_file(context.workflows, "pass.yaml")]
        )
    }
    assert set(machines) == {"pass", "other"}
    now, before = machines["pass"]
    assert (now["digest"], now["executions"], now["current"]) == (definition_digest(PASS), 2, True)
    assert (before["digest"], before["executions"], before["current"]) == (
        definition_digest(old),
        1,
        False,
    )
    assert before["first"] <= now["first"] <= now["last"]
    page = client.get("/workflows").text
    assert definition_digest(old)[:12] in page and definition_digest(PASS)[:12] in page
    assert page.count("its file now") == 1 and XSS not in page
