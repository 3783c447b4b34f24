// The REST API from the dashboard: the session is an HttpOnly cookie that
// this script never sees; a state-changing request carries the CSRF token
// (the readable coder_csrf_token cookie) in X-Coder-CSRF-Token.

export class APIError extends Error {
  constructor(status, body) {
    super((body && body.message) || `The server answered ${status}.`);
    this.status = status;
    this.validations = (body && body.validations) || [];
    this.detail = (body && body.detail) || "";
  }
}

function csrfToken() {
  for (const part of document.cookie.split(";")) {
    const [k, v] = part.trim().split("=");
    if (k === "coder_csrf_token") return v || "";
  }
  return "";
}

// request sends one API request and returns the response (not read).
export async function request(method, path, body, opts = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET" && method !== "HEAD") headers["X-Coder-CSRF-Token"] = csrfToken();
  const init = { method, headers, credentials: "same-origin", cache: "no-store", redirect: "error" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (opts.signal) init.signal = opts.signal;
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new APIError(0, { message: "The server cannot be reached. Check your connection and try again." });
  }
  if (res.status === 401 && !opts.noRedirect) {
    location.assign("/login");
    throw new APIError(401, { message: "You are signed out." });
  }
  if (!res.ok) {
    let b = null;
    try { b = await res.json(); } catch { /* not JSON */ }
    throw new APIError(res.status, b);
  }
  return res;
}

// api sends one request and returns its JSON answer (null for 204).
export async function api(method, path, body, opts) {
  const res = await request(method, path, body, opts);
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

// followNDJSON reads an NDJSON stream (a followed build log) and calls
// onLine with each object as it arrives.
export async function followNDJSON(path, onLine, opts) {
  const res = await request("GET", path, undefined, opts);
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line) onLine(JSON.parse(line));
    }
  }
  if (buf.trim()) onLine(JSON.parse(buf));
}

export const enc = encodeURIComponent;
