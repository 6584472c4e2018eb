// The public API as the page calls it: same origin, the page's own function key (from ?code= in its URL) sent on
// every request as the API expects it, JSON in and out, problem responses turned into errors with their detail.

const params = new URLSearchParams(location.search);
const key = params.get('code');

// The API's root: the page is served at {root}dashboard (route prefix "api" by default).
export const root = location.pathname.replace(/dashboard\/?$/, '');

/** An error carrying the API's problem response. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

function headers(extra) {
  const h = { Accept: 'application/json', ...extra };
  if (key) h['x-functions-key'] = key;
  return h;
}

/** GET {root}{path}; the parsed JSON body. */
export async function get(path) {
  const response = await fetch(root + path, { headers: headers() });
  return read(response);
}

/** POST {root}{path} with an optional JSON body; the parsed JSON body or null. */
export async function post(path, body) {
  const init = { method: 'POST', headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(root + path, init);
  return read(response);
}

async function read(response) {
  const text = await response.text();
  const body = text ? safeParse(text) : null;
  if (!response.ok) throw new ApiError(response.status, body && (body.detail || body.title));
  return body;
}

function safeParse(text) {
  try { return JSON.parse(text); } catch { return { detail: text }; }
}

/** The URL of the event stream (EventSource cannot send headers: the key goes in the query, as the API allows). */
export function streamUrl(workflowId) {
  const q = new URLSearchParams();
  if (workflowId) q.set('workflow_id', workflowId);
  if (key) q.set('code', key);
  const s = q.toString();
  return root + 'events/stream' + (s ? '?' + s : '');
}

/** Escapes a path segment (ids may hold ':' and '@'). */
export const seg = (s) => encodeURIComponent(s);
