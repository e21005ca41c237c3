// Small behaviours for every page (no inline script anywhere: CSP default-src 'self').
(function () {
  "use strict";
  // Move focus to an error summary so keyboard and screen-reader users land on it.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }
  // A cost's timing: show the month for a one-off, the range for a recurring cost.
  var recurrence = document.getElementById("recurrence");
  function showTiming() {
    var once = recurrence.value === "once";
    document.querySelectorAll(".when-once").forEach(function (el) { el.hidden = !once; });
    document.querySelectorAll(".when-recurring").forEach(function (el) { el.hidden = once; });
  }
  if (recurrence) { recurrence.addEventListener("change", showTiming); showTiming(); }
  // Ask before deleting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
