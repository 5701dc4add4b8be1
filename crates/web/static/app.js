// Tessera's script: progressive enhancements only; every page works without it.
// Dates in the reader's language and time zone, drag-and-drop uploads, bulk
// selection, live updates over server-sent events, presence, keyboard shortcuts,
// drafts of replies and notes.
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

  // ---- drafts (issue 18): what is typed in a reply or note is kept in this
  // browser at once (per user and ticket, also through an ended session) and on
  // the server a moment later (it follows the user to another machine), until
  // sent or discarded; leaving with text the server has not got yet asks first.
  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    const area = form.querySelector("textarea[name=body]");
    if (!area) return;
    const key = "tessera.draft." + me + "." + form.getAttribute("action");
    const state = form.querySelector("[data-draft-state]");
    const kindOf = function () { const n = form.querySelector("[data-kind-note]"); return n && n.checked ? "note" : "reply"; };
    const setKind = function (k) {
      const r = form.querySelector(k === "note" ? "[data-kind-note]" : "[data-kind-reply]");
      if (r) { r.checked = true; form.dispatchEvent(new Event("change")); }
    };
    const show = function (label) {
      if (!state) return;
      state.querySelector("[data-draft-text]").textContent = state.dataset["label" + label] || "";
      state.hidden = false;
    };
    const read = function () { try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; } };
    const write = function (d) {
      try { if (d && d.body.trim()) localStorage.setItem(key, JSON.stringify(d)); else localStorage.removeItem(key); } catch (e) { /* private mode */ }
    };
    let dirty = false;
    let submitting = false;
    const sent = /^(replied|noted|follow_up)$/.test(new URLSearchParams(location.search).get("done") || "");
    let local = read();
    if (local && local.sending && sent) { write(null); local = null; }
    const serverAt = form.dataset.draftAt ? Date.parse(form.dataset.draftAt) : 0;
    // A copy the server had taken, which the server no longer has: sent or
    // discarded elsewhere (another tab, another machine).
    if (local && local.synced && !local.sending && !serverAt && form.dataset.draftSave) { write(null); local = null; }
    if (local && local.body && !sent) {
      const fromServer = serverAt > 0;
      if (area.value === "" || (fromServer && local.at > serverAt && area.value !== local.body)) {
        area.value = local.body;
        setKind(local.kind);
        show("Restored");
        dirty = true;
      }
      local.sending = false;
      write(local);
    } else if (serverAt > 0 && area.value) {
      show("Restored");
    }
    const save = function (beacon) {
      const url = form.dataset.draftSave;
      if (!url) return;
      const f = new FormData();
      f.append("_csrf", csrf);
      f.append("body", area.value);
      f.append("kind", kindOf());
      if (beacon) { if (navigator.sendBeacon && navigator.sendBeacon(url, f)) dirty = false; return; }
      const sentBody = area.value;
      fetch(url, { method: "POST", body: f, credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) {
          if (r.ok && !r.redirected) {
            const cur = read();
            if (cur && cur.body === sentBody) { cur.synced = true; write(cur); }
            if (area.value === sentBody) dirty = false;
            if (area.value.trim()) show("Saved"); else if (state) state.hidden = true;
          } else show("Offline");
        })
        .catch(function () { show("Offline"); });
    };
    let timer = null;
    const changed = function () {
      dirty = true;
      write({ body: area.value, kind: kindOf(), at: Date.now() });
      clearTimeout(timer);
      timer = setTimeout(function () { save(false); }, 1200);
    };
    area.addEventListener("input", changed);
    form.addEventListener("change", function (e) { if (e.target.name === "kind" && area.value.trim()) changed(); });
    if (dirty) { clearTimeout(timer); timer = setTimeout(function () { save(false); }, 300); }
    form.addEventListener("submit", function () {
      submitting = true;
      clearTimeout(timer);
      write({ body: area.value, kind: kindOf(), at: Date.now(), sending: true });
    });
    const discard = form.querySelector("[data-draft-discard]");
    if (discard) discard.addEventListener("click", function () {
      area.value = "";
      write(null);
      clearTimeout(timer);
      save(false);
      if (state) state.hidden = true;
      area.focus();
    });
    window.addEventListener("beforeunload", function (e) {
      if (submitting || !dirty || !area.value.trim()) return;
      e.preventDefault();
      e.returnValue = "";
    });
    window.addEventListener("pagehide", function () { if (dirty && !submitting) save(true); });
  });

  // Signing out leaves no text behind on a shared computer: the copies the
  // server has are dropped from this browser (it keeps them for next time).
  document.querySelectorAll('form[action="/sign-out"]').forEach(function (f) {
    f.addEventListener("submit", function () {
      try {
        const prefix = "tessera.draft." + me + ".";
        Object.keys(localStorage).forEach(function (k) {
          if (k.indexOf(prefix) !== 0) return;
          const d = JSON.parse(localStorage.getItem(k) || "null");
          if (!d || d.synced) localStorage.removeItem(k);
        });
      } catch (e) { /* private mode */ }
    });
  });

  // ---- a reply arrived while writing (issue 18): the question is by the composer
  const collision = document.querySelector("[data-collision]");
  if (collision) {
    collision.scrollIntoView({ block: "center" });
    collision.focus();
    const edit = collision.querySelector("[data-collision-edit]");
    if (edit) edit.addEventListener("click", function (e) {
      e.preventDefault();
      collision.hidden = true;
      const a = document.querySelector("[data-composer-body]");
      if (a) a.focus();
    });
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
  const presenceNear = document.querySelector("[data-presence-near]");
  function showPresence(viewers) {
    if (!presence) return;
    const others = viewers.filter(function (v) { return String(v.id) !== me; });
    presence.textContent = others.map(function (v) {
      return (v.typing ? presence.dataset.labelTyping : presence.dataset.labelViewing).replace("{0}", v.name);
    }).join(" ");
    presence.hidden = others.length === 0;
    // The same words by the composer, where the agent is working (issue 18).
    if (presenceNear) { presenceNear.textContent = presence.textContent; presenceNear.hidden = presence.hidden; }
  }
  // The ticket page's version: an event of a version the page already
  // shows is no news (revealing a secret keeps the version; one's own
  // change made in place is shown by then). Events that arrive while such
  // a change is on its way are weighed once it is shown.
  let ownAction = false;
  let seenVersion = 0;
  function pageVersion() { return page ? Number(page.dataset.version || 0) : 0; }
  function showChanged() {
    // At the top (announced) and by the composer (where the agent writes).
    document.querySelectorAll("[data-live-notice], [data-live-notice-near]").forEach(function (n) { n.hidden = false; });
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
        if (typeof d.version !== "number") showChanged();
        else if (ownAction) seenVersion = Math.max(seenVersion, d.version);
        else if (d.version > pageVersion()) showChanged();
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

  // ---- solving from the keyboard: asks first, then saves the properties
  // panel with the status Solved (the Save button's rules, one desk call)
  // without leaving the page, so what is typed in the composer stays.
  const solveDialog = document.querySelector("[data-solve-dialog]");
  function askSolve() {
    if (!solveDialog || !solveDialog.showModal || solveDialog.open || !document.querySelector("[data-solve]")) return false;
    const typed = composer ? composer.querySelector("[data-composer-body]").value.trim() : "";
    solveDialog.querySelector("[data-solve-kept]").hidden = typed === "";
    solveDialog.returnValue = "";
    solveDialog.showModal();
    solveDialog.querySelector("[data-solve-confirm]").focus();
    return true;
  }
  function solveResult(ok, text) {
    let out = document.querySelector("[data-solve-result]");
    if (!out) {
      out = document.createElement("p");
      out.setAttribute("data-solve-result", "");
      out.setAttribute("role", ok ? "status" : "alert");
      const after = document.querySelector("[data-live-notice]");
      if (after) after.after(out); else if (page) page.prepend(out);
    }
    out.className = ok ? "notice" : "alert";
    out.textContent = text;
  }
  function solveInPlace() {
    const form = document.querySelector("form.props-form");
    if (!form || !window.fetch) return;
    const data = new URLSearchParams(new FormData(form));
    data.set("status", "solved");
    ownAction = true;
    seenVersion = 0;
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.text().then(function (html) { return { ok: r.ok, html: html }; }); })
      .then(function (res) {
        const doc = new DOMParser().parseFromString(res.html, "text/html");
        [".page-head", "aside.side", ".card.timeline"].forEach(function (sel) {
          const fresh = doc.querySelector(sel);
          const here = document.querySelector(sel);
          if (fresh && here) {
            here.replaceWith(fresh);
            formatTimes(fresh);
          }
        });
        const freshPage = doc.querySelector("[data-ticket-page]");
        if (freshPage && page) page.dataset.version = freshPage.dataset.version;
        const alert = doc.querySelector("[data-ticket-page] > .alert");
        solveResult(res.ok, res.ok ? solveDialog.dataset.done : (alert ? alert.textContent : solveDialog.dataset.failed));
      })
      .catch(function () { solveResult(false, solveDialog.dataset.failed); })
      .finally(function () {
        ownAction = false;
        if (seenVersion > pageVersion()) showChanged();
      });
  }
  if (solveDialog) {
    solveDialog.addEventListener("close", function () {
      if (solveDialog.returnValue === "solve") solveInPlace();
    });
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
      case "s": if (!askSolve()) return; break;
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
