// The console's only way to the server: the same REST API every client uses, with the workspace key.

const KEY = 'pandora.key';
const WORKSPACE = 'pandora.workspace';

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const session = {
  get key() {
    return sessionStorage.getItem(KEY);
  },
  get workspace() {
    const raw = sessionStorage.getItem(WORKSPACE);
    return raw ? JSON.parse(raw) : null;
  },
  save(key, info) {
    sessionStorage.setItem(KEY, key);
    sessionStorage.setItem(WORKSPACE, JSON.stringify(info));
  },
  clear() {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(WORKSPACE);
  },
};

let onSignedOut = () => {};
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

async function send(url, { method = 'GET', body, key = session.key, form } = {}) {
  const headers = { authorization: `Bearer ${key}` };
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, { method, headers, body: payload });
  } catch (err) {
    throw new ApiError(0, 'network', `the server did not answer (${err.message})`);
  }
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(res.status, 'bad_response', `unexpected answer (${res.status})`);
  }
  if (!res.ok) {
    const error = data?.error ?? {};
    if (res.status === 401 && key === session.key) onSignedOut();
    throw new ApiError(
      res.status,
      error.code ?? String(res.status),
      error.message ?? res.statusText,
      error.details,
    );
  }
  return data;
}

/** Checks a pasted key and returns its workspace, without storing anything. */
export function signIn(key) {
  return send('/api/session', { key });
}

/** A workspace-scoped call: api('/deals?limit=5'), api('/linker/run', { method: 'POST' }). */
export function api(path, options) {
  const ws = session.workspace;
  if (!ws) throw new ApiError(401, 'signed_out', 'sign in first');
  return send(`/api/workspaces/${ws.id}${path}`, options);
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
