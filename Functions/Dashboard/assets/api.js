// The public API as the page calls it: same origin, JSON in and out, problem responses turned into errors with their
// detail. Keys go in headers only, never in a URL (URLs end up in logs): the app's API key (x-api-key), which the page
// asks for once and keeps in sessionStorage (gone when the tab closes), and the host's function key when the page was
// opened with ?code= (Azure's Functions keys), sent as x-functions-key.

const params = new URLSearchParams(location.search);
const functionKey = params.get('code');
const STORE = 'serverlesstasks.api-key';

// The API's root: the page is served at {root}dashboard (route prefix "api" by default).
export const root = location.pathname.replace(/dashboard\/?$/, '');

/** An error carrying the API's problem response. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

function storedKey() {
  try { return sessionStorage.getItem(STORE); } catch { return null; }
}

/** Keeps the API key for this tab (sessionStorage) and sends it from now on. */
export function setKey(value) {
  try { sessionStorage.setItem(STORE, value); } catch { /* storage off: kept for this page only */ }
  memoryKey = value;
}

/** Forgets the API key. */
export function clearKey() {
  try { sessionStorage.removeItem(STORE); } catch { /* nothing kept */ }
  memoryKey = null;
}

let memoryKey = storedKey();

/** Whether a key is held. */
export const hasKey = () => !!memoryKey;

function headers(extra) {
  const h = { Accept: 'application/json', ...extra };
  if (memoryKey) h['x-api-key'] = memoryKey;
  if (functionKey) h['x-functions-key'] = functionKey;
  return h;
}

/** GET {root}{path}; the parsed JSON body. */
export async function get(path) {
  const response = await fetch(root + path, { headers: headers(), cache: 'no-store' });
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

/**
 * The server-sent event stream read with fetch rather than EventSource, which cannot send headers (the key would have
 * to go in the URL). Parses the text/event-stream frames (id, event, data, retry), hands each event to onEvent(type,
 * data), reconnects after the server's retry delay with Last-Event-ID, and reports 'open' / 'reconnecting' / 'refused'
 * to onState. `from`: the stamp to start after (null: the whole journal). Returns { close() }.
 */
export function openStream({ workflowId, from, onEvent, onState }) {
  let lastId = from || null;
  let retry = 1000;
  let closed = false;
  let controller = null;
  let timer = null;
  const url = root + 'events/stream' + (workflowId ? '?workflow_id=' + encodeURIComponent(workflowId) : '');

  async function run() {
    controller = new AbortController();
    try {
      const h = headers({ Accept: 'text/event-stream' });
      if (lastId) h['Last-Event-ID'] = lastId;
      const response = await fetch(url, { headers: h, signal: controller.signal, cache: 'no-store' });
      if (response.status === 401) { onState('refused'); return; }
      if (!response.ok || !response.body) throw new ApiError(response.status);
      onState('open');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, '\n'); // this server ends lines with \n; others may use \r\n
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (err) {
      if (closed || (err && err.name === 'AbortError')) return;
    }
    if (closed) return;
    onState('reconnecting');
    timer = setTimeout(run, retry);
  }

  function dispatch(frame) {
    let type = 'message';
    const data = [];
    for (const line of frame.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'id') lastId = value;
      else if (name === 'event') type = value;
      else if (name === 'data') data.push(value);
      else if (name === 'retry' && /^\d+$/.test(value)) retry = Number(value);
    }
    if (data.length) onEvent(type, data.join('\n'));
  }

  run();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      if (controller) controller.abort();
    },
  };
}

/** Escapes a path segment (ids may hold ':' and '@'). */
export const seg = (s) => encodeURIComponent(s);
