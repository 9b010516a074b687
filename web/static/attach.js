// Attachments in the postmortem editor: a picker button under each
// section's text, files dropped on the text and screenshots pasted into
// it are uploaded through the API, and the Markdown reference the API
// answers with (an image reference for images, a link otherwise) is put at
// the caret, as typing would, so the preview, the autosave and the text
// kept in the browser all follow. Progress and a plain sentence about a
// refused file (too large, a type that is not allowed) are shown beside
// the text. Without this script the editor's upload form does the same.
(function () {
  "use strict";

  function limit() {
    var panel = document.getElementById("attachments");
    return {
      bytes: panel ? parseInt(panel.getAttribute("data-max"), 10) || 0 : 0,
      text: panel ? panel.getAttribute("data-max-text") : ""
    };
  }

  function size(n) {
    if (n >= 1048576) return (n / 1048576).toFixed(1) + " MiB";
    if (n >= 1024) return (n / 1024).toFixed(1) + " KiB";
    return n + " bytes";
  }

  // A pasted screenshot arrives as "image.png"; name it for when it was
  // taken so a list of several says which is which.
  function nameOf(file, pasted) {
    if (!pasted && file.name) return file.name;
    var ext = (file.type.split("/")[1] || "png").replace("jpeg", "jpg");
    var d = new Date(), p = function (n) { return (n < 10 ? "0" : "") + n; };
    return "screenshot-" + d.getFullYear() + p(d.getMonth() + 1) + p(d.getDate()) + "-" + p(d.getHours()) + p(d.getMinutes()) + p(d.getSeconds()) + "." + ext;
  }

  // insert puts text at the caret (replacing a selection) as a paragraph
  // of its own, so an image or a link does not run into the sentence
  // around it, and tells htmx and the editor's script the text changed.
  function insert(ta, text) {
    var start = ta.selectionStart, end = ta.selectionEnd, v = ta.value;
    if (typeof start !== "number") start = end = v.length;
    var before = v.slice(0, start), after = v.slice(end);
    if (before) text = (/\n\n$/.test(before) ? "" : /\n$/.test(before) ? "\n" : "\n\n") + text;
    text += !after ? "\n" : /^\n\n/.test(after) ? "" : /^\n/.test(after) ? "\n" : "\n\n";
    ta.value = before + text + after;
    var caret = before.length + text.length;
    ta.setSelectionRange(caret, caret);
    ta.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function setup(box) {
    if (box.hasAttribute("data-ready")) return;
    box.setAttribute("data-ready", "");
    var ta = document.getElementById(box.getAttribute("data-target"));
    var pick = box.querySelector("[data-attach-pick]");
    var input = box.querySelector("[data-attach-input]");
    var bar = box.querySelector("[data-attach-progress]");
    var status = box.querySelector("[data-attach-status]");
    var error = box.querySelector("[data-attach-error]");
    if (!ta || !input) return;
    box.hidden = false;
    var queue = [], busy = false;

    function fail(msg) {
      error.textContent = msg;
      error.hidden = false;
      ta.setAttribute("aria-invalid", "true");
    }

    function next() {
      if (busy || !queue.length) return;
      var item = queue.shift(), file = item.file, name = nameOf(file, item.pasted);
      var max = limit();
      if (max.bytes && file.size > max.bytes) {
        fail("The file \u201c" + name + "\u201d is " + size(file.size) + "; attachments may be at most " + max.text + ". Nothing was attached.");
        next();
        return;
      }
      busy = true;
      bar.value = 0;
      bar.hidden = false;
      status.textContent = "Uploading " + name + "\u2026";
      var form = new FormData();
      form.append("file", file, name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/v1/postmortems/" + encodeURIComponent(box.getAttribute("data-pm")) + "/attachments");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (ev) {
        if (ev.lengthComputable) {
          bar.value = Math.round((ev.loaded / ev.total) * 100);
          status.textContent = "Uploading " + name + ": " + bar.value + "%";
        }
      });
      xhr.addEventListener("loadend", function () {
        busy = false;
        bar.hidden = true;
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) {}
        if (xhr.status === 201 && body && body.markdown) {
          insert(ta, body.markdown);
          status.textContent = "Attached " + body.filename + ".";
          if (window.htmx) window.htmx.trigger(document.body, "attachments-changed");
        } else {
          status.textContent = "";
          var msg = body && body.error && body.error.message;
          if (!msg) msg = xhr.status === 0 ? "The upload of \u201c" + name + "\u201d did not reach the server; check the connection and try again." : "The server refused \u201c" + name + "\u201d (status " + xhr.status + ").";
          fail(msg);
        }
        next();
      });
      xhr.send(form);
    }

    function add(files, pasted) {
      error.hidden = true;
      error.textContent = "";
      ta.removeAttribute("aria-invalid");
      for (var i = 0; i < files.length; i++) queue.push({ file: files[i], pasted: pasted });
      next();
    }

    pick.addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () {
      add(input.files, false);
      input.value = "";
    });
    ta.addEventListener("paste", function (ev) {
      var files = ev.clipboardData && ev.clipboardData.files;
      if (!files || !files.length) return; // plain text pastes as usual
      ev.preventDefault();
      add(files, true);
    });
    ta.addEventListener("dragover", function (ev) {
      if (!ev.dataTransfer || Array.prototype.indexOf.call(ev.dataTransfer.types, "Files") < 0) return;
      ev.preventDefault();
      ta.classList.add("drop-target");
    });
    ta.addEventListener("dragleave", function () { ta.classList.remove("drop-target"); });
    ta.addEventListener("drop", function (ev) {
      ta.classList.remove("drop-target");
      var files = ev.dataTransfer && ev.dataTransfer.files;
      if (!files || !files.length) return;
      ev.preventDefault();
      ta.focus();
      add(files, false);
    });
  }

  function attach(root) {
    if (root.matches && root.matches("[data-attach]")) setup(root);
    if (root.querySelectorAll) root.querySelectorAll("[data-attach]").forEach(setup);
  }

  // htmx fires load for the page and for every section it swaps in.
  document.addEventListener("htmx:load", function (ev) { attach(ev.detail.elt); });
  document.addEventListener("DOMContentLoaded", function () { attach(document); });
})();
