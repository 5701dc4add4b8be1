// Tessera's script: progressive enhancements only; every page works without it.
// Dates in the reader's language and time zone, drag-and-drop uploads, bulk
// selection, live updates over server-sent events, presence, keyboard shortcuts.
(function () {
  "use strict";
  const body = document.body;
  const lang = body.dataset.lang || "en";
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const me = body.dataset.userId || "0";

  // ---- dates
  function formatter(dateStyle) {
    try {
      return new Intl.DateTimeFormat(lang, { dateStyle: dateStyle, timeStyle: "short", timeZone: body.dataset.tz || "UTC" });
    } catch (e) {
      return new Intl.DateTimeFormat(lang, { dateStyle: dateStyle, timeStyle: "short" });
    }
  }
  function formatTimes(root) {
    const long = formatter("medium");
    const short = formatter("short");
    root.querySelectorAll("time[datetime]").forEach(function (t) {
      const d = new Date(t.getAttribute("datetime"));
      if (isNaN(d)) return;
      t.title = t.textContent;
      t.textContent = (t.closest("table") ? short : long).format(d);
    });
  }
  formatTimes(document);

  // ---- confirmations
  document.addEventListener("click", function (e) {
    const b = e.target.closest("[data-confirm]");
    if (b && !window.confirm(b.dataset.confirm)) { e.preventDefault(); }
  });

  // ---- uploads: pick or drop files
  // A file's size as the server writes it (bytes below 1 KB: "7 B"), with
  // the digits in the reader's language's number format.
  function fileSize(n) {
    const number = function (x, digits) {
      try { return new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(x); } catch (e) { return String(x); }
    };
    if (n >= 1048576) return number(n / 1048576, 1) + " MB";
    if (n >= 1024) return number(Math.round(n / 1024), 0) + " KB";
    return number(n, 0) + " B";
  }
  document.querySelectorAll("[data-dropzone]").forEach(function (zone) {
    const input = zone.querySelector('input[type="file"]');
    if (!input) return;
    const list = document.createElement("ul");
    zone.appendChild(list);
    function show() {
      list.textContent = "";
      Array.from(input.files).forEach(function (f) {
        const li = document.createElement("li");
        li.textContent = f.name + " (" + fileSize(f.size) + ")";
        list.appendChild(li);
      });
    }
    input.addEventListener("change", show);
    zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("over");
      const dt = new DataTransfer();
      Array.from(input.files).concat(Array.from(e.dataTransfer.files)).forEach(function (f) { dt.items.add(f); });
      input.files = dt.files;
      show();
    });
  });

  // ---- the new-ticket form: a new department brings its own fields
  document.querySelectorAll("[data-refresh-on-change]").forEach(function (select) {
    select.addEventListener("change", function () {
      const button = select.form && Array.from(select.form.elements).find(function (el) { return el.matches("[data-refresh]"); });
      if (button) button.click();
    });
  });

  // ---- the console: selection and the bulk bar (looked up each time: live
  // refreshes replace the list)
  const consoleEl = document.querySelector("[data-console]");
  function ticketTable() { return document.querySelector("[data-ticket-table]"); }
  function selected() { return document.querySelectorAll('[data-ticket-table] input[name="ids"]:checked'); }
  function updateBar() {
    const bar = document.querySelector("[data-bulk-bar]");
    if (!bar) return;
    const n = selected().length;
    bar.hidden = n === 0;
    const c = bar.querySelector("[data-selected-count]");
    if (c) c.textContent = String(n);
  }
  updateBar();
  document.addEventListener("change", function (e) {
    if (e.target.matches("[data-select-all]")) {
      document.querySelectorAll('[data-ticket-table] input[name="ids"]').forEach(function (c) { c.checked = e.target.checked; });
    }
    if (e.target.closest("[data-ticket-table]")) updateBar();
  });

  // Remember the list for j/k on ticket pages.
  function rememberList() {
    const t = ticketTable();
    if (!t) return;
    const ids = Array.from(t.querySelectorAll("[data-row]")).map(function (r) { return r.dataset.ticketId; });
    try { sessionStorage.setItem("tessera.list", JSON.stringify(ids)); } catch (e) { /* private mode */ }
  }
  rememberList();

  // ---- the composer: reply or note
  const composer = document.querySelector("[data-composer]");
  let lastTyped = 0;
  if (composer) {
    const card = composer.closest(".composer");
    const sync = function () { card.classList.toggle("note-mode", composer.querySelector("[data-kind-note]").checked); };
    composer.addEventListener("change", sync);
    sync();
    composer.querySelector("[data-composer-body]").addEventListener("input", function () { lastTyped = Date.now(); });
  }

  // ---- secrets: reveal in place (the event is recorded by the server)
  document.addEventListener("click", function (e) {
    const b = e.target.closest("[data-reveal]");
    if (!b || !window.fetch) return;
    e.preventDefault();
    const form = document.getElementById("reveal-" + b.dataset.reveal);
    fetch(form.action, { method: "POST", body: new FormData(form), headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (j) {
        const out = b.closest("[data-secret]").querySelector("[data-secret-value]");
        out.textContent = j.value === null ? "—" : j.value;
        out.classList.add("revealed");
        b.remove();
      })
      .catch(function () { form.submit(); });
  });

  // ---- copy the guest link
  document.querySelectorAll("[data-copy]").forEach(function (i) {
    i.addEventListener("focus", function () { i.select(); });
  });

  // ---- live updates (agents)
  const page = document.querySelector("[data-ticket-page]");
  const ticketId = page ? page.dataset.ticketId : null;
  const presence = document.querySelector("[data-presence]");
  function showPresence(viewers) {
    if (!presence) return;
    const others = viewers.filter(function (v) { return String(v.id) !== me; });
    presence.textContent = others.map(function (v) {
      return (v.typing ? presence.dataset.labelTyping : presence.dataset.labelViewing).replace("{0}", v.name);
    }).join(" ");
    presence.hidden = others.length === 0;
  }
  let refreshTimer = null;
  function refreshConsole() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      fetch("/agent/counts", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (counts) {
        Object.keys(counts).forEach(function (k) {
          const el = document.querySelector('[data-count="' + k + '"]');
          if (el && el.textContent !== String(counts[k])) {
            el.textContent = String(counts[k]);
            el.classList.remove("bump"); void el.offsetWidth; el.classList.add("bump");
          }
        });
      }).catch(function () {});
      // Refresh the list unless the agent is in the middle of choosing tickets.
      if (consoleEl && selected().length === 0) {
        fetch(location.href, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
          const doc = new DOMParser().parseFromString(html, "text/html");
          const fresh = doc.querySelector('[data-live-region="list"]');
          const here = document.querySelector('[data-live-region="list"]');
          if (fresh && here && selected().length === 0) {
            here.innerHTML = fresh.innerHTML;
            formatTimes(here);
            updateBar();
            rememberList();
            cursor = -1;
          }
        }).catch(function () {});
      }
    }, 250);
  }
  if ((consoleEl || page) && window.EventSource) {
    const state = document.querySelector("[data-live-state]");
    const es = new EventSource("/agent/live");
    es.onopen = function () { if (state) state.textContent = ""; body.dataset.live = "on"; };
    es.addEventListener("ticket", function (e) {
      const d = JSON.parse(e.data);
      if (consoleEl) refreshConsole();
      if (ticketId && String(d.ticket_id) === ticketId) {
        const n = document.querySelector("[data-live-notice]");
        if (n) n.hidden = false;
      }
    });
    es.addEventListener("presence", function (e) {
      const d = JSON.parse(e.data);
      if (ticketId && String(d.ticket_id) === ticketId) showPresence(d.viewers || []);
    });
    es.addEventListener("resync", refreshConsole);
  }
  if (ticketId) {
    const beat = function (leaving) {
      const f = new FormData();
      f.append("_csrf", csrf);
      if (Date.now() - lastTyped < 15000) f.append("typing", "1");
      if (leaving) f.append("leaving", "1");
      const url = "/agent/tickets/" + ticketId + "/presence";
      if (leaving && navigator.sendBeacon) { navigator.sendBeacon(url, f); return; }
      fetch(url, { method: "POST", body: f, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; }).then(showPresence).catch(function () {});
    };
    beat(false);
    setInterval(function () { beat(false); }, 8000);
    let typingSent = false;
    if (composer) composer.addEventListener("input", function () { if (!typingSent) { typingSent = true; beat(false); setTimeout(function () { typingSent = false; }, 5000); } });
    window.addEventListener("pagehide", function () { beat(true); });
  }

  // ---- keyboard shortcuts
  const help = document.querySelector("[data-shortcuts]");
  let cursor = -1;
  function rows() { const t = ticketTable(); return t ? Array.from(t.querySelectorAll("[data-row]")) : []; }
  function moveCursor(delta) {
    const r = rows();
    if (r.length) {
      r.forEach(function (x) { x.classList.remove("cursor"); });
      cursor = Math.max(0, Math.min(r.length - 1, cursor + delta));
      r[cursor].classList.add("cursor");
      r[cursor].scrollIntoView({ block: "nearest" });
      return;
    }
    if (ticketId) {
      let ids = [];
      try { ids = JSON.parse(sessionStorage.getItem("tessera.list") || "[]"); } catch (e) { ids = []; }
      const at = ids.indexOf(ticketId);
      const next = ids[at + delta];
      if (at >= 0 && next) location.href = "/agent/tickets/" + next;
    }
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.closest("input, textarea, select, [contenteditable]")) return;
    if (!help && !ticketId) return;
    switch (e.key) {
      case "j": moveCursor(1); break;
      case "k": moveCursor(-1); break;
      case "Enter": {
        const r = rows()[cursor];
        if (r) location.href = r.dataset.href; else return;
        break;
      }
      case "r": case "n": {
        if (!composer) return;
        composer.querySelector(e.key === "n" ? "[data-kind-note]" : "[data-kind-reply]").checked = true;
        composer.dispatchEvent(new Event("change"));
        composer.querySelector("[data-composer-body]").focus();
        break;
      }
      case "s": {
        const s = document.querySelector("[data-solve]");
        if (s) s.click(); else return;
        break;
      }
      case "c": location.href = "/agent/tickets/new"; break;
      case "?": if (help && help.showModal) help.showModal(); break;
      default: return;
    }
    e.preventDefault();
  });

  // ---- a refused form (issue 18): the page's own address, a summary at the top
  // linking to every field in error, the first of them focused and in view.
  (function refusedForm() {
    const main = document.getElementById("main");
    if (!main) return;
    const errors = Array.from(main.querySelectorAll(".field-error")).filter(function (e) {
      return e.textContent.trim() && e.getClientRects().length > 0;
    });
    // The server answers a refused POST with the form again (4xx): show the page's
    // URL, not the form's. Browsers that do not tell the status go by the messages.
    const nav = (performance.getEntriesByType && performance.getEntriesByType("navigation")[0]) || {};
    const refused = nav.responseStatus ? nav.responseStatus >= 400 : errors.length > 0 || !!main.querySelector(".alert[role=alert]");
    const here = body.dataset.here;
    if (here && refused && location.pathname + location.search !== here) {
      history.replaceState(history.state, "", here);
    }
    if (!errors.length) return;
    const controls = "input:not([type=hidden]), select, textarea";
    function fieldOf(err) {
      if (err.id) {
        const d = document.querySelector('[aria-describedby~="' + err.id + '"]');
        if (d) return d;
      }
      for (let p = err.previousElementSibling; p; p = p.previousElementSibling) {
        if (p.matches(controls)) return p;
        const inner = p.querySelectorAll(controls);
        if (inner.length) return inner[inner.length - 1];
        if (p.matches(".field-error, label:not(.check)") && p !== err) break;
      }
      return err.parentElement ? err.parentElement.querySelector(controls) : null;
    }
    function labelOf(field) {
      if (!field) return "";
      const l = field.id && document.querySelector('label[for="' + field.id + '"]');
      if (l) return l.textContent.replace("*", "").trim();
      const fs = field.closest("fieldset");
      const legend = fs && fs.querySelector("legend");
      if (legend) return legend.textContent.replace("*", "").trim();
      const wrap = field.closest("label");
      return wrap ? wrap.textContent.replace("*", "").trim() : "";
    }
    let n = 0;
    const box = document.createElement("div");
    box.className = "alert error-summary";
    box.setAttribute("role", "alert");
    box.setAttribute("data-error-summary", "");
    box.tabIndex = -1;
    const title = document.createElement("p");
    title.textContent = body.dataset.errorSummaryTitle || "";
    const list = document.createElement("ul");
    box.append(title, list);
    let first = null;
    errors.forEach(function (err) {
      const field = fieldOf(err);
      if (field && !field.id) field.id = "field-in-error-" + (++n);
      if (!err.id) err.id = "error-" + (++n);
      const target = field || err;
      if (!first) first = { field: field, err: err };
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = "#" + target.id;
      const label = labelOf(field);
      a.textContent = label && err.textContent.indexOf(label) < 0 ? label + ": " + err.textContent.trim() : err.textContent.trim();
      a.addEventListener("click", function (e) {
        e.preventDefault();
        target.focus && target.focus();
        err.scrollIntoView({ block: "center" });
      });
      li.appendChild(a);
      list.appendChild(li);
    });
    main.insertBefore(box, main.firstChild);
    if (first.field && first.field.focus) first.field.focus({ preventScroll: true });
    first.err.scrollIntoView({ block: "center" });
  })();

  // ---- tags (issue 18): what a tags field will be saved as, before saving
  // (the desk's rule: split at commas and spaces, lower case, each once, sorted).
  document.querySelectorAll("[data-tags-preview]").forEach(function (out) {
    const input = document.getElementById(out.dataset.tagsPreview);
    if (!input) return;
    function show() {
      const seen = [];
      input.value.split(/[, ]/).forEach(function (t) {
        t = t.trim().toLowerCase();
        if (t && seen.indexOf(t) < 0) seen.push(t);
      });
      seen.sort(function (a, b) { return a < b ? -1 : a > b ? 1 : 0; });
      out.textContent = "";
      if (!seen.length) { out.hidden = true; return; }
      out.hidden = false;
      out.append(out.dataset.label + " ");
      seen.forEach(function (t) {
        const span = document.createElement("span");
        span.className = "tag";
        span.textContent = t;
        out.append(span, " ");
      });
    }
    input.addEventListener("input", show);
    show();
  });
})();
