// The assumption grid: add rows, paste a block from Excel (TSV), check as you type.
(function () {
  "use strict";
  var form = document.querySelector("form[data-grid]");
  if (!form) return;
  var body = form.querySelector("tbody");
  var live = document.getElementById("grid-live");
  var note = document.getElementById("grid-message");
  var timer = null;

  function rows() { return Array.prototype.slice.call(body.querySelectorAll("tr[data-row]")); }

  function renumber(tr, index) {
    tr.querySelectorAll("input, [data-error-for]").forEach(function (el) {
      ["name", "id", "data-error-for", "aria-describedby"].forEach(function (attr) {
        var v = el.getAttribute(attr);
        if (v) el.setAttribute(attr, v.replace(/^rows-\d+-/, "rows-" + index + "-"));
      });
      var label = el.getAttribute("aria-label");
      if (label) el.setAttribute("aria-label", label.replace(/row \d+$/, "row " + (index + 1)));
    });
  }

  function addRow() {
    var all = rows();
    var tr = all[all.length - 1].cloneNode(true);
    renumber(tr, all.length);
    tr.querySelectorAll("input").forEach(function (el) {
      el.value = "";
      el.removeAttribute("readonly");
      el.removeAttribute("aria-readonly");
      el.removeAttribute("aria-invalid");
      el.classList.remove("invalid");
    });
    tr.querySelectorAll("[data-error-for]").forEach(function (el) { el.hidden = true; el.textContent = ""; });
    body.appendChild(tr);
    return tr;
  }

  form.querySelector("[data-grid-add]").addEventListener("click", function () {
    var tr = addRow();
    tr.querySelector("input.cell").focus();
  });

  // Paste a block copied from a spreadsheet: tab-separated columns, one line per row.
  body.addEventListener("paste", function (event) {
    var target = event.target;
    if (!target.classList || !target.classList.contains("cell")) return;
    var text = (event.clipboardData || window.clipboardData).getData("text");
    if (text.indexOf("\t") < 0 && text.indexOf("\n") < 0) return;
    event.preventDefault();
    var lines = text.replace(/\r/g, "").replace(/\n$/, "").split("\n");
    var startRow = rows().indexOf(target.closest("tr"));
    var startCol = Array.prototype.indexOf.call(target.closest("tr").querySelectorAll("input.cell"), target);
    lines.forEach(function (line, i) {
      while (rows().length <= startRow + i) addRow();
      var cells = rows()[startRow + i].querySelectorAll("input.cell");
      line.split("\t").forEach(function (value, j) {
        var cell = cells[startCol + j];
        if (cell && !cell.readOnly) cell.value = value.trim();
      });
    });
    schedule();
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
})();
