// Shared helpers of the sfn pages. Data from executions is only ever put in the page as text
// (textContent, element attributes), never as markup.
"use strict";

const sfn = {
  csrf: document.querySelector('meta[name="csrf-token"]').content,

  el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  },

  async get(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  },

  async post(url, payload) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": sfn.csrf },
      body: JSON.stringify(payload || {}),
    });
    const body = await response.json().catch(() => ({ error: response.statusText }));
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  },

  // An error's cause (often a long traceback or JSON): folded, shown as text.
  cause(text) {
    if (!text) return null;
    const short = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    return sfn.el("details", { class: "cause" }, sfn.el("summary", { text: short }), sfn.el("pre", { text }));
  },

  // Graphviz's SVG (every label escaped by Graphviz) parsed as SVG, scripts dropped, imported.
  importSvg(box, text) {
    const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
    if (svg.nodeName !== "svg") { box.textContent = "could not draw the graph"; return null; }
    svg.querySelectorAll("script").forEach((node) => node.remove());
    const imported = document.importNode(svg, true);
    box.replaceChildren(imported);
    return imported;
  },

  statusBadge(status) {
    return sfn.el("span", { class: `status ${status}`, text: status });
  },

  executionUrl(id) {
    return `/executions/${encodeURIComponent(id)}`;
  },

  ms(value) {
    if (value === null || value === undefined) return "—";
    if (value < 1000) return `${value} ms`;
    if (value < 60000) return `${(value / 1000).toFixed(value < 10000 ? 2 : 1)} s`;
    const minutes = Math.floor(value / 60000);
    return `${minutes} min ${Math.round((value % 60000) / 1000)} s`;
  },

  // A JSON value as a collapsible tree (<details> per object/array), with copy and download.
  jsonViewer(container, text, filename) {
    container.replaceChildren();
    let value;
    try {
      value = JSON.parse(text);
    } catch (error) {
      container.append(sfn.el("pre", { text }));
      return;
    }
    const pretty = JSON.stringify(value, null, 2);
    const tools = sfn.el("div", { class: "json-tools" },
      sfn.el("button", { type: "button", text: "Copy", onclick: async (event) => {
        await navigator.clipboard.writeText(pretty).catch(() => {});
        event.target.textContent = "Copied";
      } }),
      sfn.el("a", {
        text: "Download",
        download: filename || "data.json",
        href: URL.createObjectURL(new Blob([pretty], { type: "application/json" })),
      }),
      sfn.el("button", { type: "button", text: "Collapse all", onclick: () => {
        container.querySelectorAll("details").forEach((d) => { d.open = false; });
      } }),
      sfn.el("button", { type: "button", text: "Expand all", onclick: () => {
        // Opening builds children, which may hold more closed nodes: repeat a few levels.
        for (let level = 0; level < 8; level += 1) {
          const closed = container.querySelectorAll("details:not([open])");
          if (!closed.length) break;
          closed.forEach((d) => { d.open = true; d.dispatchEvent(new Event("toggle")); });
        }
      } }));
    container.append(tools, sfn.el("div", { class: "json-tree" }, sfn.jsonNode(null, value, 0)));
  },

  // Children are built when a node is first opened, at most CHUNK at a time: an input of
  // 10,000 items must not freeze the page.
  jsonNode(key, value, depth) {
    const label = key === null ? [] : [sfn.el("span", { class: "json-key", text: JSON.stringify(key) }), ": "];
    if (value === null || typeof value !== "object") {
      return sfn.el("div", { class: "json-leaf" }, ...label,
        sfn.el("span", { class: `json-${value === null ? "null" : typeof value}`, text: JSON.stringify(value) }));
    }
    const isArray = Array.isArray(value);
    const entries = isArray ? value.map((v, i) => [i, v]) : Object.entries(value);
    const summary = `${isArray ? "[" : "{"} ${entries.length} ${isArray ? "items" : "keys"} ${isArray ? "]" : "}"}`;
    const details = sfn.el("details", {}, sfn.el("summary", {}, ...label, summary));
    const list = sfn.el("div", { class: "json-children" });
    details.append(list);
    let shown = 0;
    const more = () => {
      const next = entries.slice(shown, shown + sfn.CHUNK);
      shown += next.length;
      list.querySelector(":scope > .json-more")?.remove();
      for (const [childKey, child] of next) {
        list.append(sfn.jsonNode(isArray ? null : childKey, child, depth + 1));
      }
      if (shown < entries.length) {
        list.append(sfn.el("button", { type: "button", class: "json-more", text: `${entries.length - shown} more…`, onclick: more }));
      }
    };
    details.addEventListener("toggle", () => { if (details.open && shown === 0) more(); });
    if (depth < 2) { details.open = true; more(); }
    return details;
  },

  CHUNK: 100,

  // Run `tick` now and every `ms` while the page is visible; `tick` returns false to stop.
  poll(tick, ms) {
    let stopped = false;
    const loop = async () => {
      if (stopped) return;
      if (!document.hidden) {
        try {
          if ((await tick()) === false) { stopped = true; return; }
        } catch (error) {
          console.warn(error);
        }
      }
      setTimeout(loop, ms);
    };
    loop();
  },
};
