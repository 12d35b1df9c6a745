/* The tourism office's admin UI: plain JavaScript talking to /api/v1/admin with a bearer token.
 *
 * Safety rule for this file: text that comes from the API (names, messages, ids, actors...) is
 * only ever put on the page with textContent / createElement, never with innerHTML.
 */
"use strict";

(function () {
  const API = "/api/v1/admin";
  const TOKEN_KEY = "macauGuideAdminToken";
  const KINDS = ["attractions", "merchants", "promotions", "events", "kiosks"];
  const WRITE_ROLES = new Set(["editor", "admin"]);
  const FORMAT_BY_EXTENSION = { csv: "csv", json: "json", yaml: "yaml", yml: "yaml" };
  const CONTENT_TYPES = { csv: "text/csv", json: "application/json", yaml: "application/yaml" };

  const state = {
    token: null,
    user: null, // {name, role, token_id, expires_at}
    kind: "attractions",
    listSeq: 0,
    selected: null, // {record, etag} of the record in the editor
    creating: false, // the editor holds a new, unsaved record
  };

  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- small DOM helpers

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [key, value] of Object.entries(props)) {
        if (value === undefined || value === null || value === false) continue;
        if (key === "className") node.className = value;
        else if (key === "text") node.textContent = value;
        else if (key === "dataset") Object.assign(node.dataset, value);
        else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function setText(id, text) {
    $(id).textContent = text == null ? "" : String(text);
  }

  function formatTime(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return String(iso);
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
      `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  }

  function timeElement(iso) {
    return el("time", { datetime: iso, title: iso, text: formatTime(iso) });
  }

  function displayName(doc) {
    if (!doc || typeof doc !== "object") return "";
    for (const field of ["names", "title"]) {
      const value = doc[field];
      if (value && typeof value === "object") {
        if (value.en) return String(value.en);
        const first = Object.values(value).find((v) => typeof v === "string" && v);
        if (first) return String(first);
      }
    }
    return "";
  }

  function canWrite() {
    return Boolean(state.user && WRITE_ROLES.has(state.user.role));
  }

  function singular(kind) {
    return kind.replace(/s$/, "");
  }

  // ---------------------------------------------------------------- the API

  class ApiError extends Error {
    constructor(status, body) {
      const err = (body && body.error) || {};
      super(err.message || `the server answered ${status}`);
      this.status = status;
      this.code = err.code || "";
      this.details = err;
    }
  }

  async function api(method, path, { body, headers, raw } = {}) {
    const init = { method, headers: { ...(headers || {}) }, cache: "no-store" };
    if (state.token) init.headers.Authorization = `Bearer ${state.token}`;
    if (body !== undefined) {
      if (typeof body === "string" || body instanceof Blob || body instanceof ArrayBuffer) {
        init.body = body;
      } else {
        init.body = JSON.stringify(body);
        init.headers["Content-Type"] = "application/json";
      }
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (exc) {
      throw new ApiError(0, { error: { message: "the guide service cannot be reached; check the connection" } });
    }
    if (!response.ok) {
      let payload = null;
      try {
        payload = await response.json();
      } catch (exc) {
        payload = null;
      }
      const error = new ApiError(response.status, payload);
      if (response.status === 401 && state.user) sessionExpired(error.message);
      throw error;
    }
    if (raw) return response;
    const data = response.status === 204 ? null : await response.json();
    return { data, etag: response.headers.get("ETag"), status: response.status };
  }

  const enc = encodeURIComponent;
  const recordPath = (kind, id) => `${API}/${enc(kind)}/${enc(id)}`;

  // ---------------------------------------------------------------- messages

  function showGlobalError(message) {
    const box = $("global-error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function showGlobalStatus(message) {
    setText("global-status", message);
  }

  function editorStatus(message, kind) {
    const node = $("editor-status");
    node.textContent = message || "";
    node.className = "status-text" + (kind ? ` ${kind}` : "");
  }

  function clearEditorErrors() {
    clear($("editor-errors"));
  }

  function editorErrorMessage(message, extra) {
    const box = $("editor-errors");
    clear(box);
    box.append(el("p", { className: "error-text", text: message }));
    if (extra) box.append(extra);
  }

  function showFieldErrors(error) {
    const box = $("editor-errors");
    clear(box);
    const errors = Array.isArray(error.details.errors) ? error.details.errors : [];
    box.append(el("p", { className: "error-text", text: `Not saved: ${error.message}. Fix these fields and save again:` }));
    const list = el("ul", { className: "field-errors" });
    for (const item of errors) {
      const field = item.field == null ? "" : String(item.field);
      list.append(el("li", {
        className: "field-error",
        dataset: { field },
        text: `${field || "(record)"}: ${item.message == null ? "" : item.message}`,
      }));
    }
    box.append(list);
  }

  // ---------------------------------------------------------------- sign in / out

  async function signIn(token) {
    state.token = token;
    const { data } = await api("GET", `${API}/whoami`);
    state.user = data;
    sessionStorage.setItem(TOKEN_KEY, token);
    enterWorkspace();
  }

  function signOut(message, { error = false } = {}) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    state.user = null;
    state.selected = null;
    state.creating = false;
    $("session").hidden = true;
    $("workspace").hidden = true;
    $("signin-form").hidden = false;
    $("welcome").hidden = false;
    $("token-input").value = "";
    clear($("records-body"));
    closeEditor();
    setText("signin-error", error ? message : "");
    setText("signin-info", error ? "" : message);
    $("token-input").focus();
  }

  function sessionExpired(message) {
    signOut(`You were signed out: ${message}`, { error: true });
  }

  function enterWorkspace() {
    const { name, role, expires_at: expiresAt } = state.user;
    const until = expiresAt ? `; the token expires ${formatTime(expiresAt)}` : "";
    setText("signed-in-as", `Signed in as ${name} (${role})${until}`);
    $("signed-in-as").title = expiresAt ? `token expires at ${expiresAt}` : "";
    setText("signin-error", "");
    setText("signin-info", "");
    $("signin-form").hidden = true;
    $("welcome").hidden = true;
    $("session").hidden = false;
    $("workspace").hidden = false;
    $("readonly-note").hidden = canWrite();
    if (!canWrite()) {
      $("readonly-note").querySelector("strong").textContent = role;
    }
    selectKind(state.kind);
  }

  // ---------------------------------------------------------------- buttons and permissions

  function refreshButtons() {
    const write = canWrite();
    const rec = state.selected && state.selected.record;
    const deleted = Boolean(rec && rec.deleted);
    const why = write ? "" : `A ${state.user ? state.user.role : "viewer"} token cannot change records`;
    for (const node of document.querySelectorAll("[data-write]")) {
      node.title = why;
    }
    $("new-button").disabled = !write;
    $("duplicate-button").disabled = !write || !rec;
    $("save-button").disabled = !write || (!state.creating && (!rec || deleted));
    $("delete-button").disabled = !write || state.creating || !rec || deleted;
    $("delete-button").hidden = deleted;
    $("restore-button").hidden = !deleted || state.creating;
    $("restore-button").disabled = !write || !deleted;
    $("import-button").disabled = !write;
    $("doc-input").readOnly = !write || deleted;
    for (const node of document.querySelectorAll(".revert-button")) node.disabled = !write;
    if (write && deleted) {
      $("save-button").title = "Restore the record before editing it";
    }
  }

  // ---------------------------------------------------------------- kinds and the list

  function selectKind(kind) {
    state.kind = kind;
    for (const tab of document.querySelectorAll(".kind-tab")) {
      tab.setAttribute("aria-pressed", String(tab.dataset.kind === kind));
    }
    const title = kind.charAt(0).toUpperCase() + kind.slice(1);
    setText("list-heading", title);
    setText("files-kind", kind);
    $("import-button").textContent = `Import into ${kind}`;
    clear($("import-result"));
    setText("export-status", "");
    showGlobalError("");
    closeEditor();
    loadList();
  }

  async function loadList() {
    const seq = ++state.listSeq;
    const kind = state.kind;
    const q = $("search-input").value.trim();
    const params = new URLSearchParams();
    if (q) params.set("q", q);
    params.set("include_deleted", $("include-deleted").checked ? "true" : "false");
    setText("list-count", "Loading…");
    try {
      const { data } = await api("GET", `${API}/${enc(kind)}?${params}`);
      if (seq !== state.listSeq) return; // a newer search has started
      renderList(data.items || [], q);
    } catch (error) {
      if (seq !== state.listSeq) return;
      setText("list-count", "");
      showGlobalError(`Could not load ${kind}: ${error.message}`);
    }
  }

  function renderList(items, q) {
    const body = $("records-body");
    clear(body);
    const noun = items.length === 1 ? singular(state.kind) : state.kind;
    setText("list-count", q ? `${items.length} ${noun} match “${q}”` : `${items.length} ${noun}`);
    if (!items.length) {
      body.append(el("tr", null, el("td", { colspan: 5, className: "muted", text: "Nothing found." })));
      return;
    }
    const selectedId = state.selected && state.selected.record.id;
    for (const record of items) {
      const open = el("button", {
        type: "button",
        className: "link-button",
        "aria-label": `Open ${record.id}`,
        onclick: () => openRecord(record.id),
      }, record.id);
      const nameCell = el("td", { className: "name-cell" }, el("span", { className: "record-name", text: displayName(record.doc) }));
      if (record.deleted) nameCell.append(" ", el("span", { className: "badge badge-deleted", text: "deleted" }));
      const row = el("tr", {
        dataset: { id: record.id },
        className: [record.deleted ? "is-deleted" : "", record.id === selectedId ? "is-selected" : ""].join(" ").trim(),
        "aria-selected": record.id === selectedId ? "true" : "false",
      },
      el("td", { className: "id-cell" }, open),
      nameCell,
      el("td", { className: "num version-cell", text: record.version }),
      el("td", { text: record.updated_by || "" }),
      el("td", { className: "time-cell" }, timeElement(record.updated_at)));
      row.addEventListener("click", (event) => {
        if (event.target.closest("button")) return;
        openRecord(record.id);
      });
      body.append(row);
    }
  }

  function markSelectedRow() {
    const id = state.selected && state.selected.record.id;
    for (const row of $("records-body").querySelectorAll("tr[data-id]")) {
      const on = row.dataset.id === id;
      row.classList.toggle("is-selected", on);
      row.setAttribute("aria-selected", on ? "true" : "false");
    }
  }

  // ---------------------------------------------------------------- the editor

  function closeEditor() {
    state.selected = null;
    state.creating = false;
    $("editor").hidden = true;
    $("editor-empty").hidden = false;
    $("history-panel").hidden = true;
    setText("editor-heading", "Editor");
    clearEditorErrors();
    editorStatus("");
    clear($("history-list"));
    refreshButtons();
  }

  function showRecord(record, etag) {
    state.selected = { record, etag };
    state.creating = false;
    $("editor-empty").hidden = true;
    $("editor").hidden = false;
    $("record-meta").hidden = false;
    setText("editor-heading", `Editing ${singular(record.kind)} ${record.id}`);
    setText("meta-id", record.id);
    setText("meta-version", record.version);
    setText("meta-updated-by", record.updated_by);
    const at = $("meta-updated-at");
    clear(at);
    at.append(timeElement(record.updated_at));
    const stateCell = $("meta-state");
    clear(stateCell);
    stateCell.append(record.deleted
      ? el("span", { className: "badge badge-deleted", text: "deleted" })
      : el("span", { className: "badge badge-live", text: "live" }));
    $("doc-input").value = JSON.stringify(record.doc, null, 2);
    clearEditorErrors();
    markSelectedRow();
    refreshButtons();
  }

  async function openRecord(id, { keepStatus = false } = {}) {
    const kind = state.kind;
    if (!keepStatus) editorStatus("");
    try {
      const { data, etag } = await api("GET", recordPath(kind, id));
      if (kind !== state.kind) return;
      showRecord(data, etag);
      loadHistory();
    } catch (error) {
      showGlobalError(`Could not open ${id}: ${error.message}`);
    }
  }

  function skeleton(kind) {
    const names = { en: "", "zh-Hant": "", "zh-Hans": "", pt: "" };
    const location = { lat: 22.19, lon: 113.54 };
    switch (kind) {
      case "attractions":
        return {
          id: "", names, location, district: "peninsula", category: "", tags: [], unesco: null,
          description: { en: "", "zh-Hant": "", "zh-Hans": "" },
          hours: { open: ["09:00-18:00"], verified: false }, status: "open", fee: { adult_mop: 0 },
          visit_minutes: 30, setting: "mixed", source: "",
        };
      case "merchants":
        return {
          id: "", names, location, category: "restaurant", wallets: [], provider: "sandbox",
          provider_ref: "", sample: false, source: "",
        };
      case "promotions":
        return {
          id: "", merchant_id: "", title: { ...names }, text: { ...names }, valid_from: "", valid_to: "",
          price_mop: null, discount_percent: null, wallets: [], attraction_ids: [], districts: [],
          kiosk_ids: [], sample: false,
        };
      case "events":
        return {
          id: "", names, description: { en: "", "zh-Hant": "", "zh-Hans": "" }, venue_attraction_id: null,
          location, starts_at: "", ends_at: "", price_mop: 0, sample: false, source: "",
        };
      case "kiosks":
        return {
          id: "", names, location, kind: "landmark", default_language: "en", attraction_id: null,
          sample: true, source: "",
        };
      default:
        return { id: "" };
    }
  }

  function startNew(doc, heading) {
    state.selected = null;
    state.creating = true;
    $("editor-empty").hidden = true;
    $("editor").hidden = false;
    $("record-meta").hidden = true;
    $("history-panel").hidden = true;
    setText("editor-heading", heading);
    $("doc-input").value = JSON.stringify(doc, null, 2);
    clearEditorErrors();
    editorStatus("Fill in the id and the fields, then Save to create the record.", "info");
    markSelectedRow();
    refreshButtons();
    $("doc-input").focus();
  }

  function parseEditor() {
    const text = $("doc-input").value;
    let doc;
    try {
      doc = JSON.parse(text);
    } catch (exc) {
      editorErrorMessage(`The JSON is not valid, so nothing was sent: ${exc.message}`);
      return null;
    }
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
      editorErrorMessage("The record must be one JSON object ({ … }), so nothing was sent.");
      return null;
    }
    return doc;
  }

  function staleMessage(error) {
    const current = error.details && error.details.current_version;
    const reload = el("button", {
      type: "button", id: "stale-reload-button", className: "primary",
      onclick: () => reloadSelected("Reloaded the latest version. Make your change again and save."),
    }, "Reload the latest version");
    const text = "Someone else changed this record since you opened it" +
      (current ? ` (it is now version ${current})` : "") +
      ". Your edit was not saved. Copy anything you want to keep, then reload.";
    const box = el("div", { className: "stale-message" }, el("p", { className: "error-text", text }), reload);
    const errors = $("editor-errors");
    clear(errors);
    errors.append(box);
    editorStatus("");
  }

  function handleWriteError(error, what) {
    if (error.status === 422 && error.code === "invalid_record") {
      showFieldErrors(error);
      editorStatus("");
    } else if (error.status === 412) {
      staleMessage(error);
    } else if (error.status === 401) {
      // signed out already by api()
    } else {
      editorErrorMessage(`${what} failed: ${error.message}`);
      editorStatus("");
    }
  }

  async function save() {
    clearEditorErrors();
    editorStatus("");
    const doc = parseEditor();
    if (!doc) return;
    const kind = state.kind;
    $("save-button").disabled = true;
    editorStatus("Saving…", "info");
    try {
      if (state.creating) {
        const { data, etag } = await api("POST", `${API}/${enc(kind)}`, { body: doc });
        showRecord(data, etag);
        editorStatus(`Saved version ${data.version} (new ${singular(kind)} ${data.id})`, "ok");
      } else {
        const { record, etag } = state.selected;
        const headers = etag ? { "If-Match": etag } : {};
        const result = await api("PUT", recordPath(kind, record.id), { body: doc, headers });
        showRecord(result.data, result.etag);
        editorStatus(`Saved version ${result.data.version}`, "ok");
      }
      loadList();
      loadHistory();
    } catch (error) {
      handleWriteError(error, "Saving");
    } finally {
      refreshButtons();
    }
  }

  async function reloadSelected(message) {
    if (!state.selected) return;
    await openRecord(state.selected.record.id, { keepStatus: true });
    if (message) editorStatus(message, "info");
    loadList();
  }

  async function deleteSelected() {
    if (!state.selected) return;
    const { record, etag } = state.selected;
    const name = displayName(record.doc);
    const question = `Delete ${singular(record.kind)} ${record.id}${name ? ` (${name})` : ""}?\n\n` +
      "Visitors will no longer see it. You can restore it later.";
    if (!window.confirm(question)) return;
    clearEditorErrors();
    try {
      const result = await api("DELETE", recordPath(state.kind, record.id), { headers: etag ? { "If-Match": etag } : {} });
      showRecord(result.data, result.etag);
      editorStatus(`Deleted ${record.id} (version ${result.data.version}). Use Restore to bring it back.`, "ok");
      loadList();
      loadHistory();
    } catch (error) {
      handleWriteError(error, "Deleting");
    }
  }

  async function restoreSelected() {
    if (!state.selected) return;
    const { record, etag } = state.selected;
    clearEditorErrors();
    try {
      const result = await api("POST", `${recordPath(state.kind, record.id)}/restore`,
        { headers: etag ? { "If-Match": etag } : {} });
      showRecord(result.data, result.etag);
      editorStatus(`Restored ${record.id} (version ${result.data.version})`, "ok");
      loadList();
      loadHistory();
    } catch (error) {
      handleWriteError(error, "Restoring");
    }
  }

  // ---------------------------------------------------------------- history

  function changedFields(before, after) {
    if (!before || !after) return [];
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
  }

  async function loadHistory() {
    if (!state.selected) return;
    const { record } = state.selected;
    const kind = state.kind;
    $("history-panel").hidden = false;
    setText("history-status", "Loading…");
    try {
      const { data } = await api("GET", `${recordPath(kind, record.id)}/history`);
      if (!state.selected || state.selected.record.id !== record.id || kind !== state.kind) return;
      renderHistory(data.items || []);
    } catch (error) {
      setText("history-status", `Could not load the history: ${error.message}`);
    }
  }

  function renderHistory(items) {
    const list = $("history-list");
    clear(list);
    setText("history-status", items.length ? `${items.length} change${items.length === 1 ? "" : "s"}, newest first` : "No changes recorded.");
    for (const entry of [...items].reverse()) {
      const fields = changedFields(entry.before, entry.after);
      const summary = el("div", { className: "history-summary" },
        el("span", { className: `action action-${String(entry.action).replace(/[^a-z]/g, "")}`, text: entry.action }),
        " by ", el("strong", { className: "actor", text: entry.actor }),
        " · ", timeElement(entry.at),
        " · ", el("span", { className: "history-version", text: `version ${entry.version}` }));
      const item = el("li", {
        className: "history-item",
        dataset: { changeId: entry.change_id, action: entry.action, version: entry.version },
      }, summary);
      if (fields.length) {
        item.append(el("div", { className: "history-fields muted", text: `changed: ${fields.join(", ")}` }));
      }
      if (entry.before) {
        item.append(el("button", {
          type: "button",
          className: "revert-button",
          "aria-label": `Revert change ${entry.change_id} (${entry.action} by ${entry.actor}, version ${entry.version})`,
          onclick: () => revert(entry),
        }, "Revert"));
      } else {
        item.append(el("span", { className: "muted small", text: entry.version === 1 ? "(first version)" : "(nothing to revert to)" }));
      }
      list.append(item);
    }
    refreshButtons();
  }

  async function revert(entry) {
    if (!state.selected) return;
    const { record, etag } = state.selected;
    clearEditorErrors();
    try {
      const result = await api("POST", `${recordPath(state.kind, record.id)}/revert`, {
        body: { change_id: entry.change_id },
        headers: etag ? { "If-Match": etag } : {},
      });
      await openRecord(record.id, { keepStatus: true });
      editorStatus(`Reverted change ${entry.change_id} (${entry.action} by ${entry.actor}): now version ${result.data.version}`, "ok");
      loadList();
    } catch (error) {
      handleWriteError(error, "Reverting");
    }
  }

  // ---------------------------------------------------------------- import and export

  function importFormat(fileName) {
    const match = /\.([A-Za-z0-9]+)$/.exec(fileName || "");
    return match ? FORMAT_BY_EXTENSION[match[1].toLowerCase()] : undefined;
  }

  function importErrorTable(errors) {
    const table = el("table", { className: "import-errors" },
      el("caption", { text: `${errors.length} problem${errors.length === 1 ? "" : "s"} found; nothing was imported` }),
      el("thead", null, el("tr", null,
        el("th", { scope: "col", className: "num", text: "Row" }),
        el("th", { scope: "col", className: "num", text: "Line" }),
        el("th", { scope: "col", text: "Field" }),
        el("th", { scope: "col", text: "Message" }))));
    const body = el("tbody");
    for (const item of errors) {
      body.append(el("tr", { dataset: { row: item.row == null ? "" : item.row, field: item.field == null ? "" : item.field } },
        el("td", { className: "num", text: item.row == null ? "" : item.row }),
        el("td", { className: "num", text: item.line == null ? "" : item.line }),
        el("td", { className: "mono", text: item.field == null ? "" : item.field }),
        el("td", { text: item.message == null ? "" : item.message })));
    }
    table.append(body);
    return table;
  }

  async function importFile(event) {
    event.preventDefault();
    const box = $("import-result");
    clear(box);
    const file = $("import-file").files[0];
    if (!file) {
      box.append(el("p", { className: "error-text", text: "Choose a file first." }));
      return;
    }
    const fmt = importFormat(file.name);
    if (!fmt) {
      box.append(el("p", { className: "error-text", text: `“${file.name}” is not a .csv, .json, .yaml or .yml file.` }));
      return;
    }
    const kind = state.kind;
    $("import-button").disabled = true;
    box.append(el("p", { className: "muted", text: `Importing ${file.name} into ${kind}…` }));
    try {
      const bytes = await file.arrayBuffer();
      const { data } = await api("POST", `${API}/${enc(kind)}/import?format=${fmt}`, {
        body: new Blob([bytes], { type: CONTENT_TYPES[fmt] }),
        headers: { "Content-Type": CONTENT_TYPES[fmt] },
      });
      clear(box);
      box.append(el("p", { className: "ok-text import-summary",
        text: `${data.created} created, ${data.updated} updated, ${data.unchanged} unchanged` }),
      el("p", { className: "muted", text: `${data.rows} rows read from ${file.name} into ${kind}.` }));
      loadList();
      if (state.selected) reloadSelected();
    } catch (error) {
      clear(box);
      if (error.status === 422 && Array.isArray(error.details.errors)) {
        box.append(el("p", { className: "error-text", role: "alert",
          text: `${file.name} was not imported: fix the rows below and import the whole file again.` }),
        importErrorTable(error.details.errors));
      } else if (error.status === 403) {
        const rows = Array.isArray(error.details.rows) && error.details.rows.length
          ? ` (rows ${error.details.rows.join(", ")})` : "";
        box.append(el("p", { className: "error-text", role: "alert",
          text: `${file.name} was not imported: ${error.message}${rows}.` }));
      } else if (error.status !== 401) {
        const line = error.details && error.details.line;
        const prefix = `${file.name} could not be read`;
        box.append(el("p", { className: "error-text", role: "alert",
          text: `${prefix}: ${error.message}${line && !String(error.message).includes(`line ${line}`) ? ` (line ${line})` : ""}` }));
      }
    } finally {
      refreshButtons();
    }
  }

  async function exportFile(fmt) {
    const kind = state.kind;
    const status = $("export-status");
    status.textContent = `Preparing ${kind}.${fmt}…`;
    try {
      const response = await api("GET", `${API}/${enc(kind)}/export?format=${enc(fmt)}`, { raw: true });
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const link = el("a", { href: url, download: `${kind}.${fmt}`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      status.textContent = `Downloaded ${kind}.${fmt}`;
    } catch (error) {
      status.textContent = `Export failed: ${error.message}`;
    }
  }

  // ---------------------------------------------------------------- wiring

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  function init() {
    $("signin-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const token = $("token-input").value.trim();
      setText("signin-error", "");
      setText("signin-info", "");
      if (!token) {
        setText("signin-error", "Enter your access token.");
        return;
      }
      $("signin-button").disabled = true;
      try {
        await signIn(token);
      } catch (error) {
        state.token = null;
        state.user = null;
        sessionStorage.removeItem(TOKEN_KEY);
        setText("signin-error", `Could not sign in: ${error.message}`);
        $("token-input").select();
      } finally {
        $("signin-button").disabled = false;
      }
    });
    $("signout-button").addEventListener("click", () => signOut("You are signed out."));

    for (const tab of document.querySelectorAll(".kind-tab")) {
      tab.addEventListener("click", () => selectKind(tab.dataset.kind));
    }
    $("search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      loadList();
    });
    $("search-input").addEventListener("input", debounce(loadList, 300));
    $("include-deleted").addEventListener("change", loadList);

    $("new-button").addEventListener("click", () => startNew(skeleton(state.kind), `New ${singular(state.kind)}`));
    $("duplicate-button").addEventListener("click", () => {
      if (!state.selected) return;
      const copy = JSON.parse(JSON.stringify(state.selected.record.doc));
      copy.id = "";
      startNew(copy, `New ${singular(state.kind)} (copy of ${state.selected.record.id})`);
    });
    $("save-button").addEventListener("click", save);
    $("format-button").addEventListener("click", () => {
      clearEditorErrors();
      const doc = parseEditor();
      if (doc) $("doc-input").value = JSON.stringify(doc, null, 2);
    });
    $("reload-button").addEventListener("click", () => {
      if (state.creating) {
        closeEditor();
        return;
      }
      reloadSelected("Reloaded.");
    });
    $("delete-button").addEventListener("click", deleteSelected);
    $("restore-button").addEventListener("click", restoreSelected);
    $("import-form").addEventListener("submit", importFile);
    for (const button of document.querySelectorAll(".export-button")) {
      button.addEventListener("click", () => exportFile(button.dataset.format));
    }
    // Ctrl/Cmd+S saves from the editor.
    $("doc-input").addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
        event.preventDefault();
        if (!$("save-button").disabled) save();
      }
    });

    refreshButtons();
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) {
      signIn(saved).catch((error) => {
        signOut(`Please sign in again: ${error.message}`, { error: true });
      });
    } else {
      $("token-input").focus();
    }
  }

  if (!KINDS.includes(state.kind)) state.kind = KINDS[0];
  document.addEventListener("DOMContentLoaded", init);
})();
