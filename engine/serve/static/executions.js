// The executions list: live refresh of the first page and the counts; the start dialog.
"use strict";

(() => {
  const table = document.getElementById("executions");
  const params = new URLSearchParams(window.location.search);

  function render(listing) {
    const body = table.tBodies[0];
    const rows = listing.executions.map((row) => sfn.el("tr", {},
      sfn.el("td", {}, sfn.el("a", { href: sfn.executionUrl(row.execution_id), text: row.name })),
      sfn.el("td", { text: row.state_machine }),
      sfn.el("td", {}, sfn.statusBadge(row.status)),
      sfn.el("td", {}, sfn.el("time", { text: row.start_date })),
      sfn.el("td", {}, sfn.el("time", { text: row.stop_date || "" })),
      sfn.el("td", { text: String(row.redrive_count) })));
    if (!rows.length) {
      rows.push(sfn.el("tr", { class: "empty" }, sfn.el("td", { colspan: "6", text: "No executions match." })));
    }
    body.replaceChildren(...rows);
    for (const link of document.querySelectorAll("#counts [data-status]")) {
      link.querySelector("b").textContent = String(listing.counts[link.dataset.status] ?? 0);
    }
  }

  if (table.dataset.live === "on") {
    let first = true;
    sfn.poll(async () => {
      if (first) { first = false; return; }  // the server just rendered it
      render(await sfn.get(`/api/executions?${params}`));
    }, 2000);
  }

  // Filters apply as soon as a select changes.
  const filters = document.getElementById("filters");
  for (const select of filters.querySelectorAll("select")) {
    select.addEventListener("change", () => filters.requestSubmit());
  }

  const dialog = document.getElementById("start-dialog");
  const form = document.getElementById("start-form");
  const error = document.getElementById("start-error");
  document.getElementById("start-open").addEventListener("click", () => {
    error.textContent = "";
    dialog.showModal();
  });
  form.input.addEventListener("input", () => {
    try { JSON.parse(form.input.value); error.textContent = ""; }
    catch (problem) { error.textContent = `Input is not valid JSON: ${problem.message}`; }
  });
  form.addEventListener("submit", async (event) => {
    if (event.submitter && event.submitter.value !== "start") return;
    event.preventDefault();
    let input;
    try {
      input = JSON.parse(form.input.value);
    } catch (problem) {
      error.textContent = `Input is not valid JSON: ${problem.message}`;
      return;
    }
    if (!window.confirm(`Start ${form.workflow.value}?`)) return;
    try {
      const started = await sfn.post("/api/start", {
        workflow: form.workflow.value, name: form.executionName.value || null, input,
      });
      window.location.href = sfn.executionUrl(started.executionId);
    } catch (problem) {
      error.textContent = problem.message;
    }
  });
})();
