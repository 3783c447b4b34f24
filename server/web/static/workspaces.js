// The Workspaces page: status, template, last build, "restart needed",
// and start / stop / restart with the build's progress as it happens.
import { api, followNDJSON, enc } from "./api.js";
import { h, timeEl, setupHeader, say, pageError } from "./ui.js";

const tbody = document.getElementById("workspaces-body");
const table = document.getElementById("workspaces-table");
const empty = document.getElementById("workspaces-empty");
const panel = document.getElementById("build-panel");
const summary = document.getElementById("build-summary");
const stages = document.getElementById("build-stages");
const logEl = document.getElementById("build-log");
let busy = false;

const ongoing = { start: "Starting", stop: "Stopping", delete: "Deleting" };
const done = { start: "Running", stop: "Stopped", delete: "Deleted" };

function status(b) {
  if (b.status === "pending" || b.status === "running") return ongoing[b.transition] || b.status;
  if (b.status === "succeeded") return done[b.transition] || b.status;
  if (b.status === "failed") return `Failed to ${b.transition}`;
  if (b.status === "canceled") return `${b.transition} canceled`;
  return b.status;
}

function building(b) { return b.status === "pending" || b.status === "running"; }

function restartMarker(w) {
  if (w.restart_needed !== true) return null;
  const names = Array.isArray(w.restart_needed_secrets) ? w.restart_needed_secrets : [];
  const why = names.length ? `Secrets changed since it started: ${names.join(", ")}` : "Your secrets changed since it started";
  return [h("span", { class: "badge warn", dataset: { badge: "restart-needed" }, title: why }, "restart needed"),
    names.length ? h("span", { class: "reason muted" }, ` (${names.join(", ")})`) : null];
}

function row(w) {
  const b = w.latest_build;
  const running = b.transition === "start" && b.status === "succeeded";
  const startable = !building(b) && !running;
  const act = (transition, label, enabled, cls) => h("button", {
    type: "button", class: cls, dataset: { action: transition, name: w.name }, disabled: !enabled || busy,
    "aria-label": `${label} ${w.name}`, onclick: () => run(w, transition),
  }, label);
  return h("tr", { dataset: { workspace: w.name } },
    h("td", { "data-label": "Name" }, h("span", { class: "secret-name" }, w.name), restartMarker(w)),
    h("td", { "data-label": "Status", dataset: { col: "status" } }, h("span", { class: `state state-${b.status}` }, status(b))),
    h("td", { "data-label": "Template" }, w.template_name),
    h("td", { "data-label": "Last build" }, `#${b.build_number} ${b.transition}, ${b.status}, `, timeEl(b.completed_at || b.created_at),
      b.error ? h("p", { class: "field-error" }, b.error) : null),
    h("td", { class: "row-actions", "data-label": "Actions" },
      act("start", "Start", startable), act("stop", "Stop", running), act("restart", "Restart", running, w.restart_needed === true ? "primary" : undefined)));
}

async function load() {
  let list;
  try {
    list = await api("GET", "/api/v2/users/me/workspaces");
  } catch (e) {
    pageError(e.message);
    return;
  }
  list.sort((a, b) => a.name.localeCompare(b.name));
  tbody.replaceChildren(...list.map(row));
  table.hidden = list.length === 0;
  empty.hidden = list.length !== 0;
  document.body.dataset.loaded = "workspaces";
  const going = !busy && list.find((w) => building(w.latest_build));
  if (going) watch(going);
}

// build queues one build and follows its log until it ends; it returns
// the ended build.
async function build(w, transition) {
  const b = await api("POST", `/api/v2/users/me/workspaces/${enc(w.name)}/builds`, { transition });
  return follow(w, b);
}

// follow shows a build's stages and log as they come, until it ends; it
// returns the ended build.
async function follow(w, b) {
  const transition = b.transition;
  summary.textContent = `${ongoing[transition]} ${w.name} (build #${b.build_number})…`;
  await load();
  let stage = "";
  await followNDJSON(`/api/v2/workspacebuilds/${enc(b.id)}/logs?follow=true`, (line) => {
    if (line.stage && line.stage !== stage) {
      stage = line.stage;
      stages.append(h("li", {}, `${transition}: ${stage}`));
      summary.textContent = `${ongoing[transition]} ${w.name}: ${stage}…`;
    }
    logEl.append(`[${line.stage || ""}] ${line.output}\n`);
  });
  return api("GET", `/api/v2/workspacebuilds/${enc(b.id)}`);
}

// watch follows a build that was started elsewhere (the CLI, another
// tab) and is still going when the page loads.
async function watch(w) {
  busy = true;
  panel.hidden = false;
  stages.replaceChildren();
  logEl.textContent = "";
  document.body.dataset.build = "running";
  let ok = false;
  try {
    const b = await follow(w, w.latest_build);
    ok = b.status === "succeeded";
    summary.textContent = `Build #${b.build_number} (${b.transition}) of ${w.name} ${b.status}${b.error ? ": " + b.error : "."}`;
    say(summary.textContent);
  } catch (e) {
    summary.textContent = e.message;
  } finally {
    busy = false;
    document.body.dataset.build = ok ? "succeeded" : "failed";
    await load();
  }
}

async function run(w, action) {
  busy = true;
  pageError("");
  panel.hidden = false;
  stages.replaceChildren();
  logEl.textContent = "";
  document.body.dataset.build = "running";
  await load();
  const steps = action === "restart" ? ["stop", "start"] : [action];
  let ok = true;
  try {
    for (const t of steps) {
      const b = await build(w, t);
      const took = b.started_at && b.completed_at ? ` in ${Math.round((new Date(b.completed_at) - new Date(b.started_at)) / 1000)} s` : "";
      if (b.status !== "succeeded") {
        ok = false;
        summary.textContent = `Build #${b.build_number} (${t}) of ${w.name} ${b.status}${took}${b.error ? ": " + b.error : "."}`;
        break;
      }
      stages.append(h("li", {}, `${t}: done${took}`));
    }
    if (ok) summary.textContent = `${w.name}: ${action} done.`;
    say(summary.textContent);
  } catch (e) {
    ok = false;
    summary.textContent = e.message;
    pageError(e.message);
  } finally {
    busy = false;
    document.body.dataset.build = ok ? "succeeded" : "failed";
    await load();
  }
}

setupHeader();
load();
setInterval(() => { if (!busy && !document.hidden) load(); }, 15000);
