// Keyboard shortcuts for the frequent actions, listed on "?". They never
// fire while the reader types in a field, except the save chord (Ctrl+S or
// ⌘S), which saves the form the field belongs to. Page-specific shortcuts
// act on elements the server marked with data-key, so a page offers only
// what it shows, and the help lists only those.
(function () {
  "use strict";

  var GO = {
    h: ["/", "Home"],
    i: ["/incidents", "Incidents"],
    p: ["/postmortems", "Postmortems"],
    a: ["/action-items", "Action items"],
    s: ["/search", "Search"]
  };
  // What each data-key does, in the order the help lists them.
  var PAGE = [
    ["n", "Add a timeline event"],
    ["e", "Edit this record"],
    ["r", "Read this postmortem"],
    ["v", "Show the public version beside this one"],
    ["y", "History of this record"],
    ["j", "Next page of this list"]
  ];
  // Elements a shortcut finds without a data-key of their own.
  var FALLBACK = { j: 'main a[rel="next"]', n: "#event-text" };
  var FOCUS_SEARCH = "debrief:focus-search";

  function typing(el) {
    if (!el || el === document.body) return false;
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable) return true;
    if (tag !== "INPUT") return false;
    return !/^(button|submit|reset|checkbox|radio|file|image|range|color|hidden)$/i.test(el.type || "");
  }

  function visible(el) {
    return el && !el.closest("[hidden]") && el.getClientRects().length > 0;
  }

  function marked(k) {
    var sel = '[data-key="' + k + '"]' + (FALLBACK[k] ? ", " + FALLBACK[k] : "");
    var all = document.querySelectorAll(sel);
    for (var i = 0; i < all.length; i++) if (visible(all[i])) return all[i];
    return null;
  }

  function act(el) {
    if (typing(el) || el.tagName === "INPUT") {
      el.focus();
      if (el.select) el.select();
    } else {
      el.click();
    }
  }

  function searchBox() {
    var all = document.querySelectorAll("main input[type=search]");
    for (var i = 0; i < all.length; i++) if (visible(all[i])) return all[i];
    return null;
  }

  var dialog = null, returnTo = null;

  function row(tbody, keys, what) {
    var tr = document.createElement("tr");
    var th = document.createElement("th");
    th.scope = "row";
    keys.forEach(function (k, i) {
      if (i) th.appendChild(document.createTextNode(keys[0] === "Ctrl" ? " + " : " then "));
      var kbd = document.createElement("kbd");
      kbd.textContent = k;
      th.appendChild(kbd);
    });
    var td = document.createElement("td");
    td.textContent = what;
    tr.appendChild(th);
    tr.appendChild(td);
    tbody.appendChild(tr);
  }

  function table(parent, caption, rows) {
    var t = document.createElement("table");
    var c = document.createElement("caption");
    c.textContent = caption;
    t.appendChild(c);
    var tb = document.createElement("tbody");
    rows.forEach(function (r) { row(tb, r[0], r[1]); });
    t.appendChild(tb);
    parent.appendChild(t);
  }

  // buildHelp lists what works on this page; it is rebuilt on each opening
  // because htmx may have swapped in parts that add or remove shortcuts.
  function buildHelp() {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.id = "keys-help";
      dialog.className = "keys-help";
      dialog.setAttribute("aria-labelledby", "keys-help-h");
      dialog.addEventListener("close", function () {
        if (returnTo && document.contains(returnTo)) returnTo.focus();
        returnTo = null;
      });
      // A click on the backdrop (outside the box) closes it too.
      dialog.addEventListener("click", function (ev) {
        if (ev.target === dialog) dialog.close();
      });
      document.body.appendChild(dialog);
    }
    dialog.textContent = "";
    var head = document.createElement("div");
    head.className = "keys-head";
    var h = document.createElement("h2");
    h.id = "keys-help-h";
    h.textContent = "Keyboard shortcuts";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Close";
    close.setAttribute("aria-label", "Close the keyboard shortcuts");
    close.addEventListener("click", function () { dialog.close(); });
    head.appendChild(h);
    head.appendChild(close);
    dialog.appendChild(head);

    var here = PAGE.filter(function (p) { return marked(p[0]); }).map(function (p) { return [[p[0]], p[1]]; });
    if (document.querySelector("main form[method=post] textarea, main form[method=post] input[type=text]")) {
      here.push([["Ctrl", "S"], "Save the section or form you are typing in (⌘S on a Mac; works while typing)"]);
    }
    if (here.length) table(dialog, "On this page", here);
    var general = [[["/"], "Search"], [["?"], "Show this list"]];
    if (document.documentElement.hasAttribute("data-can-edit")) general.splice(1, 0, [["c"], "Declare an incident"]);
    table(dialog, "Anywhere", general);
    table(dialog, "Go to", Object.keys(GO).map(function (k) { return [["g", k], GO[k][1]]; }));
    var p = document.createElement("p");
    p.className = "small muted";
    p.textContent = "Shortcuts do nothing while you type in a field, except saving. Esc closes this list.";
    dialog.appendChild(p);
    return close;
  }

  function openHelp() {
    if (dialog && dialog.open) return;
    returnTo = document.activeElement;
    var close = buildHelp();
    dialog.showModal();
    close.focus();
  }

  // saveChord submits the form of the field being typed in, the way its
  // own Save button would (htmx sees the submit event), and keeps the
  // browser's "save page" dialog away.
  function saveChord(ev) {
    var el = document.activeElement;
    var form = el && el.closest ? el.closest("form") : null;
    if (!form || (form.getAttribute("method") || "").toLowerCase() !== "post") return;
    ev.preventDefault();
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  var pendingG = 0;

  document.addEventListener("keydown", function (ev) {
    if (ev.defaultPrevented || ev.isComposing) return;
    var key = ev.key;
    if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && !ev.shiftKey && (key === "s" || key === "S")) {
      saveChord(ev);
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (typing(ev.target)) return;
    if (dialog && dialog.open) return; // Esc is the dialog's own
    if (pendingG && Date.now() - pendingG < 1500) {
      pendingG = 0;
      var dest = GO[key];
      if (dest) {
        ev.preventDefault();
        location.href = dest[0];
      }
      return;
    }
    pendingG = 0;
    switch (key) {
      case "?":
        ev.preventDefault();
        openHelp();
        return;
      case "/":
        ev.preventDefault();
        var box = searchBox();
        if (box) {
          box.focus();
          box.select();
        } else {
          try { sessionStorage.setItem(FOCUS_SEARCH, "1"); } catch (e) {}
          location.href = "/search";
        }
        return;
      case "g":
        pendingG = Date.now();
        return;
      case "c":
        if (document.documentElement.hasAttribute("data-can-edit")) {
          ev.preventDefault();
          location.href = "/incidents/new";
        }
        return;
    }
    var el = marked(key);
    if (el && /^[a-z]$/.test(key)) {
      ev.preventDefault();
      act(el);
    }
  });

  // "/" pressed on a page without a search box lands here on /search.
  document.addEventListener("DOMContentLoaded", function () {
    var want = false;
    try {
      want = sessionStorage.getItem(FOCUS_SEARCH) === "1";
      sessionStorage.removeItem(FOCUS_SEARCH);
    } catch (e) {}
    var box = want && searchBox();
    if (box) box.focus();
  });

  // The footer's "Keyboard shortcuts" button is shown only when this
  // script runs, since without it there are no shortcuts.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-keys-help]").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", openHelp);
    });
  });
})();
