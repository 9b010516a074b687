// The postmortem editor's script: keeps each section's unsaved text in
// localStorage so a reload, a closed tab or a dropped network loses nothing,
// and puts it back with a notice. The key names the postmortem, the section
// and the section version the text was started from: text started from an
// older version is restored with that version as its base, so saving it
// shows the conflict with the newer text instead of overwriting it.
(function () {
  "use strict";

  var PREFIX = "debrief:draft:";

  function sectionPrefix(sec) {
    return PREFIX + sec.getAttribute("data-pm") + ":" + sec.getAttribute("data-key") + ":";
  }

  // drafts lists the texts kept for a section, newest base first.
  function drafts(sec) {
    var p = sectionPrefix(sec), out = [];
    for (var i = 0; i < localStorage.length; i++) {
      var k = localStorage.key(i);
      if (k && k.indexOf(p) === 0) {
        out.push({ key: k, version: parseInt(k.slice(p.length), 10) || 0, text: localStorage.getItem(k) });
      }
    }
    out.sort(function (a, b) { return b.version - a.version; });
    return out;
  }

  function forget(sec) {
    drafts(sec).forEach(function (d) { localStorage.removeItem(d.key); });
  }

  function setup(sec) {
    if (sec.hasAttribute("data-ready")) return;
    sec.setAttribute("data-ready", "");
    var ta = sec.querySelector("textarea[name=body]");
    // An autosave replaces the base version field: look it up each time.
    var baseField = function () { return sec.querySelector("input[name=base_version]"); };
    var base = baseField();
    var notice = sec.querySelector("[data-draft-notice]");
    if (!ta || !base) return;
    try {
      if (sec.hasAttribute("data-saved")) {
        forget(sec);
      } else if (sec.hasAttribute("data-conflict")) {
        // The box holds the writer's text, now based on the newer version.
        forget(sec);
        localStorage.setItem(sectionPrefix(sec) + base.value, ta.value);
      } else {
        var kept = drafts(sec)[0];
        if (kept && kept.text === ta.value) {
          // Saved already (the page was left before the save was noted).
          forget(sec);
        } else if (kept) {
          ta.value = kept.text;
          var msg = "Your unsaved text from this browser was restored; it is not saved yet.";
          if (String(kept.version) !== base.value) {
            base.value = String(kept.version);
            msg += " Someone saved this section since you wrote it: saving will show both texts so you can merge them.";
          }
          if (notice) {
            notice.textContent = msg;
            notice.hidden = false;
          }
          ta.dispatchEvent(new Event("input", { bubbles: true }));
        }
      }
    } catch (e) {
      // Storage can be full or switched off; the editor still works.
    }
    ta.addEventListener("input", function () {
      try {
        forget(sec);
        localStorage.setItem(sectionPrefix(sec) + baseField().value, ta.value);
      } catch (e) {}
    });
    // After an autosave, the kept text is saved unless more was typed
    // meanwhile, which is then kept under the new base version.
    var sending = null;
    sec.addEventListener("htmx:beforeRequest", function (ev) {
      if (ev.detail.elt.hasAttribute("data-autosave")) sending = ta.value;
    });
    sec.addEventListener("htmx:afterRequest", function (ev) {
      if (!ev.detail.elt.hasAttribute("data-autosave") || !ev.detail.successful || sending === null) return;
      try {
        forget(sec);
        if (ta.value !== sending) localStorage.setItem(sectionPrefix(sec) + baseField().value, ta.value);
      } catch (e) {}
      sending = null;
    });
  }

  function attach(root) {
    if (root.matches && root.matches("[data-editor-section]")) setup(root);
    if (root.querySelectorAll) root.querySelectorAll("[data-editor-section]").forEach(setup);
  }

  // htmx fires load for the page and for every section it swaps in.
  document.addEventListener("htmx:load", function (ev) { attach(ev.detail.elt); });
  document.addEventListener("DOMContentLoaded", function () { attach(document); });

  // A suggestion button adds its line to a one-entry-a-line field.
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-add-line]");
    if (!b) return;
    var field = document.getElementById(b.getAttribute("data-target"));
    if (!field) return;
    ev.preventDefault();
    var line = b.getAttribute("data-add-line");
    var v = field.value.replace(/\s+$/, "");
    if (v.split("\n").indexOf(line) < 0) field.value = v ? v + "\n" + line : line;
    b.closest("li").hidden = true;
    field.focus();
  });
})();
