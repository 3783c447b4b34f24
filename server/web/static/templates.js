// The Templates page: each template's active version, its parameters and
// the secrets it requires.
import { api } from "./api.js";
import { h, timeEl, setupHeader, pageError } from "./ui.js";

const listEl = document.getElementById("templates-list");
const empty = document.getElementById("templates-empty");

function none() { return h("span", { class: "muted" }, "—"); }

function params(t) {
  const ps = (t.active_version_info && t.active_version_info.parameters) || [];
  if (!ps.length) return h("p", { class: "muted" }, "No parameters.");
  return h("table", { class: "cards" },
    h("caption", { class: "visually-hidden" }, `Parameters of ${t.name}`),
    h("thead", {}, h("tr", {}, ["Name", "Type", "Default", "Required", "Mutable", "Description"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, ps.map((p) => h("tr", {},
      h("td", { "data-label": "Name" }, h("code", {}, p.name), p.display_name ? ` (${p.display_name})` : ""),
      h("td", { "data-label": "Type" }, p.type),
      h("td", { "data-label": "Default" }, p.default !== undefined && p.default !== "" ? h("code", {}, p.default) : none()),
      h("td", { "data-label": "Required" }, p.required ? "yes" : "no"),
      h("td", { "data-label": "Mutable" }, p.mutable ? "yes" : "no"),
      h("td", { "data-label": "Description" }, p.description || none())))));
}

function requirements(t) {
  const rs = t.secret_requirements || [];
  if (!rs.length) return h("p", { class: "muted" }, "Requires no secret.");
  return h("ul", { class: "requirements" }, rs.map((r) => h("li", {},
    r.env_name ? ["environment variable ", h("code", {}, r.env_name)] : null,
    r.env_name && r.file_path ? " and " : null,
    r.file_path ? ["file ", h("code", {}, r.file_path)] : null,
    r.help_message ? h("span", { class: "muted" }, `: ${r.help_message}`) : null)));
}

async function load() {
  let list;
  try {
    list = await api("GET", "/api/v2/templates");
  } catch (e) {
    pageError(e.message);
    return;
  }
  list.sort((a, b) => a.name.localeCompare(b.name));
  listEl.replaceChildren(...list.map((t) => {
    const id = `template-${t.id}`;
    return h("section", { class: "card", "aria-labelledby": id, dataset: { template: t.name } },
      h("h2", { id }, t.name),
      h("p", { class: "muted" }, `Version ${t.active_version}, updated `, timeEl(t.updated_at),
        t.active_version_message ? `: ${t.active_version_message}` : ""),
      h("h3", {}, "Required secrets"), requirements(t),
      h("h3", {}, "Parameters"), params(t));
  }));
  empty.hidden = list.length !== 0;
  document.body.dataset.loaded = "templates";
}

setupHeader();
load();
