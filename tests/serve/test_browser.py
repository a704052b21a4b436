"""The web UI in a real browser (Debian's Chromium via playwright) against a real `sfn serve`,
a real Redis and real `sfn worker` processes."""

from __future__ import annotations

import json
import os
import shutil
from functools import partial
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect
from support.inspection import due_at, timers
from support.waiting import wait_for_file, wait_until

from engine.core.effects import TimerKind
from engine.runtime.engine import Engine
from engine.runtime.listing import waiting_tasks
from engine.runtime.timer_entries import StateTimer

ROOT = Path(__file__).resolve().parents[2]
XSS_NAME = '<script>window.__xss="name"</script>'
XSS_FAIL = "<img src=x onerror=\"window.__xss='fail'\">"
XSS_DATA = '<img src=x onerror="window.__xss=\'data\'"><script>window.__xss="data"</script>'
HOLD = "StartAt: Hold\nStates:\n  Hold: {Type: Task, Resource: nobody_runs_this, End: true}\n"
PAUSE = (
    "StartAt: Pause\nStates:\n  Pause: {Type: Wait, Seconds: 2, Next: Done}\n"
    "  Done: {Type: Pass, End: true}\n"
)
LONG_ITERATION = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
FAILED_ORDER = {
    "order_id": "o-2",
    "customer": {"id": "c-7", "email": "grace@example.com"},
    "amount": 30,
    "items": [{"sku": "lamp", "quantity": 5}],
}


def screenshot(page: Page, name: str) -> None:
    """Save a screenshot for the README when SFN_UI_SCREENSHOTS names a folder."""
    folder = os.environ.get("SFN_UI_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"ui-{name}.png"))


def xss_workflows(folder: Path) -> None:
    failing = {
        "StartAt": XSS_NAME,
        "States": {
            XSS_NAME: {"Type": "Pass", "Result": {"html": XSS_DATA}, "Next": XSS_FAIL},
            XSS_FAIL: {"Type": "Fail", "Error": XSS_DATA, "Cause": XSS_DATA},
        },
    }
    passing = {"StartAt": XSS_NAME, "States": {XSS_NAME: {"Type": "Pass", "End": True}}}
    (folder / "xss_fail.json").write_text(json.dumps(failing))
    (folder / "xss_pass.json").write_text(json.dumps(passing))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder like a user's: workflows/ (the examples plus test ones) and activities/."""
    folder = tmp_path / "project"
    shutil.copytree(ROOT / "workflows", folder / "workflows")
    shutil.copytree(ROOT / "activities", folder / "activities")
    (folder / "workflows" / "hold.yaml").write_text(HOLD)
    (folder / "workflows" / "pause.yaml").write_text(PAUSE)
    xss_workflows(folder / "workflows")
    return folder


class Dialogs:
    """Accepts every confirm; answers prompts from `answers` in turn; keeps the messages."""

    def __init__(self, page: Page):
        self.answers: list[str] = []
        self.seen: list[str] = []
        page.on("dialog", self._handle)

    def _handle(self, dialog) -> None:
        self.seen.append(dialog.message)
        if dialog.type == "prompt":
            dialog.accept(self.answers.pop(0))
        elif dialog.type == "confirm":
            dialog.accept()
        else:
            dialog.dismiss()


def test_list_filter_open_click_filter_stop_redrive_start(
    redis_url, project, sfn_serve, sfn_worker, page: Page
):
    engine = Engine(redis_url)
    workflows = project / "workflows"
    sfn_worker(activities=[project / "activities"], cwd=project)
    # The worker process runs the activities (none runs hold's): nothing this process registered
    # (other tests' activities) has a say.
    start = engine.start_execution
    ok = start(workflows / "order.yaml", {}, "order-ok")
    failed = start(workflows / "order.yaml", FAILED_ORDER, "order-lamps")
    held = start(workflows / "hold.yaml", {}, "held-1")
    for execution in (ok, failed):
        engine.wait(execution, timeout=60)
    server = sfn_serve(cwd=project)

    page.goto(f"{server.url}/executions")
    rows = page.locator("#executions tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator('#counts [data-status="FAILED"] b')).to_have_text("1")
    screenshot(page, "executions")
    by_stop = sorted((ok, failed), key=lambda e: (engine.describe(e)["stopDate"], e))
    page.click("#sort-stopped")  # ended executions, the latest end first
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(by_stop[-1].partition(":")[2])
    page.click("#sort-stopped")  # and the other way round
    expect(rows.first).to_contain_text(by_stop[0].partition(":")[2])
    expect(page.locator('select[name="order"]')).to_have_value("ended-oldest")
    page.goto(f"{server.url}/executions")
    page.select_option('select[name="status"]', "FAILED")
    expect(page).to_have_url(
        f"{server.url}/executions?status=FAILED&stateMachine=&search=&from=&to=&order=newest"
    )
    expect(rows).to_have_count(1)
    page.fill('input[name="search"]', "lamps")
    page.click('#filters button[type="submit"]')
    expect(rows).to_have_count(1)
    page.click("text=order-lamps")

    expect(page.locator("#status")).to_have_text("FAILED")
    expect(page.locator("#error")).to_have_text("OrderFailed")
    node = page.locator('#graph g.state-node[data-state="ReserveInventory"]')
    node.click()
    panel = page.locator("#state-details")
    expect(panel).to_contain_text("OutOfStock")
    expect(panel.locator("table.attempts tbody tr")).to_have_count(2)  # the retry, then stock
    reserve = page.locator("#timeline .bar", has_text="ReserveInventory")
    expect(reserve.locator(".attempt")).to_have_count(2)
    expect(reserve.locator(".retry-wait")).to_have_count(1)  # the 1 s backoff between them
    assert reserve.locator(".retry-wait").get_attribute("title").startswith("retry wait ")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "execution")
    page.select_option("#history-type", "TaskFailed")
    history = page.locator("#history tbody tr")
    expect(history).to_have_count(2)
    for index in range(2):
        expect(history.nth(index).locator("td").nth(1)).to_have_text("TaskFailed")
    page.select_option("#history-type", "")
    page.select_option("#history-state", "RefundCustomer")
    expect(history.first.locator("td").nth(2)).to_have_text("RefundCustomer")

    dialogs = Dialogs(page)
    page.click("#redrive")
    expect(page.locator("#redrive-count")).to_have_text("1")
    assert engine.describe(failed)["redriveCount"] == 1

    page.goto(f"{server.url}/executions/{held}")
    expect(page.locator("#status")).to_have_text("RUNNING")
    dialogs.answers += ["Operator.Stop", "stopped from the UI"]
    page.click("#stop")
    expect(page.locator("#status")).to_have_text("ABORTED")
    assert engine.describe(held)["error"] == "Operator.Stop"

    page.goto(f"{server.url}/executions")
    page.click("#start-open")
    page.select_option('#start-form select[name="workflow"]', "order.yaml")
    page.fill('#start-form input[name="executionName"]', "from-the-ui")
    page.fill('#start-form textarea[name="input"]', "{not json")
    expect(page.locator("#start-error")).to_contain_text("not valid JSON")
    page.fill('#start-form textarea[name="input"]', json.dumps({**FAILED_ORDER, "items": []}))
    page.click("#start-submit")
    expect(page.locator("#execution-name")).to_have_text("from-the-ui")
    expect(page.locator("#status")).to_have_text("SUCCEEDED", timeout=30_000)
    assert engine.describe("order:from-the-ui")["status"] == "SUCCEEDED"


def test_a_running_execution_updates_live(redis_url, project, sfn_serve, sfn_worker, page: Page):
    engine = Engine(redis_url)
    execution = engine.start_execution(project / "workflows" / "pause.yaml", {}, "pause-1")
    server = sfn_serve(cwd=project)
    page.goto(f"{server.url}/executions/{execution}")
    expect(page.locator("#status")).to_have_text("RUNNING")
    list_page = page.context.new_page()
    list_page.goto(f"{server.url}/executions")
    expect(list_page.locator('#counts [data-status="RUNNING"] b')).to_have_text("1")
    sfn_worker(activities=[project / "activities"], cwd=project)  # nothing ran until now
    expect(page.locator('#graph g.state-node.pulse[data-state="Pause"]')).to_have_count(1)
    expect(page.locator("#status")).to_have_text("SUCCEEDED", timeout=20_000)
    expect(page.locator("#graph g.state-node.pulse")).to_have_count(0)
    expect(page.locator("#timeline .bar")).to_have_count(2)
    expect(list_page.locator('#counts [data-status="SUCCEEDED"] b')).to_have_text("1")
    expect(list_page.locator("#executions tbody tr").first).to_contain_text("SUCCEEDED")


def test_what_executions_hold_is_shown_as_text_never_run(redis_url, project, sfn_serve, page: Page):
    engine = Engine(redis_url)
    workflows = project / "workflows"
    failed = engine.start_execution(workflows / "xss_fail.json", {"x": XSS_DATA}, "xss-1")
    passed = engine.start_execution(workflows / "xss_pass.json", {"x": XSS_DATA}, "xss-2")
    server = sfn_serve(cwd=project)
    dialogs = Dialogs(page)
    page.goto(f"{server.url}/executions")
    expect(page.locator("#executions tbody tr")).to_have_count(2)
    page.goto(f"{server.url}/workflows")
    xss_card = page.locator("section.workflow", has_text="xss_fail.json")
    xss_card.locator("details.wf-graph summary").click()
    expect(xss_card.locator(".graph svg")).to_be_visible()
    xss_card.locator("details:not(.wf-graph) summary").click()
    expect(xss_card.locator("pre.source")).to_contain_text(XSS_NAME[:20])
    for execution in (failed, passed):
        page.goto(f"{server.url}/executions/{execution}")
        expect(page.locator("#history tbody tr").first).to_be_visible()
        page.locator(f"#graph g.state-node[data-state={json.dumps(XSS_NAME)}]").click()
        expect(page.locator("#state-title")).to_have_text(f"State {XSS_NAME}")
        page.locator("#history details summary").first.click()
        page.locator(".json-view details").last.evaluate("node => node.open = true")
    expect(page.locator("#output-view")).to_contain_text("<script>window.__xss=")
    page.goto(f"{server.url}/executions/{failed}")
    expect(page.locator("#error")).to_have_text(XSS_DATA)
    page.locator(f"#graph g.state-node[data-state={json.dumps(XSS_FAIL)}]").click()
    expect(page.locator("#state-details")).to_contain_text(XSS_DATA)
    assert page.evaluate("window.__xss") is None
    assert dialogs.seen == []


def test_a_25000_event_history_shows_its_first_page_in_under_a_second(
    redis_url, project, sfn_serve, sfn_worker, page: Page
):
    engine = Engine(redis_url)
    each = {"Type": "Map", "ItemProcessor": LONG_ITERATION, "End": True}
    items = list(range(6_200))  # 4 events per item: 24,806 events
    execution = engine.start_execution(
        {"StartAt": "Each", "States": {"Each": each}}, items, "long-1", state_machine="long"
    )
    sfn_worker(cwd=project)
    assert engine.wait(execution, timeout=300)["status"] == "SUCCEEDED"
    assert engine.store.history_length(execution) >= 24_800
    server = sfn_serve(cwd=project)
    page.goto(f"{server.url}/executions")  # as a user arrives: from the list
    page.click("text=long-1")
    expect(page.locator("#history tbody tr")).to_have_count(200)
    expect(page.locator("#history-total")).to_contain_text("200 of 24806 events")
    # Milliseconds from the click's navigation to the first page of rows in the table.
    shown = page.evaluate('performance.getEntriesByName("sfn:history-shown")[0].startTime')
    print(f"25k-event history: first page shown {shown:.0f} ms after navigation")
    assert shown < 1000, f"first history page {shown:.0f} ms after navigation"
    page.locator('#graph g.state-node[data-state="P"]').click()
    expect(page.locator("#state-details")).to_contain_text("Entry 1 of 6200")
    page.fill('#state-details input[type="search"]', "4321")
    page.keyboard.press("Enter")
    headings = page.locator("#state-details h3")
    expect(headings).to_have_count(1)  # waits for the search's answer (20 entries until then)
    expect(headings).to_have_text("Entry 1 of 1 · Pass · Each #4321")
    expect(page.locator("#timeline .scale")).to_contain_text("more lanes not drawn")


def test_parallel_branch_lanes_and_nested_execution_links(
    redis_url, project, sfn_serve, sfn_worker, page: Page
):
    workflows = project / "workflows"
    (workflows / "kid.json").write_text(json.dumps(LONG_ITERATION))
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:kid"
    nest = {
        "Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn": arn, "Name": "kid-1"},
        "End": True,
    }
    family = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Solo", "States": {"Solo": {"Type": "Pass", "End": True}}},
                    {"StartAt": "Nest", "States": {"Nest": nest}},
                ],
                "End": True,
            }
        },
    }
    engine = Engine(redis_url)
    execution = engine.start_execution(family, {}, "family-1", state_machine="family")
    sfn_worker(cwd=project)
    assert engine.wait(execution, timeout=60)["status"] == "SUCCEEDED"
    server = sfn_serve(cwd=project)
    page.goto(f"{server.url}/executions/{execution}")
    branches = page.locator("#timeline details.lanes-branch")
    expect(branches.locator("summary")).to_have_text("2 Parallel branch lane(s)")
    expect(branches.locator(".lane-name")).to_have_text(["Both branch 1", "Both branch 2"])
    branches.locator("summary").click()  # folds the lanes away
    expect(branches.locator(".lane").first).to_be_hidden()
    page.locator("#nested-list a", has_text="kid:kid-1").click()
    expect(page.locator("#execution-name")).to_have_text("kid-1")
    expect(page.locator("#parent")).to_contain_text("state Nest")
    page.locator("#parent a").click()
    expect(page.locator("#execution-name")).to_have_text("family-1")


def css(page: Page, selector: str, prop: str) -> str:
    return page.locator(selector).first.evaluate(
        f"node => getComputedStyle(node).getPropertyValue({json.dumps(prop)})"
    )


def test_dark_mode_switches_the_palette_and_keeps_the_status_colours(
    redis_url, project, sfn_serve, sfn_worker, browser
):
    engine = Engine(redis_url)
    sfn_worker(activities=[project / "activities"], cwd=project)
    execution = engine.start_execution(
        project / "workflows" / "order.yaml", FAILED_ORDER, "order-dark"
    )
    assert engine.wait(execution, timeout=60)["status"] == "FAILED"
    server = sfn_serve(cwd=project)
    seen = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        page.goto(f"{server.url}/executions/{execution}")
        edge = "#graph svg g.edge path"
        expect(page.locator(edge).first).to_be_attached()
        node = '#graph g.state-node[data-state="ReserveInventory"] path'
        seen[scheme] = {
            "page": css(page, "body", "background-color"),
            "text": css(page, "body", "color"),
            "card": css(page, ".card", "background-color"),
            "canvas": css(page, "#graph svg g.graph > polygon", "fill"),
            "line": css(page, edge, "stroke"),
            "badge": css(page, "#status", "background-color"),
            "caught": css(page, node, "fill"),
        }
        if scheme == "dark":
            page.locator('#graph g.state-node[data-state="ReserveInventory"]').click()
            expect(page.locator("#state-details")).to_contain_text("OutOfStock")
            page.evaluate("window.scrollTo(0, 0)")
            screenshot(page, "execution-dark")
        context.close()
    light, dark = seen["light"], seen["dark"]
    assert light["page"] == "rgb(247, 248, 250)" and dark["page"] == "rgb(18, 21, 26)"
    assert light["text"] == "rgb(27, 31, 36)" and dark["text"] == "rgb(230, 233, 238)"
    assert light["card"] == "rgb(255, 255, 255)" and dark["card"] == "rgb(27, 32, 39)"
    # The drawing's white canvas and black lines follow the page in the dark.
    assert light["canvas"] == "rgb(255, 255, 255)" and dark["canvas"] == "rgba(0, 0, 0, 0)"
    assert light["line"] == "rgb(0, 0, 0)" and dark["line"] == dark["text"]
    # Status colours are the ones `sfn graph` draws with, in both schemes.
    assert light["badge"] == dark["badge"] == "rgb(244, 166, 166)"  # FAILED
    assert light["caught"] == dark["caught"]


def test_keyboard_alone_reaches_an_execution_and_a_state(
    redis_url, project, sfn_serve, sfn_worker, page: Page
):
    engine = Engine(redis_url)
    sfn_worker(activities=[project / "activities"], cwd=project)
    execution = engine.start_execution(
        project / "workflows" / "order.yaml", FAILED_ORDER, "order-keys"
    )
    assert engine.wait(execution, timeout=60)["status"] == "FAILED"
    server = sfn_serve(cwd=project)
    page.goto(f"{server.url}/executions")

    def tab_to(selector: str, most: int = 150) -> None:
        for _ in range(most):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({json.dumps(selector)})"):
                assert css(page, selector, "outline-style") != "none"  # the focus is visible
                return
        raise AssertionError(f"{selector} not reached with {most} Tabs")

    tab_to('#executions a[href*="order-keys"]')
    page.keyboard.press("Enter")
    expect(page.locator("#execution-name")).to_have_text("order-keys")
    tab_to('#graph g.state-node[data-state="ReserveInventory"]')
    page.keyboard.press("Enter")
    expect(page.locator("#state-details")).to_contain_text("OutOfStock")
    tab_to("#history-type")
    page.keyboard.press("ArrowDown")  # a select changes with the arrow keys: the filter applies
    chosen = page.locator("#history-type").input_value()
    assert chosen, "ArrowDown chose no event type"
    expect(page.locator("#history tbody tr").first.locator("td").nth(1)).to_have_text(chosen)


CALLBACK = {
    "StartAt": "Approve",
    "States": {
        "Approve": {
            "Type": "Task",
            "Resource": "approve.waitForTaskToken",
            "Parameters": {"token.$": "$$.Task.Token"},
            "HeartbeatSeconds": 600,
            "End": True,
        }
    },
}


def heartbeat_timer(engine: Engine, execution: str) -> float | None:
    """When the HeartbeatSeconds timer the core armed for `execution` falls due, if armed."""
    for entry in timers(engine.redis, execution):
        if isinstance(entry, StateTimer) and entry.timer_id.startswith(f"{TimerKind.HEARTBEAT}/"):
            return due_at(engine.redis, entry)
    return None


def test_callbacks_heartbeat_reveal_success_and_failure_from_the_ui(
    redis_url, project, sfn_serve, page: Page
):
    engine = Engine(redis_url)
    start = partial(engine.start_execution, CALLBACK, {}, state_machine="approve")
    approved, rejected = (
        start("cb-yes"),
        start("cb-no"),
    )
    server = sfn_serve(cwd=project)
    dialogs = Dialogs(page)
    (task,) = waiting_tasks(engine.redis, approved)

    page.goto(f"{server.url}/executions/{approved}")
    waiting = page.locator("#waiting-list li")
    expect(waiting).to_have_count(1)
    expect(waiting.locator("code.token")).not_to_have_text(task.token)  # masked
    assert task.token not in page.content()
    assert heartbeat_timer(engine, approved) is None  # queued: its clock has not started
    waiting.get_by_role("button", name="Heartbeat").click()
    wait_until(lambda: heartbeat_timer(engine, approved), what="the heartbeat")
    assert dialogs.seen[-1] == "Send a heartbeat for Approve?"
    waiting.get_by_role("button", name="Reveal").click()
    expect(waiting.locator("code.token")).to_have_text(task.token)
    dialogs.answers += ['{"approved": true}']
    waiting.get_by_role("button", name="Send success").click()
    expect(page.locator("#status")).to_have_text("SUCCEEDED")
    expect(page.locator("#waiting")).to_be_hidden()
    assert dialogs.seen[-1] == "Send success to Approve?"
    assert json.loads(engine.describe(approved)["output"]) == {"approved": True}

    page.goto(f"{server.url}/executions/{rejected}")
    dialogs.answers += ["Rejected", "no budget"]
    page.locator("#waiting-list li").get_by_role("button", name="Send failure").click()
    expect(page.locator("#status")).to_have_text("FAILED")
    expect(page.locator("#error")).to_have_text("Rejected")
    assert engine.describe(rejected)["cause"] == "no budget"
    # Without the page's CSRF token the same request is refused.
    answer = page.evaluate(
        """url => fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                              body: JSON.stringify({run: "root", outcome: "heartbeat"})})
                  .then(response => response.status)""",
        f"{server.url}/api/executions/{rejected}/task",
    )
    assert answer == 403


GATE = """
import time
from pathlib import Path

from engine import activity


@activity("gate")
def gate(task):
    Path(task["started"]).write_text("running")
    while not Path(task["open"]).exists():  # held until the test opens the gate
        time.sleep(0.02)
    return {"passed": True}
"""


def test_workers_page_shows_live_workers_and_what_they_run(
    redis_url, project, sfn_serve, sfn_worker, page: Page, tmp_path
):
    (project / "activities" / "gate.py").write_text(GATE)
    gated = {
        "StartAt": "Hold",
        "States": {"Hold": {"Type": "Task", "Resource": "gate", "End": True}},
    }
    server = sfn_serve(cwd=project)
    page.goto(f"{server.url}/workers")
    rows = page.locator("#workers tbody tr")
    expect(rows).to_contain_text("No worker is running")
    sfn_worker(activities=[project / "activities"], cwd=project)
    expect(rows.first).to_contain_text("idle")  # live: no reload
    expect(rows).to_have_count(1)

    engine = Engine(redis_url)
    signals = {"started": str(tmp_path / "started"), "open": str(tmp_path / "open")}
    execution = engine.start_execution(gated, signals, "gated-1", state_machine="gated")
    wait_for_file(tmp_path / "started")
    running = rows.first.locator("td.running a")
    expect(running).to_have_text(f"gate ({execution} Hold)")
    expect(running).to_have_attribute("href", f"/executions/{quote(execution)}")
    (tmp_path / "open").write_text("go")
    assert engine.wait(execution, timeout=30)["status"] == "SUCCEEDED"
    expect(rows.first).to_contain_text("idle")
