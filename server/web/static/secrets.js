// The Secrets page: list, create, edit (the value is never shown nor sent
// back: kept, or replaced), enable/disable, delete, import.
import { api, APIError, enc } from "./api.js";
import { h, showErrors, showAlert, clearErrors, setFieldError, timeEl, setupHeader, say, pageError } from "./ui.js";

const base = "/api/v2/users/me/secrets";
let secrets = [];

const tbody = document.getElementById("secrets-body");
const table = document.getElementById("secrets-table");
const empty = document.getElementById("secrets-empty");

function none() {
  return h("span", { class: "muted" }, h("span", { "aria-hidden": "true" }, "—"), h("span", { class: "visually-hidden" }, "none"));
}

// notInjected says why a secret reaches no workspace, or "".
function notInjected(s) {
  if (!s.enabled) return "disabled";
  if (!s.env_name && !s.file_path) return "no target";
  return "";
}

function row(s) {
  const why = notInjected(s);
  const nameCell = h("td", { "data-label": "Name" },
    h("span", { class: "secret-name" }, s.name),
    why && h("span", { class: "badge", dataset: { badge: "not-injected" }, title: `Not delivered to workspaces: ${why}` }, "not injected"),
    why && h("span", { class: "reason muted" }, ` (${why})`));
  const actions = h("td", { class: "row-actions", "data-label": "Actions" },
    h("button", { type: "button", dataset: { action: "edit", name: s.name }, "aria-label": `Edit ${s.name}`, onclick: () => openEdit(s) }, "Edit"),
    h("button", { type: "button", dataset: { action: "toggle", name: s.name }, "aria-label": `${s.enabled ? "Disable" : "Enable"} ${s.name}`, onclick: (ev) => toggle(s, ev.currentTarget) }, s.enabled ? "Disable" : "Enable"),
    h("button", { type: "button", class: "danger", dataset: { action: "delete", name: s.name }, "aria-label": `Delete ${s.name}`, onclick: () => openDelete(s) }, "Delete"));
  return h("tr", { dataset: { secret: s.name } },
    nameCell,
    h("td", { "data-label": "Environment variable", dataset: { col: "env" } }, s.env_name ? h("code", {}, s.env_name) : none()),
    h("td", { "data-label": "File", dataset: { col: "file" } }, s.file_path ? h("code", {}, s.file_path) : none()),
    h("td", { "data-label": "Description", dataset: { col: "description" } }, s.description || none()),
    h("td", { "data-label": "Updated" }, timeEl(s.updated_at)),
    actions);
}

async function load() {
  try {
    secrets = await api("GET", base);
  } catch (e) {
    pageError(e.message);
    return;
  }
  tbody.replaceChildren(...secrets.map(row));
  table.hidden = secrets.length === 0;
  empty.hidden = secrets.length !== 0;
  document.body.dataset.loaded = "secrets";
}

// ---- create and edit ----
const dialog = document.getElementById("secret-dialog");
const form = document.getElementById("secret-form");
const formError = document.getElementById("secret-form-error");
const f = form.elements;
const valueKept = document.getElementById("value-kept");
const valueEdit = document.getElementById("value-edit");
const valueUndo = document.getElementById("value-undo");
let editing = null; // the secret being edited, or null for a new one
let replacing = false;

function setValueMode(replace) {
  replacing = replace;
  valueKept.hidden = replace;
  valueEdit.hidden = !replace;
  valueUndo.hidden = !editing || !replace;
  f.value.value = "";
}

document.getElementById("value-replace").addEventListener("click", () => { setValueMode(true); f.value.focus(); });
valueUndo.addEventListener("click", () => { setValueMode(false); document.getElementById("value-replace").focus(); });

function resetForm() {
  form.reset();
  f.value.value = "";
  clearErrors(form);
  showAlert(formError, "");
}

function closeDialog(d) {
  if (d === dialog) resetForm();
  d.close();
}

function openCreate() {
  editing = null;
  resetForm();
  document.getElementById("secret-dialog-title").textContent = "New secret";
  document.getElementById("secret-save").textContent = "Create";
  f.name.readOnly = false;
  f.enabled.checked = true;
  setValueMode(true);
  dialog.showModal();
  f.name.focus();
}

function openEdit(s) {
  editing = s;
  resetForm();
  document.getElementById("secret-dialog-title").textContent = `Edit ${s.name}`;
  document.getElementById("secret-save").textContent = "Save";
  f.name.value = s.name;
  f.name.readOnly = true;
  f.env_name.value = s.env_name;
  f.file_path.value = s.file_path;
  f.description.value = s.description;
  f.enabled.checked = s.enabled;
  setValueMode(false);
  dialog.showModal();
  f.description.focus();
}

document.getElementById("new-secret").addEventListener("click", openCreate);
document.getElementById("secret-cancel").addEventListener("click", () => closeDialog(dialog));
// The close event comes a task after the dialog closed: by then the
// dialog may be open again, with a form already filled in.
dialog.addEventListener("close", () => { if (!dialog.open) resetForm(); });

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearErrors(form);
  showAlert(formError, "");
  const save = document.getElementById("secret-save");
  let method, path, body;
  if (!editing) {
    if (!f.name.value) { setFieldError(form, "name", "Required."); f.name.focus(); return; }
    if (!f.value.value) { setFieldError(form, "value", "Required: a secret needs a value."); f.value.focus(); return; }
    body = { name: f.name.value, value: f.value.value, enabled: f.enabled.checked };
    if (f.description.value) body.description = f.description.value;
    if (f.env_name.value) body.env_name = f.env_name.value;
    if (f.file_path.value) body.file_path = f.file_path.value;
    method = "POST"; path = base;
  } else {
    body = {};
    if (replacing) {
      if (!f.value.value) { setFieldError(form, "value", "Type the new value, or undo to keep the stored one."); f.value.focus(); return; }
      body.value = f.value.value;
    }
    for (const k of ["description", "env_name", "file_path"]) {
      if (f[k].value !== editing[k]) body[k] = f[k].value;
    }
    if (f.enabled.checked !== editing.enabled) body.enabled = f.enabled.checked;
    if (Object.keys(body).length === 0) {
      closeDialog(dialog);
      say(`Nothing changed in ${editing.name}.`);
      return;
    }
    method = "PATCH"; path = `${base}/${enc(editing.name)}`;
  }
  save.disabled = true;
  try {
    const s = await api(method, path, body);
    body = null;
    closeDialog(dialog);
    say(editing ? `Saved ${s.name}.` : `Created ${s.name}.`);
    await load();
    focusRow(s.name);
  } catch (e) {
    showErrors(form, formError, e);
  } finally {
    save.disabled = false;
  }
});

function focusRow(name) {
  const b = tbody.querySelector(`button[data-action=edit][data-name="${CSS.escape(name)}"]`);
  if (b) b.focus();
}

// ---- enable / disable ----
async function toggle(s, btn) {
  pageError("");
  btn.disabled = true;
  try {
    await api("PATCH", `${base}/${enc(s.name)}`, { enabled: !s.enabled });
    say(`${s.name} is ${s.enabled ? "disabled" : "enabled"}.`);
    await load();
    const again = tbody.querySelector(`button[data-action=toggle][data-name="${CSS.escape(s.name)}"]`);
    if (again) again.focus();
  } catch (e) {
    btn.disabled = false;
    const extra = e instanceof APIError ? e.validations.map((v) => `${v.field}: ${v.detail}`) : [];
    pageError([e.message, ...extra].join(" "));
  }
}

// ---- delete ----
const delDialog = document.getElementById("delete-dialog");
const delText = document.getElementById("delete-dialog-text");
const delError = document.getElementById("delete-form-error");
let deleting = null;

function openDelete(s) {
  deleting = s;
  showAlert(delError, "");
  document.getElementById("delete-dialog-title").textContent = `Delete ${s.name}?`;
  const parts = [h("p", {}, "Your workspaces stop receiving this secret at their next start.")];
  if (s.env_name) parts.push(h("p", {}, "The environment variable ", h("code", {}, s.env_name), " is gone from sessions after a restart."));
  parts.push(h("p", { class: "warning" }, "Files it wrote stay on disk: ",
    s.file_path ? [h("code", {}, s.file_path), " (and any earlier path it had)"] : "any file it wrote at an earlier path",
    " keeps its last value in each workspace until you delete it there, for example with ",
    h("code", {}, `rm ${s.file_path || "PATH"}`), "."));
  delText.replaceChildren(...parts);
  delDialog.showModal();
  document.getElementById("delete-cancel").focus();
}

document.getElementById("delete-cancel").addEventListener("click", () => delDialog.close());
document.getElementById("delete-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const btn = document.getElementById("delete-confirm");
  btn.disabled = true;
  try {
    await api("DELETE", `${base}/${enc(deleting.name)}`);
    delDialog.close();
    say(`Deleted ${deleting.name}.`);
    await load();
    document.getElementById("new-secret").focus();
  } catch (e) {
    showAlert(delError, e.message);
  } finally {
    btn.disabled = false;
  }
});

// ---- import ----
const impDialog = document.getElementById("import-dialog");
const impForm = document.getElementById("import-form");
const impError = document.getElementById("import-form-error");
const entryErrors = document.getElementById("import-entry-errors");

function formatOf(file, chosen) {
  if (chosen) return chosen;
  const n = file.name.toLowerCase();
  if (n.endsWith(".json")) return "json";
  if (n.endsWith(".yaml") || n.endsWith(".yml")) return "yaml";
  return "dotenv";
}

function resetImport() {
  impForm.reset();
  clearErrors(impForm);
  showAlert(impError, "");
  entryErrors.replaceChildren();
  entryErrors.hidden = true;
}

document.getElementById("import-secrets").addEventListener("click", () => {
  resetImport();
  impDialog.showModal();
  document.getElementById("import-file").focus();
});
document.getElementById("import-cancel").addEventListener("click", () => impDialog.close());
impDialog.addEventListener("close", () => { if (!impDialog.open) resetImport(); });

impForm.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearErrors(impForm);
  showAlert(impError, "");
  entryErrors.replaceChildren();
  entryErrors.hidden = true;
  const file = impForm.elements.file.files[0];
  if (!file) { setFieldError(impForm, "content", "Choose a file."); impForm.elements.file.focus(); return; }
  const btn = document.getElementById("import-submit");
  btn.disabled = true;
  try {
    const res = await api("POST", `${base}/batch`, { format: formatOf(file, impForm.elements.format.value), content: await file.text() });
    impDialog.close();
    const warn = res.warnings.length ? " " + res.warnings.join(" ") : "";
    say(`Imported ${res.secrets.length} secret${res.secrets.length === 1 ? "" : "s"}.${warn}`);
    await load();
  } catch (e) {
    if (!(e instanceof APIError)) { showAlert(impError, e.message); return; }
    // The message's first line says what went wrong; the lines below it
    // (and the per-entry validations) list each entry.
    const [first, ...lines] = e.message.split("\n");
    const items = lines.map((l) => l.trim()).filter(Boolean);
    const perEntry = [];
    for (const v of e.validations) {
      if (v.field.startsWith("secrets[")) perEntry.push(v);
      else if (v.field === "content") setFieldError(impForm, "content", first);
      else setFieldError(impForm, v.field, v.detail);
    }
    showAlert(impError, first);
    const list = items.length ? items : perEntry.map((v) => `${v.field}: ${v.detail}`);
    entryErrors.replaceChildren(...list.map((t) => h("li", {}, t)));
    entryErrors.hidden = list.length === 0;
    impForm.elements.file.setAttribute("aria-invalid", "true");
    impForm.elements.file.focus();
  } finally {
    btn.disabled = false;
  }
});

setupHeader();
load();
