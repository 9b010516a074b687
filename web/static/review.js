// The review pages' script, an enhancement only: the pages and their forms
// work without it. It runs the speaker's timer between the server's
// updates, and lets a participant tick or untick the whole grid, or paint
// it by dragging across cells.
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
