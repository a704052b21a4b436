// One execution: summary, JSON viewers, graph (click a state), timeline, history; live while
// it runs; stop, redrive and callback actions.
"use strict";

(() => {
  const holder = document.getElementById("execution");
  const id = holder.dataset.execution;
  const api = `/api/executions/${encodeURIComponent(id)}`;
  let status = holder.dataset.status;
  let length = -1;
  let selected = null;
  let selectedOptions = {};  // the state panel's filters, kept when the page refreshes
  const history = { offset: 0, type: "", state: "" };

  for (const view of document.querySelectorAll(".json-view")) {
    sfn.jsonViewer(view, view.dataset.json, view.dataset.filename);
  }

  // Summary ------------------------------------------------------------------------------
  function showSummary(summary) {
    status = summary.status;
    const badge = document.getElementById("status");
    badge.className = `status big ${summary.status}`;
    badge.textContent = summary.status;
    document.getElementById("stop").hidden = summary.status !== "RUNNING";
    document.getElementById("redrive").hidden = !["FAILED", "TIMED_OUT", "ABORTED"].includes(summary.status);
    document.getElementById("stop-date").textContent = summary.stopDate || "—";
    document.getElementById("duration").textContent = sfn.ms(summary.durationMs);
    document.getElementById("redrive-count").textContent = String(summary.redriveCount);
    document.getElementById("event-count").textContent = String(summary.historyLength);
    showNested(summary);
    const failure = document.getElementById("failure");
    failure.hidden = !(summary.error || summary.cause);
    document.getElementById("error").textContent = summary.error || "";
    document.getElementById("cause").textContent = summary.cause || "";
    const output = document.getElementById("output-view");
    if (summary.output !== undefined && output.dataset.json !== summary.output) {
      output.dataset.json = summary.output;
      sfn.jsonViewer(output, summary.output, "output.json");
    }
  }

  // Graph ----------------------------------------------------------------------------------
  // The nested executions this one started (states:startExecution), each a link.
  function showNested(summary) {
    document.getElementById("nested").hidden = !summary.childrenTotal;
    document.getElementById("nested-total").textContent = String(summary.childrenTotal);
    document.getElementById("nested-list").replaceChildren(...summary.children.map((child) =>
      sfn.el("li", {},
        sfn.el("a", { href: `/executions/${encodeURIComponent(child.execution_id)}`, text: child.execution_id }),
        " ", sfn.statusBadge(child.status))));
  }

  async function showGraph() {
    const drawing = await sfn.get(`${api}/graph`);
    const box = document.getElementById("graph");
    if (!sfn.importSvg(box, drawing.svg)) return;
    for (const node of box.querySelectorAll("g.node")) {
      const title = node.querySelector("title");
      const name = title ? drawing.nodes[title.textContent] : undefined;
      if (name === undefined) continue;
      node.classList.add("state-node");
      node.dataset.state = name;
      node.setAttribute("tabindex", "0");
      node.setAttribute("role", "button");
      node.setAttribute("aria-label", `state ${name}`);
      if (drawing.running.includes(name)) node.classList.add("pulse");
      if (name === selected) node.classList.add("selected");
      node.addEventListener("click", () => selectState(name));
      node.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); selectState(name); }
      });
    }
  }

  async function selectState(name, options = {}) {
    selected = name;
    selectedOptions = options;
    for (const node of document.querySelectorAll("#graph g.state-node")) {
      node.classList.toggle("selected", node.dataset.state === name);
    }
    document.getElementById("state-title").textContent = `State ${name}`;
    const details = document.getElementById("state-details");
    const query = new URLSearchParams({ offset: options.offset || 0, limit: 20 });
    if (options.failed) query.set("failed", "1");
    if (options.iteration) query.set("iteration", options.iteration);
    const found = await sfn.get(`${api}/states/${encodeURIComponent(name)}?${query}`);
    const boxes = [];
    if (found.total > 1 || options.failed || options.iteration) {
      const iteration = sfn.el("input", { type: "search", placeholder: "iteration #", value: options.iteration || "", size: "10" });
      const failed = sfn.el("input", { type: "checkbox", checked: Boolean(options.failed) });
      const apply = () => selectState(name, { failed: failed.checked, iteration: iteration.value.trim() });
      iteration.addEventListener("change", apply);
      failed.addEventListener("change", apply);
      boxes.push(sfn.el("div", { class: "filters" },
        sfn.el("label", {}, "Map iteration", iteration),
        sfn.el("label", {}, "Failed only", failed),
        sfn.el("span", { class: "muted", text: `${found.total} entries` })));
    }
    if (!found.entries.length) {
      boxes.push(sfn.el("p", { class: "muted", text: found.total ? "No entry matches." : "Not entered in this execution." }));
    }
    found.entries.forEach((entry, index) => {
      const number = found.offset + index + 1;
      const box = sfn.el("div", { class: "entry" },
        sfn.el("h3", { text: `Entry ${number} of ${found.total} · ${entry.type}${entry.lane === "main" ? "" : ` · ${entry.lane}`}` }),
        sfn.el("p", { class: "muted", text:
          `entered at +${sfn.ms(entry.start_ms)} (event ${entry.entered_event})` +
          (entry.end_ms === null ? ", not left" : `, left at +${sfn.ms(entry.end_ms)} after ${sfn.ms(entry.end_ms - entry.start_ms)}`) }));
      if (entry.error || entry.cause) {
        box.append(sfn.el("p", { class: "error-text" }, sfn.el("b", { text: entry.error || "(no error name)" })),
          sfn.cause(entry.cause));
      }
      if (entry.attempts.length) {
        box.append(sfn.el("table", { class: "grid attempts" },
          sfn.el("thead", {}, sfn.el("tr", {}, ...["Attempt", "Start", "Took", "Outcome", "Error"].map((t) => sfn.el("th", { text: t })))),
          sfn.el("tbody", {}, ...entry.attempts.map((a) => sfn.el("tr", {},
            sfn.el("td", { text: String(a.number) }),
            sfn.el("td", { text: `+${sfn.ms(a.start_ms)}` }),
            sfn.el("td", { text: a.end_ms === null ? "—" : sfn.ms(a.end_ms - a.start_ms) }),
            sfn.el("td", { text: a.outcome }),
            sfn.el("td", {}, a.error || "", sfn.cause(a.cause)))))));
      }
      for (const [label, text] of [["Input", entry.input], ["Output", entry.output]]) {
        if (text === null || text === undefined) continue;
        const view = sfn.el("div", { class: "json-view" });
        sfn.jsonViewer(view, text, `${label.toLowerCase()}.json`);
        box.append(sfn.el("h4", { text: label }), view);
      }
      boxes.push(box);
    });
    const pages = sfn.el("p", {});
    if (found.offset > 0) {
      pages.append(sfn.el("button", { type: "button", text: "← Previous", onclick: () => selectState(name, { ...options, offset: Math.max(0, found.offset - 20) }) }), " ");
    }
    if (found.offset + found.entries.length < found.total) {
      pages.append(sfn.el("button", { type: "button", text: "Next →", onclick: () => selectState(name, { ...options, offset: found.offset + 20 }) }));
    }
    boxes.push(pages);
    details.replaceChildren(...boxes);
  }

  // Timeline -------------------------------------------------------------------------------
  function showTimeline(data) {
    const box = document.getElementById("timeline");
    const total = Math.max(data.durationMs, 1);
    const lanes = new Map();
    for (const bar of data.bars) {
      if (!lanes.has(bar.lane)) lanes.set(bar.lane, []);
      lanes.get(bar.lane).push(bar);
    }
    const rows = { main: [], branch: [], iteration: [] };
    for (const [lane, bars] of lanes) {
      const track = sfn.el("div", { class: "track" });
      for (const bar of bars) {
        const end = bar.endMs === null ? total : bar.endMs;
        const left = (100 * bar.startMs) / total;
        const width = Math.max((100 * (end - bar.startMs)) / total, 0.4);
        const element = sfn.el("button", {
          type: "button",
          class: `bar ${bar.type}${bar.failed ? " failed" : ""}${bar.endMs === null ? " open" : ""}`,
          style: `left:${left}%;width:${width}%`,
          title: `${bar.name}: +${sfn.ms(bar.startMs)}, ${bar.endMs === null ? "not left" : sfn.ms(end - bar.startMs)}`,
          onclick: () => selectState(bar.name),
        }, sfn.el("span", { text: bar.name }));
        const span = Math.max(end - bar.startMs, 1);
        const mark = (kind, from, to, title) => sfn.el("i", {
          class: kind, title,
          style: `left:${(100 * (from - bar.startMs)) / span}%;width:${Math.max((100 * (to - from)) / span, 1)}%`,
        });
        bar.attempts.forEach((attempt, index) => {
          const aEnd = attempt.end_ms === null ? end : attempt.end_ms;
          const previous = bar.attempts[index - 1];
          if (previous && previous.end_ms !== null && attempt.start_ms > previous.end_ms) {
            // The Retry's wait between two attempts: hatched, so a backoff is seen, not guessed.
            element.append(mark("retry-wait", previous.end_ms, attempt.start_ms,
              `retry wait ${sfn.ms(attempt.start_ms - previous.end_ms)}`));
          }
          element.append(mark(`attempt ${attempt.outcome.replace(" ", "-")}`, attempt.start_ms, aEnd,
            `attempt ${index + 1}: ${attempt.outcome}, ${sfn.ms(aEnd - attempt.start_ms)}`));
        });
        track.append(element);
      }
      rows[bars[0].laneKind].push(sfn.el("div", { class: "lane" }, sfn.el("div", { class: "lane-name", text: lane }), track));
    }
    // Parallel branches and Map iterations fold away, each kind under its own summary.
    const details = sfn.el("div", { class: "lanes" }, ...rows.main);
    for (const [kind, label] of [["branch", "Parallel branch lane(s)"], ["iteration", "Map iteration lane(s)"]]) {
      if (rows[kind].length === 0) continue;
      details.append(sfn.el("details", { class: `lanes-${kind}`, open: rows[kind].length <= 10 },
        sfn.el("summary", { text: `${rows[kind].length} ${label}` }), ...rows[kind]));
    }
    const omitted = data.lanesOmitted ? ` · ${data.lanesOmitted} more lanes not drawn` : "";
    box.replaceChildren(details, sfn.el("div", { class: "scale muted", text: `0 — ${sfn.ms(data.durationMs)}${omitted}` }));
  }

  // History --------------------------------------------------------------------------------
  async function showHistory(append) {
    if (!append) history.offset = 0;
    const query = new URLSearchParams({ offset: history.offset, limit: 200 });
    if (history.type) query.set("type", history.type);
    if (history.state) query.set("state", history.state);
    const page = await sfn.get(`${api}/history?${query}`);
    const body = document.querySelector("#history tbody");
    const rows = page.events.map((row) => sfn.el("tr", { "data-type": row.type },
      sfn.el("td", { text: String(row.id) }),
      sfn.el("td", { text: row.type }),
      sfn.el("td", { text: row.state || "" }),
      sfn.el("td", { text: `+${sfn.ms(row.elapsedMs)}` }),
      sfn.el("td", {}, eventDetails(row.event))));
    if (append) body.append(...rows); else body.replaceChildren(...rows);
    if (!performance.getEntriesByName("sfn:history-shown").length) {
      performance.mark("sfn:history-shown");  // read by the browser tests
    }
    history.offset = page.offset + page.events.length;
    document.getElementById("history-total").textContent = `${history.offset} of ${page.total} events`;
    document.getElementById("history-more").hidden = history.offset >= page.total;
  }

  // The filters' choices need the whole history: fetched after the first page shows.
  async function showFacets() {
    const facets = await sfn.get(`${api}/history?facets=1&limit=0`);
    fillSelect(document.getElementById("history-type"), facets.types, history.type);
    fillSelect(document.getElementById("history-state"), facets.states, history.state);
  }

  // The event's JSON, laid out when first opened (a page has 200 of them).
  function eventDetails(event) {
    const details = sfn.el("details", {}, sfn.el("summary", { text: "details" }));
    details.addEventListener("toggle", () => {
      if (details.open && details.childElementCount === 1) {
        details.append(sfn.el("pre", { text: JSON.stringify(event, null, 2) }));
      }
    });
    return details;
  }

  function fillSelect(select, values, current) {
    const wanted = ["", ...values];
    const have = [...select.options].map((o) => o.value);
    if (wanted.join("\n") === have.join("\n")) return;
    select.replaceChildren(...wanted.map((value) => sfn.el("option", { value, text: value || "any", selected: value === current })));
  }

  document.getElementById("history-type").addEventListener("change", (event) => {
    history.type = event.target.value; showHistory(false);
  });
  document.getElementById("history-state").addEventListener("change", (event) => {
    history.state = event.target.value; showHistory(false);
  });
  document.getElementById("history-more").addEventListener("click", () => showHistory(true));

  // Callbacks ------------------------------------------------------------------------------
  async function showWaiting(revealed) {
    const waiting = revealed || (await sfn.get(`${api}/waiting`)).tasks;
    document.getElementById("waiting").hidden = !waiting.length;
    document.getElementById("waiting-list").replaceChildren(...waiting.map((task) => sfn.el("li", {},
      sfn.el("b", { text: task.state }), ` (${task.resource}) token `, sfn.el("code", { class: "token", text: task.token }), " ",
      revealed ? null : sfn.el("button", { type: "button", text: "Reveal", onclick: async () => {
        if (!window.confirm("Show the task tokens in clear? Anyone who has one can complete the task.")) return;
        showWaiting((await sfn.post(`${api}/waiting/reveal`, {})).tasks);
      } }), " ",
      sfn.el("button", { type: "button", text: "Send success", onclick: () => sendTask(task, "success") }), " ",
      sfn.el("button", { type: "button", text: "Send failure", onclick: () => sendTask(task, "failure") }), " ",
      sfn.el("button", { type: "button", text: "Heartbeat", onclick: () => sendTask(task, "heartbeat") }))));
  }

  async function sendTask(task, outcome) {
    const body = { run: task.run, outcome };
    if (outcome === "success") {
      const output = window.prompt(`Output of ${task.state} (JSON)`, "{}");
      if (output === null) return;
      try { JSON.parse(output); } catch (problem) { window.alert(`Not valid JSON: ${problem.message}`); return; }
      body.output = output;
    } else if (outcome === "failure") {
      const error = window.prompt(`Error name for ${task.state}`, "Rejected");
      if (error === null) return;
      body.error = error;
      const cause = window.prompt("Cause", "");
      if (cause === null) return;
      body.cause = cause;
    }
    const what = { success: "Send success to", failure: "Send failure to", heartbeat: "Send a heartbeat for" };
    if (!window.confirm(`${what[outcome]} ${task.state}?`)) return;
    await act(`${api}/task`, body);
  }

  // Actions --------------------------------------------------------------------------------
  async function act(url, body) {
    try {
      await sfn.post(url, body);
    } catch (problem) {
      window.alert(problem.message);
    }
    await refresh(true);
  }

  document.getElementById("stop").addEventListener("click", async () => {
    const error = window.prompt("Stop this execution. Error (optional):", "");
    if (error === null) return;
    const cause = window.prompt("Cause (optional):", "");
    if (cause === null || !window.confirm(`Stop ${id}?`)) return;
    await act(`${api}/stop`, { error: error || null, cause: cause || null });
  });
  document.getElementById("redrive").addEventListener("click", async () => {
    if (!window.confirm(`Redrive ${id} from the state that failed?`)) return;
    await act(`${api}/redrive`, {});
  });

  // Live -----------------------------------------------------------------------------------
  async function refresh(force) {
    const summary = await sfn.get(api);
    showSummary(summary);
    if (!force && summary.historyLength === length) return summary;
    length = summary.historyLength;
    // The first history page first: the graph, timeline and filters read the whole history,
    // which for a long one takes the server a while.
    await Promise.all([showHistory(false), showWaiting(null)]);
    const drawn = showGraph();
    const facets = showFacets();
    showTimeline(await sfn.get(`${api}/timeline`));
    await drawn;
    if (selected !== null) await selectState(selected, selectedOptions);
    await facets;
    return summary;
  }

  sfn.poll(async () => {
    await refresh(false);
    return status === "RUNNING" ? true : undefined;
  }, 1500);
})();
