// tmtool serve: keyboard review of a document's grid. Every decision is one POST with the
// CSRF token and the unit as this page showed it; the server refuses it (409) if the unit
// changed meanwhile, and this page then shows the unit as it is now. Text from the memory is
// only ever inserted as the server's escaped HTML or as textContent/value.
(function () {
  "use strict";
  const main = document.getElementById("doc");
  if (!main) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const status = document.getElementById("status");
  let current = -1;
  let busy = false;

  const rows = () => Array.from(document.querySelectorAll("tr.row"));
  const rowOf = (seg) => document.querySelector('tr.row[data-seg="' + seg + '"]');

  function say(text, kind) {
    status.textContent = text;
    status.className = "status" + (kind ? " " + kind : "");
  }

  function select(i, scroll) {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(i, all.length - 1));
    all.forEach((r, n) => r.classList.toggle("cur", n === current));
    if (scroll !== false) all[current].scrollIntoView({ block: "nearest" });
  }

  function cur() { return rows()[current] || null; }

  function replaceRows(list) {
    const tpl = document.createElement("template");
    for (const item of list) {
      const old = rowOf(item.seg);
      if (!old) continue;
      tpl.innerHTML = item.html.trim(); // rendered and escaped by the server's templates
      old.replaceWith(tpl.content.firstElementChild);
    }
    select(current, false);
  }

  function post(row, action, extra) {
    if (busy || !row || !row.dataset.tu) return Promise.resolve(false);
    busy = true;
    const body = new FormData();
    const fields = { name: main.dataset.name, seg: row.dataset.seg, tu: row.dataset.tu,
      target: row.dataset.target, status: row.dataset.status, origin: row.dataset.origin,
      updated: row.dataset.updated, action: action };
    Object.assign(fields, extra || {});
    for (const k in fields) body.append(k, fields[k]);
    const seg = row.dataset.seg;
    return fetch("/decide", { method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf } })
      .then((r) => r.json().then((j) => ({ code: r.status, j: j })))
      .then(({ code, j }) => {
        if (j.rows) replaceRows(j.rows);
        if (code === 409) {
          const now = rowOf(seg);
          now.classList.add("conflict");
          const note = document.createElement("div");
          note.className = "conflict-note";
          note.textContent = "Not saved: " + j.conflict + ". This is the pair as it is now.";
          now.querySelector("td.tgt").appendChild(note);
          if (extra && extra.text) openEditor(now, extra.text); // keep what the reviewer typed
          say("Conflict: " + j.conflict, "error");
          return false;
        }
        if (code !== 200) { say(j.error || "error " + code, "error"); return false; }
        for (const k in j.progress || {}) {
          const n = document.getElementById("n-" + k);
          if (n) n.textContent = j.progress[k];
        }
        say(j.message, "ok");
        return true;
      })
      .catch((e) => { say("The server did not answer: " + e, "error"); return false; })
      .finally(() => { busy = false; });
  }

  function decide(action) {
    const row = cur();
    if (!row) return;
    post(row, action).then((ok) => { if (ok) select(current + 1); });
  }

  function openEditor(row, text) {
    if (!row || !row.dataset.tu) return;
    let box = row.querySelector(".editor");
    if (!box) {
      box = document.createElement("div");
      box.className = "editor";
      const area = document.createElement("textarea");
      area.setAttribute("aria-label", "new target");
      const hint = document.createElement("div");
      hint.className = "hint";
      hint.textContent = "Enter saves (approved, as a human target) · Esc cancels";
      box.append(area, hint);
      row.querySelector("td.tgt").appendChild(box);
    }
    const area = box.querySelector("textarea");
    area.value = text !== undefined ? text : row.dataset.target;
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  }

  function closeEditor(row) {
    const box = row && row.querySelector(".editor");
    if (box) box.remove();
  }

  function saveEditor(row) {
    const area = row.querySelector(".editor textarea");
    const text = area.value.split(/\s+/).filter(Boolean).join(" ");
    if (!text) { say("Empty target: nothing saved (Esc cancels)", "error"); return; }
    if (text === row.dataset.target) { closeEditor(row); say("Unchanged; a accepts it as it is"); return; }
    post(row, "edit", { text: text }).then((ok) => { if (ok) select(current + 1); });
  }

  function toggleHistory(row) {
    if (!row || !row.dataset.tu) return;
    let box = row.querySelector(".hist");
    if (box) { box.remove(); return; }
    box = document.createElement("div");
    box.className = "hist";
    row.querySelector("td.tgt").appendChild(box);
    fetch("/history?tu=" + encodeURIComponent(row.dataset.tu), { credentials: "same-origin" })
      .then((r) => r.text())
      .then((html) => { box.innerHTML = html; }); // the server's escaped template
  }

  function copySuggestion(row) {
    if (!row) return;
    if (!row.dataset.suggestion) { say("No TM suggestion for this segment"); return; }
    openEditor(row, row.dataset.suggestion);
    say("TM suggestion copied into the editor: Enter saves it");
  }

  function go(id) {
    const link = document.getElementById(id);
    if (link) window.location.href = link.href;
  }

  document.addEventListener("keydown", (e) => {
    const t = e.target;
    if (t.tagName === "TEXTAREA" && t.closest(".editor")) {
      const row = t.closest("tr.row");
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); saveEditor(row); }
      else if (e.key === "Escape") { e.preventDefault(); closeEditor(row); say("Edit cancelled"); }
      return;
    }
    if (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA") {
      if (e.key === "Escape") t.blur();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const actions = {
      j: () => select(current + 1), ArrowDown: () => select(current + 1),
      k: () => select(current - 1), ArrowUp: () => select(current - 1),
      a: () => decide("accept"), r: () => decide("reject"),
      e: () => openEditor(cur()), c: () => copySuggestion(cur()), h: () => toggleHistory(cur()),
      "/": () => document.getElementById("q").focus(),
      "[": () => go("prev-page"), "]": () => go("next-page"),
    };
    const act = actions[e.key];
    if (act) { e.preventDefault(); act(); }
  });

  document.addEventListener("click", (e) => {
    const button = e.target.closest("button");
    const row = e.target.closest("tr.row");
    if (!row) return;
    select(rows().indexOf(row), false);
    if (!button) return;
    if (button.classList.contains("restore")) {
      post(row, "revert", { history: button.dataset.history });
      return;
    }
    const act = button.dataset.act;
    if (act === "accept" || act === "reject") decide(act);
    else if (act === "edit") openEditor(row);
    else if (act === "history") toggleHistory(row);
  });

  // Start at the first pair still to decide, as `tmtool review` does.
  const all = rows();
  const first = all.findIndex((r) => r.dataset.status === "draft");
  select(first >= 0 ? first : 0, first > 0);
})();
