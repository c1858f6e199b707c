/* Nothing typed or chosen is lost without a word.
 * - Character counters: each [data-counter-for] element shows how much of its field's
 *   limit is used ("{count}" and "{max}" in its data-counter-text).
 * - Unsent files: a form is not submitted while a file input of another form on the page
 *   holds a chosen file that was never uploaded; the file field says why.
 * - Size: a chosen file over the field's data-max-bytes is announced at once.
 * - Sent again after Back: the one-time token a form was sent with is kept for the page
 *   (sessionStorage); when the page is reached again through Back or Forward, and the
 *   browser fetched it anew, its form gets that token back, so saving again makes nothing
 *   twice (portal/idempotency.py).
 * Loaded with defer from base.html; no inline script (CSP). */
(function () {
  "use strict";

  function length(text) {
    return Array.from(text).length; // code points, as the server counts
  }

  function setUpCounter(counter) {
    var field = document.getElementById(counter.getAttribute("data-counter-for"));
    var template = counter.getAttribute("data-counter-text");
    if (!field || !template) { return; }
    var max = field.getAttribute("maxlength") || "";
    var describedBy = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (describedBy ? describedBy + " " : "") + counter.id);
    function update() {
      var count = length(field.value);
      counter.textContent = template.replace("{count}", count).replace("{max}", max);
      counter.classList.toggle("over", max !== "" && count > Number(max));
    }
    field.addEventListener("input", update);
    update();
  }

  function alertFor(input) {
    return document.querySelector("[data-unsent-for='" + input.id + "']");
  }

  function say(input, text) {
    var box = alertFor(input);
    if (!box) { return; }
    box.textContent = text;
    box.hidden = !text;
  }

  function names(input) {
    return Array.from(input.files).map(function (file) { return file.name; }).join(", ");
  }

  function unsentOutside(form) {
    return Array.from(document.querySelectorAll("input[type=file]")).filter(function (input) {
      return input.form !== form && input.files && input.files.length > 0;
    });
  }

  document.addEventListener("submit", function (event) {
    var waiting = unsentOutside(event.target);
    if (!waiting.length) { return; }
    event.preventDefault();
    waiting.forEach(function (input) {
      var box = alertFor(input);
      var text = box ? box.getAttribute("data-unsent-text") : "";
      say(input, (text || "").replace("{name}", names(input)));
    });
    waiting[0].scrollIntoView({block: "center"});
    waiting[0].focus();
  }, true);

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") { return; }
    var limit = Number(input.getAttribute("data-max-bytes") || 0);
    var box = alertFor(input);
    var large = Array.from(input.files).filter(function (file) {
      return limit && file.size > limit;
    });
    if (large.length && box) {
      say(input, box.getAttribute("data-too-large-text").replace(
        "{name}", large.map(function (file) { return file.name; }).join(", ")));
    } else {
      say(input, "");
    }
  });

  var ONCE = "input[name=_once]";

  function onceKey() {
    return "once:" + location.pathname + location.search;
  }

  document.addEventListener("submit", function (event) {
    var token = event.defaultPrevented ? null : event.target.querySelector(ONCE);
    if (!token) { return; }
    try { sessionStorage.setItem(onceKey(), token.value); } catch (error) { /* private mode */ }
  });

  function restoreToken() {
    var entry = (performance.getEntriesByType("navigation") || [])[0];
    if (!entry || entry.type !== "back_forward") { return; }
    var sent = null;
    try { sent = sessionStorage.getItem(onceKey()); } catch (error) { return; }
    if (!sent) { return; }
    document.querySelectorAll(ONCE).forEach(function (input) { input.value = sent; });
  }

  document.querySelectorAll("[data-counter-for]").forEach(setUpCounter);
  restoreToken();
})();
