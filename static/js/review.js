// The review page without reloads: a verdict (accept, challenge), a reply or a resolve
// is sent with fetch, and the server's fragment (rendered from the partial the page itself
// uses) replaces the card or thread it changed. Without this script the forms post as
// before. The server runs the same checks either way (cxroi/fragments.py).
(function () {
  "use strict";
  var live = document.getElementById("review-live");
  if (!live || !window.fetch || !window.FormData) return;
  var HEADER = "X-Cxroi-Fragment";

  function clearError(form) {
    form.querySelectorAll("[data-error-message]").forEach(function (el) { el.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
      el.classList.remove("invalid");
    });
  }

  // The message goes above the form's first field, is tied to the field it names and
  // takes the focus, so it is seen and read out where the reviewer is working.
  function showError(form, message) {
    clearError(form);
    live.textContent = "";
    var field = message.getAttribute("data-field");
    var input = field && form.querySelector(
      'input[name="' + field + '"]:not([type="hidden"]), textarea[name="' + field + '"]');
    var anchor = form.querySelector('input:not([type="hidden"]), textarea, button');
    message.id = (input ? input.id : form.getAttribute("action").replace(/\W+/g, "-")) + "-error";
    message.setAttribute("tabindex", "-1");
    form.insertBefore(message, anchor);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", message.id);
      input.classList.add("invalid");
    }
    message.focus();
  }

  function errorText(text) {
    var p = document.createElement("p");
    p.className = "error-message";
    p.setAttribute("data-error-message", "");
    p.textContent = text;
    return p;
  }

  // Each element of the fragment replaces the page's element with its id; the focus goes
  // back to the control of the same id (the button pressed), else to the new element.
  function swap(form, html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var focused = document.activeElement && document.activeElement.id;
    var replaced = null;
    Array.prototype.slice.call(template.content.children).forEach(function (el) {
      var old = el.id && document.getElementById(el.id);
      if (old) {
        // A card ticked for "Accept the selected items" stays ticked.
        old.querySelectorAll("input[type=checkbox][id]").forEach(function (box) {
          var twin = el.querySelector("#" + CSS.escape(box.id));
          if (twin) twin.checked = box.checked;
        });
        old.replaceWith(el);
        if (!replaced && old.contains(form)) replaced = el;
      }
    });
    var announce = template.content.querySelector("[data-announce]");
    live.textContent = announce ? announce.textContent : "";
    var target = focused && document.getElementById(focused);
    if (!target && replaced) { replaced.setAttribute("tabindex", "-1"); target = replaced; }
    if (target) target.focus();
  }

  function send(form, submitter) {
    if (form.getAttribute("aria-busy") === "true") return;
    var data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    var headers = {};
    headers[HEADER] = "1";
    form.setAttribute("aria-busy", "true");
    fetch(form.getAttribute("action"), {
      method: "POST", body: data, credentials: "same-origin", headers: headers
    })
      .then(function (r) {
        return r.text().then(function (html) {
          if (r.headers.get(HEADER) !== "1") {
            // Not a fragment: a sign-in page after the session ended, say.
            showError(form, errorText(r.status >= 500
              ? "Something went wrong on the server. Reload the page to see whether it was saved."
              : "Nothing was saved: you may have been signed out. Reload the page and try again."));
          } else if (r.ok) {
            swap(form, html);
          } else {
            var template = document.createElement("template");
            template.innerHTML = html;
            var message = template.content.querySelector("[data-error-message]");
            showError(form, message || errorText("Nothing was saved (" + r.status + ")."));
          }
        });
      })
      .catch(function () {
        showError(form, errorText(
          "The server did not answer. Check your connection, then reload the page to see whether it was saved."));
      })
      .then(function () { form.removeAttribute("aria-busy"); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches("form[data-fragment]")) return;
    event.preventDefault();
    send(form, event.submitter);
  });

  // Enter in a challenge's text challenges (the form's first button would accept).
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || input.name !== "comment" || !input.form) return;
    var challenge = input.form.querySelector('button[value="challenged"]');
    if (!challenge || !input.form.matches("form[data-fragment]")) return;
    event.preventDefault();
    input.form.requestSubmit(challenge);
  });
})();
