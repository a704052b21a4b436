// The workflows page: each diagram is drawn when its <details> is first opened.
"use strict";

for (const details of document.querySelectorAll("details.wf-graph")) {
  details.addEventListener("toggle", async () => {
    const box = details.querySelector(".graph");
    if (!details.open || box.childElementCount) return;
    const drawing = await sfn.get(`/api/workflows/${encodeURIComponent(details.dataset.workflow)}/graph`);
    sfn.importSvg(box, drawing.svg);
  });
}
