// Live pages: htmx's SSE extension keeps the page's stream open and
// refetches the parts named by hx-trigger="sse:…". This script does what
// markup cannot: when someone else saves a section of the postmortem being
// edited, it loads their version only if the viewer has no unsaved text in
// that section and is not typing in it; otherwise it says so and offers to
// load it, so nothing typed is ever replaced. It also tells the server which
// section the viewer is editing, for presence.
(function () {
  "use strict";

  var DRAFT = "debrief:draft:"; // editor.js keeps unsaved text under this prefix

  function root() { return document.querySelector("[sse-connect]"); }

  function hasDraft(sec) {
    var p = DRAFT + sec.getAttribute("data-pm") + ":" + sec.getAttribute("data-key") + ":";
    try {
      for (var i = 0; i < localStorage.length; i++) {
        if ((localStorage.key(i) || "").indexOf(p) === 0) return true;
      }
    } catch (e) {}
    return false;
  }

  function forgetDraft(sec) {
    var p = DRAFT + sec.getAttribute("data-pm") + ":" + sec.getAttribute("data-key") + ":";
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var k = localStorage.key(i) || "";
        if (k.indexOf(p) === 0) localStorage.removeItem(k);
      }
    } catch (e) {}
  }

  // load replaces the section with the stored one, read from the editor page.
  function load(sec) {
    htmx.ajax("GET", location.pathname, { target: "#" + sec.id, select: "#" + sec.id, swap: "outerHTML" });
  }

  function onSection(msg) {
    var d;
    try { d = JSON.parse(msg.data); } catch (e) { return; }
    var r = root();
    if (!d.section || (r && d.by === r.getAttribute("data-live-me"))) return;
    changed(d);
  }

  // onVersions reads the section versions the stream sends when it opens
  // and after a resync: sections saved while this page heard nothing (a
  // dropped connection, missed events) are loaded or announced like a save
  // it heard.
  function onVersions(msg) {
    var v;
    try { v = JSON.parse(msg.data); } catch (e) { return; }
    Object.keys(v || {}).forEach(function (key) {
      changed({ section: key, version: v[key] });
    });
  }

  // changed loads section d.section's text saved at d.version where the
  // viewer has nothing unsaved in it, and announces it where they have.
  function changed(d) {
    var sec = document.getElementById("section-" + d.section);
    if (!sec || !sec.hasAttribute("data-editor-section")) return;
    var base = sec.querySelector("input[name=base_version]");
    if (!base || (parseInt(base.value, 10) || 0) >= d.version) return;
    var ta = sec.querySelector("textarea[name=body]");
    if (!hasDraft(sec) && document.activeElement !== ta) {
      load(sec);
      return;
    }
    var note = sec.querySelector("[data-live-notice]");
    if (!note) {
      note = document.createElement("div");
      note.className = "notice warn live-notice";
      note.setAttribute("role", "status");
      note.setAttribute("data-live-notice", "");
      var text = document.createElement("p");
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = "Load their version";
      button.addEventListener("click", function () {
        forgetDraft(sec);
        load(sec);
      });
      text.appendChild(document.createElement("span"));
      text.appendChild(button);
      note.appendChild(text);
      var heading = sec.querySelector("h2");
      sec.insertBefore(note, heading ? heading.nextSibling : sec.firstChild);
    }
    note.querySelector("span").textContent = (d.by || "Someone") + " saved this section. Your text is kept: saving it shows both versions to merge, or load theirs and drop yours.";
  }

  var sources = typeof WeakSet === "function" ? new WeakSet() : null;
  var opened = typeof WeakSet === "function" ? new WeakSet() : null;
  document.addEventListener("htmx:sseOpen", function (ev) {
    var src = ev.detail && ev.detail.source;
    var elt = ev.detail && ev.detail.elt || ev.target;
    // A stream that opens again (the browser reconnected) may have
    // missed events: the page's live parts read themselves again, as on
    // the server's resync. The editor's sections learn from the versions
    // the stream sends as it opens.
    if (opened && elt && elt.querySelectorAll) {
      if (opened.has(elt)) {
        elt.querySelectorAll("[hx-trigger*='sse:resync']").forEach(function (part) {
          htmx.trigger(part, "sse:resync");
        });
      }
      opened.add(elt);
    }
    if (!src || (sources && sources.has(src))) return;
    if (sources) sources.add(src);
    src.addEventListener("section", onSection);
    src.addEventListener("sections", onVersions);
  });

  // A live part that reads itself again replaces itself only when the
  // answer differs from what the page shows. Most reads bring nothing new:
  // the viewer's own change, already shown by its form's answer, comes back
  // from the stream a moment later. Replacing the part then would move
  // nothing a person sees but would swap the button under their pointer, so
  // a click pressed on the old button and released on the new one is lost.
  // And an answer for a part that was replaced while it was asked for (a
  // form's answer came first) is older than the page: it is dropped, not
  // let to overwrite the part's headline with stale counts.
  function livePart(elt) {
    var t = elt && elt.getAttribute && elt.getAttribute("hx-trigger") || "";
    return t.indexOf("sse:") >= 0 || t.indexOf("live-refresh") >= 0;
  }
  function bare(node) {
    var c = node.cloneNode(true);
    [c].concat(Array.prototype.slice.call(c.querySelectorAll("[class]"))).forEach(function (n) {
      if (!n.classList) return;
      Array.prototype.slice.call(n.classList).forEach(function (k) {
        if (k.indexOf("htmx-") === 0) n.classList.remove(k);
      });
      if (n.classList.length === 0) n.removeAttribute("class");
    });
    return c;
  }
  function unchanged(elt, html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var sels = [elt.getAttribute("hx-select") || ("#" + elt.id)];
    (elt.getAttribute("hx-select-oob") || "").split(",").forEach(function (s) {
      s = s.trim().split(":")[0];
      if (s) sels.push(s);
    });
    for (var i = 0; i < sels.length; i++) {
      var now = document.querySelector(sels[i]), next = doc.querySelector(sels[i]);
      if (!now || !next || !bare(now).isEqualNode(next)) return false;
    }
    return true;
  }
  function guard(ev) {
    var d = ev.detail || {}, elt = ev.currentTarget;
    if (ev.target !== elt || !d.shouldSwap || d.isError) return;
    if (!document.body.contains(elt) || (typeof d.serverResponse === "string" && unchanged(elt, d.serverResponse))) {
      d.shouldSwap = false;
    }
  }
  // The guard sits on the part itself: an event on a part no longer in the
  // page does not reach the document.
  var guarded = typeof WeakSet === "function" ? new WeakSet() : null;
  document.addEventListener("htmx:beforeRequest", function (ev) {
    var elt = ev.target;
    if (!guarded || !livePart(elt) || guarded.has(elt)) return;
    guarded.add(elt);
    elt.addEventListener("htmx:beforeSwap", guard);
  });

  // A live list with fields in it ([data-live-keep], the action items
  // board) is not read again while the viewer is in it or has changed a
  // field and not saved: the refresh waits until they leave it, and the
  // line above the list says so.
  function busy(list) {
    if (list.contains(document.activeElement) && document.activeElement !== list) return true;
    var fields = list.querySelectorAll("input, select, textarea");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "hidden") continue;
      if (f.tagName === "SELECT") {
        for (var j = 0; j < f.options.length; j++) {
          if (f.options[j].selected !== f.options[j].defaultSelected) return true;
        }
      } else if (f.type === "checkbox" || f.type === "radio") {
        if (f.checked !== f.defaultChecked) return true;
      } else if (f.value !== f.defaultValue) {
        return true;
      }
    }
    return false;
  }
  function staleLine(list) {
    var p = list.parentNode && list.parentNode.querySelector("[data-live-stale]");
    return p;
  }
  document.addEventListener("htmx:confirm", function (ev) {
    var list = ev.detail && ev.detail.elt;
    if (!list || !list.hasAttribute || !list.hasAttribute("data-live-keep") || !busy(list)) return;
    ev.preventDefault();
    list.setAttribute("data-live-pending", "");
    var p = staleLine(list);
    if (p) p.textContent = "Someone changed items on this list; it updates when you leave the field you are changing.";
  });
  function refreshIfIdle(list) {
    if (!list.hasAttribute("data-live-pending") || busy(list)) return;
    list.removeAttribute("data-live-pending");
    var p = staleLine(list);
    if (p) p.textContent = "";
    htmx.trigger(list, "live-refresh");
  }
  document.addEventListener("focusout", function (ev) {
    var list = ev.target.closest && ev.target.closest("[data-live-keep]");
    if (!list) return;
    setTimeout(function () { refreshIfIdle(list); }, 300);
  });

  // Presence: which section's text box has focus, renewed while it has.
  var r = root();
  var url = r && r.getAttribute("data-live-presence");
  if (!url) return;
  var page = (/[?&]page=([^&]+)/.exec(r.getAttribute("sse-connect")) || [])[1] || "";
  var current = "", timer = null, leaving = null;
  function tell(section) {
    current = section;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "page=" + encodeURIComponent(page) + "&section=" + encodeURIComponent(section)
    }).catch(function () {});
    clearInterval(timer);
    timer = section ? setInterval(function () { tell(current); }, 20000) : null;
  }
  document.addEventListener("focusin", function (ev) {
    var sec = ev.target.closest && ev.target.closest("[data-editor-section]");
    if (!sec || ev.target.tagName !== "TEXTAREA") return;
    clearTimeout(leaving);
    var key = sec.getAttribute("data-key");
    if (key !== current) tell(key);
  });
  document.addEventListener("focusout", function (ev) {
    if (ev.target.tagName !== "TEXTAREA" || !current) return;
    // Moving to another section's box says so itself; leaving all says "".
    clearTimeout(leaving);
    leaving = setTimeout(function () { if (current) tell(""); }, 300);
  });
})();
