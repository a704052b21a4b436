// The workers page stays live: every 2 s the server renders it again (escaped, same origin)
// and the cards are swapped in when something changed (focus kept otherwise).
"use strict";

(() => {
  let first = true;
  sfn.poll(async () => {
    if (first) { first = false; return; }  // the server just rendered it
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html").querySelector("main");
    const main = document.querySelector("main");
    if (fresh && fresh.innerHTML !== main.innerHTML) main.replaceChildren(...fresh.childNodes);
  }, 2000);
})();
