import { api, APIError } from "./api.js";
import { showErrors, showAlert, clearErrors, setFieldError } from "./ui.js";

const loginForm = document.getElementById("login-form");
const setupForm = document.getElementById("setup-form");
const alertEl = document.getElementById("page-error");

async function signIn(username, password) {
  await api("POST", "/api/v2/users/login/cookie", { username, password }, { noRedirect: true });
  location.assign("/secrets");
}

// A new server has no user: offer to create the first one (as
// `coder login` does).
async function init() {
  try {
    await api("GET", "/api/v2/users/first", undefined, { noRedirect: true });
    document.getElementById("login-username").focus();
  } catch (e) {
    if (e instanceof APIError && e.status === 404) {
      loginForm.hidden = true;
      setupForm.hidden = false;
      document.getElementById("title").textContent = "Set up this server";
      document.getElementById("intro").hidden = true;
      document.title = "Set up · Coder secrets";
      document.getElementById("setup-username").focus();
    } else {
      showAlert(alertEl, e.message);
    }
  }
}

function requireFields(form, names) {
  let ok = true;
  for (const n of names) {
    const i = form.elements[n];
    if (!i.value) { setFieldError(form, n, "Required."); ok = false; }
  }
  if (!ok) form.querySelector("[aria-invalid=true]").focus();
  return ok;
}

loginForm.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearErrors(loginForm);
  showAlert(alertEl, "");
  if (!requireFields(loginForm, ["username", "password"])) return;
  const btn = loginForm.querySelector("button[type=submit]");
  btn.disabled = true;
  try {
    await signIn(loginForm.elements.username.value, loginForm.elements.password.value);
  } catch (e) {
    loginForm.elements.password.value = "";
    showErrors(loginForm, alertEl, e);
    if (!loginForm.querySelector("[aria-invalid=true]")) loginForm.elements.password.focus();
  } finally {
    btn.disabled = false;
  }
});

setupForm.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearErrors(setupForm);
  showAlert(alertEl, "");
  if (!requireFields(setupForm, ["username", "email", "password"])) return;
  const f = setupForm.elements;
  const body = { username: f.username.value, email: f.email.value, password: f.password.value };
  if (f.name.value) body.name = f.name.value;
  const btn = setupForm.querySelector("button[type=submit]");
  btn.disabled = true;
  try {
    await api("POST", "/api/v2/users/first", body, { noRedirect: true });
    await signIn(body.username, body.password);
  } catch (e) {
    showErrors(setupForm, alertEl, e);
  } finally {
    btn.disabled = false;
  }
});

init();
