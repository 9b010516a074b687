// Debrief's own script: small, and only an enhancement. Every page works
// without it. Behaviour is attached on htmx's load event, which fires for the
// page and for every fragment htmx swaps in, so swapped-in HTML gets it too.
(function () {
  "use strict";

  // The server shows times in the zone named by the tz cookie (UTC when
  // unset). Tell it the browser's zone; reload once the first time so the
  // page the reader is looking at already uses it.
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {}
  if (zone) {
    var current = (document.cookie.match(/(?:^|; )tz=([^;]*)/) || [])[1];
    if (current !== encodeURIComponent(zone)) {
      document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
      var shown = document.documentElement.getAttribute("data-zone");
      if (!current && shown && shown !== zone && !sessionStorage.getItem("tz-reloaded")) {
        sessionStorage.setItem("tz-reloaded", "1");
        location.reload();
      }
    }
  }

  // A button with data-use-title copies its suggestion into the title field.
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-use-title]");
    if (!b) return;
    var input = document.getElementById(b.getAttribute("data-target") || "title");
    if (!input) return;
    ev.preventDefault();
    input.value = b.getAttribute("data-use-title");
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
  });

  // A text area whose error names a line (the admin's template editor)
  // selects that line, so the writer starts where the problem is.
  var errorArea = document.querySelector("textarea[data-error-line]");
  if (errorArea) {
    var line = parseInt(errorArea.getAttribute("data-error-line"), 10);
    var lines = errorArea.value.split("\n");
    if (line > 0 && line <= lines.length) {
      var start = lines.slice(0, line - 1).join("\n").length + (line > 1 ? 1 : 0);
      errorArea.focus();
      errorArea.setSelectionRange(start, start + lines[line - 1].length);
      var lineHeight = parseFloat(getComputedStyle(errorArea).lineHeight) || 20;
      errorArea.scrollTop = Math.max(0, (line - 3) * lineHeight);
    }
  }
})();
