// A simulation's state on the results page, kept current without a reload.
// The page says the state without JavaScript too; this asks the JSON status endpoint
// (data-simulation-url) every few seconds while the simulation is queued or running,
// then swaps in the panel the server rendered and draws the histogram. If the case
// changed since the page was drawn (another tab, another person), the panel says so
// instead: a newer draft's simulation never sits beside this page's figures.
(function () {
  "use strict";
  var panel = document.querySelector("[data-simulation-url]");
  if (!panel || !window.fetch) { return; }
  var url = panel.getAttribute("data-simulation-url");
  var delay = 1000;
  function pending(status) { return status === "queued" || status === "running"; }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (s) {
        if (s.case_hash !== panel.getAttribute("data-case-hash")) {
          panel.setAttribute("data-status", "stale");
          panel.innerHTML = '<p class="simulation-state" data-simulation="stale">' +
            'This case has changed since this page was opened, so its simulation is not ' +
            'shown here. <a href="">Reload the page</a> to see the current figures.</p>';
          return;
        }
        if (s.status !== panel.getAttribute("data-status")) {
          panel.innerHTML = s.html;
          panel.setAttribute("data-status", s.status);
          if (s.histogram && window.cxroiDrawHistogram) { window.cxroiDrawHistogram(s.histogram); }
        }
        if (pending(s.status)) { delay = Math.min(delay * 1.5, 10000); window.setTimeout(poll, delay); }
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  if (pending(panel.getAttribute("data-status"))) { window.setTimeout(poll, delay); }
})();
