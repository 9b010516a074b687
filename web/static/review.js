// The review pages' script, an enhancement only: the pages and their forms
// work without it. It runs the speaker's timer between the server's
// updates, keeps typed text from being replaced by a live update, and lets
// a participant tick or untick the whole grid, or paint it by dragging
// across cells.
(function () {
  "use strict";

  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function text(sec) { return Math.floor(sec / 60) + ":" + pad(sec % 60); }

  // Each timer counts on from the elapsed seconds the server rendered, by
  // this browser's clock, so a wrong clock on either side does not matter.
  var timers = [];
  function scan(root) {
    root.querySelectorAll(".timer[data-elapsed]").forEach(function (el) {
      timers.push({ el: el, base: parseInt(el.getAttribute("data-elapsed"), 10) || 0,
        limit: parseInt(el.getAttribute("data-limit"), 10) || 0, t0: Date.now() });
    });
  }
  function tick() {
    timers = timers.filter(function (t) { return document.body.contains(t.el); });
    timers.forEach(function (t) {
      var sec = t.base + Math.floor((Date.now() - t.t0) / 1000);
      var v = t.el.querySelector(".timer-value");
      if (v) v.textContent = text(sec);
      t.el.classList.toggle("over", t.limit > 0 && sec > t.limit);
    });
  }
  scan(document);
  document.addEventListener("htmx:load", function (ev) { scan(ev.target); });
  setInterval(tick, 1000);

  // Live parts of a page that has forms (the facilitator's page, the
  // organiser's) follow the review like the room view does, but text being
  // typed is never replaced: while a field in the live part has focus or
  // unsaved text, a change is announced (#live-moved) instead of loaded,
  // and loading it is the viewer's choice.
  var forced = false;
  function refetch(part) {
    return htmx.ajax("GET", part.getAttribute("hx-get"), { source: part, target: part, select: part.getAttribute("hx-select"), swap: part.getAttribute("hx-swap") });
  }
  function typing(part) {
    var fields = part.querySelectorAll("textarea, input[type=text], input[type=email], input[type=date], input[type=number]");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f === document.activeElement || f.value !== f.defaultValue) return true;
    }
    return false;
  }
  document.addEventListener("htmx:beforeRequest", function (ev) {
    var part = ev.detail && ev.detail.elt;
    var keep = part && part.id && part.closest("[data-live-keep]");
    if (!keep || forced || keep.getAttribute("data-live-keep") !== "#" + part.id || !typing(part)) return;
    ev.preventDefault();
    var note = document.getElementById("live-moved");
    if (note) note.hidden = false;
  });
  document.addEventListener("click", function (ev) {
    if (!ev.target.closest || !ev.target.closest("#live-load")) return;
    var keep = document.querySelector("[data-live-keep]");
    var part = keep && document.querySelector(keep.getAttribute("data-live-keep"));
    if (!part) return;
    forced = true;
    refetch(part).finally(function () {
      forced = false;
      var note = document.getElementById("live-moved");
      if (note) note.hidden = true;
    });
  });

  // A stream that opens again (a dropped connection, a restarted server)
  // may have missed changes meanwhile: the live part is fetched again, as
  // an event would have it (so typed text is still kept).
  document.addEventListener("htmx:sseOpen", function (ev) {
    var root = ev.target;
    root.debriefOpens = (root.debriefOpens || 0) + 1;
    var part = root.debriefOpens > 1 && root.querySelector("[hx-trigger*='sse:review']");
    if (part) refetch(part);
  });

  // The availability grid.
  var grid = document.querySelector("form.availability");
  if (!grid) return;
  grid.querySelectorAll("[data-grid-set]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var on = b.getAttribute("data-grid-set") === "1";
      grid.querySelectorAll("input[name=free]").forEach(function (c) { c.checked = on; });
    });
  });
  var painting = null;
  grid.addEventListener("pointerdown", function (ev) {
    var cell = ev.target.closest("label.cell");
    if (!cell || ev.pointerType !== "mouse") return;
    var box = cell.querySelector("input");
    painting = !box.checked;
  });
  grid.addEventListener("pointerover", function (ev) {
    if (painting === null) return;
    var cell = ev.target.closest("label.cell");
    if (cell) cell.querySelector("input").checked = painting;
  });
  document.addEventListener("pointerup", function () { painting = null; });
})();
