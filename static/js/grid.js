// The grids (assumptions, cost lines, benefit lines of one kind): add and remove rows,
// paste a block from Excel (TSV), Enter moves down a column, check as you type.
(function () {
  "use strict";
  var form = document.querySelector("form[data-grid]");
  if (!form) return;
  var body = form.querySelector("tbody");
  var live = document.getElementById("grid-live");
  var note = document.getElementById("grid-message");
  var status = document.getElementById("grid-status");
  var timer = null;

  function rows() { return Array.prototype.slice.call(body.querySelectorAll("tr[data-row]")); }
  function cellsOf(tr) { return Array.prototype.slice.call(tr.querySelectorAll(".cell")); }

  function renumber(tr, index) {
    tr.querySelectorAll("input, select, button, [data-error-for]").forEach(function (el) {
      ["name", "id", "data-error-for", "aria-describedby"].forEach(function (attr) {
        var v = el.getAttribute(attr);
        if (v) el.setAttribute(attr, v.replace(/^rows-\d+-/, "rows-" + index + "-"));
      });
      var label = el.getAttribute("aria-label");
      if (label) el.setAttribute("aria-label", label.replace(/row \d+$/, "row " + (index + 1)));
    });
  }

  function clear(tr) {
    tr.querySelectorAll("input.cell").forEach(function (el) { el.value = ""; });
    tr.querySelectorAll("select.cell").forEach(function (el) { el.selectedIndex = 0; });
  }

  function addRow() {
    var all = rows();
    var tr = all[all.length - 1].cloneNode(true);
    renumber(tr, all.length);
    tr.querySelectorAll("input").forEach(function (el) { el.value = ""; });
    tr.querySelectorAll(".cell").forEach(function (el) {
      el.removeAttribute("readonly");
      el.removeAttribute("aria-readonly");
      el.removeAttribute("aria-invalid");
      el.removeAttribute("title");
      el.classList.remove("invalid");
    });
    clear(tr);
    tr.querySelectorAll("[data-error-for]").forEach(function (el) { el.hidden = true; el.textContent = ""; });
    body.appendChild(tr);
    return tr;
  }

  form.querySelector("[data-grid-add]").addEventListener("click", function () {
    var tr = addRow();
    tr.querySelector(".cell").focus();
  });

  // Remove a row: its cells are emptied, and the save deletes what it held.
  body.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-grid-remove]");
    if (!button) return;
    var tr = button.closest("tr");
    clear(tr);
    status.textContent = "Row " + (rows().indexOf(tr) + 1) + " emptied: Save deletes it.";
    schedule();
  });

  // A select takes a pasted value by its value or its words ("monthly", "Every month").
  function choose(select, text) {
    var wanted = text.trim().toLowerCase();
    var options = Array.prototype.slice.call(select.options);
    var found = options.filter(function (o) {
      return o.value.toLowerCase() === wanted || o.text.trim().toLowerCase() === wanted;
    })[0] || options.filter(function (o) {
      return wanted && o.text.trim().toLowerCase().indexOf(wanted) === 0;
    })[0];
    if (!found) {  // kept as pasted, so that the check names the cell
      found = document.createElement("option");
      found.value = text.trim();
      found.textContent = text.trim();
      select.appendChild(found);
    }
    select.value = found.value;
  }

  // Paste a block copied from a spreadsheet: tab-separated columns, one line per row.
  body.addEventListener("paste", function (event) {
    var target = event.target;
    if (!target.classList || !target.classList.contains("cell")) return;
    var text = (event.clipboardData || window.clipboardData).getData("text");
    if (text.indexOf("\t") < 0 && text.indexOf("\n") < 0) return;
    event.preventDefault();
    var lines = text.replace(/\r/g, "").replace(/\n$/, "").split("\n");
    var startRow = rows().indexOf(target.closest("tr"));
    var startCol = cellsOf(target.closest("tr")).indexOf(target);
    lines.forEach(function (line, i) {
      while (rows().length <= startRow + i) addRow();
      var cells = cellsOf(rows()[startRow + i]);
      line.split("\t").forEach(function (value, j) {
        var cell = cells[startCol + j];
        if (!cell || cell.readOnly) return;
        if (cell.tagName === "SELECT") choose(cell, value);
        else cell.value = value.trim();
      });
    });
    status.textContent = lines.length + (lines.length === 1 ? " row" : " rows") + " pasted.";
    schedule();
  });

  // Enter moves down the column, as in a spreadsheet (adding a row at the end).
  body.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || target.tagName !== "INPUT" || !target.classList.contains("cell")) return;
    event.preventDefault();
    var tr = target.closest("tr");
    var index = rows().indexOf(tr);
    var column = cellsOf(tr).indexOf(target);
    var next = rows()[index + 1] || addRow();
    cellsOf(next)[column].focus();
  });

  function show(errors, message) {
    form.querySelectorAll("[data-error-for]").forEach(function (el) {
      var name = el.getAttribute("data-error-for");
      var input = form.querySelector('[name="' + name + '"]');
      var text = errors[name] || "";
      el.textContent = text;
      el.hidden = !text;
      if (input) {
        input.classList.toggle("invalid", !!text);
        if (text) { input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", el.id); }
        else { input.removeAttribute("aria-invalid"); }
      }
    });
    note.textContent = message || "";
    note.hidden = !message;
  }

  function check() {
    var data = new FormData(form);
    fetch(form.getAttribute("data-check"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) {
        if (!answer) return;
        show(answer.errors || {}, answer.message);
        if (answer.npv) {
          live.querySelector("[data-grid-npv]").textContent = answer.npv;
          live.querySelector("[data-grid-payback]").textContent = answer.payback;
        }
      })
      .catch(function () { /* the Save button still checks everything */ });
  }

  function schedule() { clearTimeout(timer); timer = setTimeout(check, 350); }
  body.addEventListener("input", schedule);
  body.addEventListener("change", schedule);
})();
