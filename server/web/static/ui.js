// Helpers shared by the pages: building elements (text only, never HTML),
// errors next to their fields, relative times, the header.
import { api, APIError } from "./api.js";

// h makes an element: h("td", {class: "x"}, "text", child, ...).
export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function showAlert(el, message) {
  el.textContent = message || "";
  el.hidden = !message;
}

// clearErrors removes every field error of a form.
export function clearErrors(form) {
  for (const p of form.querySelectorAll(".field-error")) { p.textContent = ""; p.hidden = true; }
  for (const i of form.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
}

function fieldFor(form, name) {
  return form.querySelector(`.field[data-field="${CSS.escape(name)}"]`);
}

// setFieldError shows msg under the field named name; false when the form
// has no such field.
export function setFieldError(form, name, msg) {
  const f = fieldFor(form, name);
  if (!f) return false;
  const p = f.querySelector(".field-error");
  const input = f.querySelector("input, textarea, select");
  p.textContent = msg;
  p.hidden = false;
  if (input) {
    input.setAttribute("aria-invalid", "true");
    const ids = new Set((input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean));
    ids.add(p.id);
    input.setAttribute("aria-describedby", [...ids].join(" "));
  }
  return true;
}

// showErrors puts each validation of err next to its field and the
// message in alertEl; the first invalid field gets the focus.
export function showErrors(form, alertEl, err) {
  clearErrors(form);
  if (!(err instanceof APIError)) {
    showAlert(alertEl, "Something went wrong: " + err.message);
    return;
  }
  const rest = [];
  for (const v of err.validations) {
    if (!setFieldError(form, v.field, v.detail)) rest.push(`${v.field}: ${v.detail}`);
  }
  showAlert(alertEl, [err.message, ...rest].join(" "));
  const bad = form.querySelector("[aria-invalid=true]");
  if (bad) bad.focus();
}

// relativeTime: "3 minutes ago".
export function relativeTime(iso) {
  const t = new Date(iso).getTime();
  if (!Number.isFinite(t)) return "";
  const s = Math.round((t - Date.now()) / 1000);
  const fmt = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  const units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  for (const [u, n] of units) {
    if (Math.abs(s) >= n) return fmt.format(Math.trunc(s / n), u);
  }
  return Math.abs(s) < 10 ? "just now" : fmt.format(s, "second");
}

// timeEl: a <time> with the relative text and the exact time as its title.
export function timeEl(iso) {
  return h("time", { datetime: iso, title: new Date(iso).toLocaleString() }, relativeTime(iso));
}

// setupHeader fills in the signed-in user and wires the sign-out button.
export async function setupHeader() {
  const out = document.getElementById("sign-out");
  out.addEventListener("click", async () => {
    out.disabled = true;
    try {
      await api("POST", "/api/v2/users/logout", undefined, { noRedirect: true });
    } catch { /* signed out already */ }
    location.assign("/login");
  });
  try {
    const me = await api("GET", "/api/v2/users/me");
    document.getElementById("whoami").textContent = `Signed in as ${me.username}`;
    return me;
  } catch (e) {
    return null;
  }
}

export function say(message) {
  pageError("");
  const s = document.getElementById("status");
  if (s) s.textContent = message;
}

export function pageError(message) {
  showAlert(document.getElementById("page-error"), message);
}
