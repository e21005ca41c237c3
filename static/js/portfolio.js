// The portfolio's NPV bar chart, from <script type="application/json" id="portfolio-data">.
(function () {
  "use strict";
  var node = document.getElementById("portfolio-data"), canvas = document.getElementById("chart-portfolio");
  if (!node || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var money;
  try {
    money = new Intl.NumberFormat("en-GB", { style: "currency", currency: data.currency, maximumFractionDigits: 0 });
  } catch (e) {
    money = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });
  }
  function short(v) {
    var a = Math.abs(v), s = v < 0 ? "\u2212" : "";
    if (a >= 1e6) { return s + (a / 1e6).toFixed(1) + "m"; }
    if (a >= 1e3) { return s + (a / 1e3).toFixed(0) + "k"; }
    return s + a.toFixed(0);
  }
  // Labels share the width with the bars: on a phone a long title would be cut at the
  // chart's left edge, so the longest label follows the width (about a third of it).
  var longest = Math.max(12, Math.min(34, Math.floor(canvas.parentNode.clientWidth / 21)));
  function clip(t) { return t.length > longest ? t.slice(0, longest - 1) + "\u2026" : t; }
  // Height by number of bars (CSSOM, allowed under the CSP; no style attribute in markup).
  canvas.parentNode.style.height = (50 + 30 * data.rows.length) + "px";
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.rows.map(function (r) { return clip(r.title); }),
      datasets: [{ label: "NPV", data: data.rows.map(function (r) { return r.npv; }),
        backgroundColor: data.rows.map(function (r) { return r.npv < 0 ? "#a4343a" : "#1d5c63"; }) }]
    },
    options: {
      indexAxis: "y", maintainAspectRatio: false, animation: reduceMotion ? false : { duration: 300 },
      scales: {
        x: { ticks: { callback: short }, grid: { color: function (c) { return c.tick && c.tick.value === 0 ? "#1f2a30" : "#e3e7ea"; } } },
        y: { grid: { display: false } }
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: function (i) { return money.format(i.parsed.x).replace("-", "\u2212"); } } }
      }
    }
  });
})();
