// Charts of the results page, drawn with the vendored Chart.js from the JSON block
// <script type="application/json" id="chart-data"> (no inline code: CSP default-src 'self').
(function () {
  "use strict";
  var node = document.getElementById("chart-data");
  if (!node || typeof Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);

  var ACCENT = "#1d5c63", ACCENT_SOFT = "rgba(29, 92, 99, 0.12)", GREY = "#8a9399";
  var INK = "#1f2a30", GRID = "#e3e7ea", NEG = "#a4343a", POS = "#2f6f4f";
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = INK;
  Chart.defaults.animation = reduceMotion ? false : { duration: 300 };
  Chart.defaults.maintainAspectRatio = false;

  var money;
  try {
    money = new Intl.NumberFormat("en-GB", { style: "currency", currency: data.currency, maximumFractionDigits: 0 });
  } catch (e) {
    money = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });
  }
  function fmt(v) { return money.format(v).replace("-", "\u2212"); }
  function short(v) {
    var a = Math.abs(v), s = v < 0 ? "\u2212" : "";
    if (a >= 1e6) { return s + (a / 1e6).toFixed(1) + "m"; }
    if (a >= 1e3) { return s + (a / 1e3).toFixed(0) + "k"; }
    return s + a.toFixed(0);
  }
  function zeroGrid(ctx) { return ctx.tick && ctx.tick.value === 0 ? INK : GRID; }
  function zeroWidth(ctx) { return ctx.tick && ctx.tick.value === 0 ? 1.5 : 1; }

  // A plugin that draws labelled vertical lines at given x values (payback, percentiles).
  var markers = {
    id: "markers",
    afterDatasetsDraw: function (chart, _args, opts) {
      var x = chart.scales.x, area = chart.chartArea, c = chart.ctx;
      (opts.lines || []).forEach(function (m) {
        if (m.value === null || m.value === undefined) { return; }
        var px = x.getPixelForValue(m.value);
        if (px < area.left || px > area.right) { return; }
        c.save();
        c.strokeStyle = m.color || INK; c.lineWidth = 1.5; c.setLineDash(m.dash || [4, 3]);
        c.beginPath(); c.moveTo(px, area.top); c.lineTo(px, area.bottom); c.stroke();
        c.setLineDash([]); c.fillStyle = m.color || INK; c.font = "600 12px " + Chart.defaults.font.family;
        c.textAlign = px > area.right - 60 ? "right" : "left";
        var y = m.bottom ? area.bottom - 6 : area.top + 12;
        c.fillText(m.label, px + (c.textAlign === "left" ? 4 : -4), y);
        c.restore();
      });
    }
  };

  var cum = data.cumulative, el = document.getElementById("chart-cumulative");
  if (el && cum) {
    var points = cum.months.map(function (m, i) { return { x: m, y: cum.adjusted[i] }; });
    var raw = cum.months.map(function (m, i) { return { x: m, y: cum.unadjusted[i] }; });
    new Chart(el, {
      type: "line",
      data: { datasets: [
        { label: "Cumulative, risk-adjusted", data: points, borderColor: ACCENT, backgroundColor: ACCENT_SOFT,
          fill: "origin", pointRadius: 0, borderWidth: 2.5, tension: 0 },
        { label: "Cumulative, unadjusted", data: raw, borderColor: GREY, borderDash: [5, 4],
          pointRadius: 0, borderWidth: 1.5, fill: false, tension: 0 }
      ] },
      options: {
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { type: "linear", min: 0, max: cum.months[cum.months.length - 1],
               title: { display: true, text: "Month" }, ticks: { stepSize: 6 }, grid: { color: GRID } },
          y: { ticks: { callback: short }, grid: { color: zeroGrid, lineWidth: zeroWidth } }
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: {
            title: function (items) { return "Month " + items[0].parsed.x + " (" + cum.labels[items[0].parsed.x] + ")"; },
            label: function (item) { return item.dataset.label + ": " + fmt(item.parsed.y); } } },
          markers: { lines: [{ value: cum.payback, label: cum.payback === null ? "" : "Payback " + cum.payback.toFixed(1) + " mo", color: POS }] }
        }
      },
      plugins: [markers]
    });
  }

  var tor = data.tornado, tel = document.getElementById("chart-tornado");
  if (tel && tor && tor.rows.length) {
    tel.parentNode.style.height = (80 + 34 * tor.rows.length) + "px";
    new Chart(tel, {
      type: "bar",
      data: {
        labels: tor.rows.map(function (r) { return r.label; }),
        datasets: [
          { label: "NPV at low value", data: tor.rows.map(function (r) { return [tor.base, r.low]; }), backgroundColor: "#c9a27a" },
          { label: "NPV at high value", data: tor.rows.map(function (r) { return [tor.base, r.high]; }), backgroundColor: ACCENT }
        ]
      },
      options: {
        indexAxis: "y",
        scales: {
          x: { ticks: { callback: short }, grid: { color: zeroGrid, lineWidth: zeroWidth } },
          y: { stacked: true, grid: { display: false } }
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: function (item) { return item.dataset.label + ": " + fmt(item.raw[1]); } } },
          markers: { lines: [{ value: tor.base, label: "Base " + short(tor.base), color: INK, dash: [], bottom: true }] }
        }
      },
      plugins: [markers]
    });
  }

  // The histogram: now, or when a simulation finishes (simulation.js calls it).
  function drawHistogram(hist) {
    var hel = document.getElementById("chart-histogram");
    if (!hel || !hist) { return; }
    var bars = hist.counts.map(function (n, i) { return { x: (hist.edges[i] + hist.edges[i + 1]) / 2, y: n }; });
    new Chart(hel, {
      type: "bar",
      data: { datasets: [{ label: "Trials", data: bars, backgroundColor: bars.map(function (b) { return b.x < 0 ? "rgba(164, 52, 58, 0.55)" : "rgba(29, 92, 99, 0.55)"; }),
        barPercentage: 1, categoryPercentage: 1, borderWidth: 0 }] },
      options: {
        scales: {
          x: { type: "linear", grace: "2%", ticks: { callback: short, maxTicksLimit: 7 }, title: { display: true, text: "NPV" } },
          y: { title: { display: true, text: "Trials" }, grid: { color: GRID } }
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { title: function (items) { return "NPV about " + fmt(items[0].parsed.x); } } },
          markers: { lines: [
            { value: hist.p10, label: "P10", color: NEG }, { value: hist.p50, label: "P50", color: INK },
            { value: hist.p90, label: "P90", color: POS }] }
        }
      },
      plugins: [markers]
    });
  }
  window.cxroiDrawHistogram = drawHistogram;
  drawHistogram(data.histogram);
})();
