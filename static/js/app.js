// Small behaviours for every page (no inline script anywhere: CSP default-src 'self').
(function () {
  "use strict";
  // Move focus to an error summary so keyboard and screen-reader users land on it.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }
  // Ask before deleting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
