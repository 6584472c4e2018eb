// The dashboard: a hash router over a few views, each built from the public API (and the dashboard's own paged reads),
// kept live by the server-sent event stream. Views: overview, workflows, tasks, one workflow (graph, timeline, details,
// actions), dead letters, workers and pools, orders. Views whose endpoints this build lacks say so instead of failing.
// When the API wants a key the page asks for it first (Sign in) and sends it on every request and on the stream.

import { get, post, seg, openStream, setKey, clearKey, hasKey, ApiError } from './api.js';
import { drawGraph, attemptsOf, drawGantt } from './graph.js';

const main = document.getElementById('main');
const live = document.getElementById('live');
const toast = document.getElementById('toast');
const sessionBox = document.getElementById('session');
const TASK_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'skipped'];
const WORKFLOW_STATUSES = ['pending', 'running', 'suspended', 'completed', 'failed'];

let capabilities = null;
let cleanup = [];
let booted = false;

// ---- helpers ------------------------------------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

function say(message, error = false) {
  toast.textContent = message;
  toast.className = 'toast show' + (error ? ' error' : '');
  clearTimeout(say.timer);
  say.timer = setTimeout(() => { toast.className = 'toast'; }, 6000);
}

const time = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const badge = (status) => h('span', { class: `badge st-${status}`, text: status });

// Route templates compared without their parameter names (workflows/{id}/tasks/{taskId}/rerun = .../{task_id}/rerun).
const shape = (route) => route.replace(/\{[^}]*\}/g, '{}');

function has(route, method = 'GET') {
  return !!capabilities && capabilities.routes.some((r) => shape(r.route) === shape(route) && r.methods.includes(method));
}

function unavailable(what, route) {
  return h('p', { class: 'note' }, `${what}: not available on this server yet (no `, h('code', { text: `/api/${route}` }), ' endpoint in this build).');
}

function view(title, ...children) {
  document.title = `${title} · ServerlessTasks`;
  main.replaceChildren(h('h2', { text: title }), ...children);
  main.focus({ preventScroll: true });
}

function table(caption, columns, rows) {
  return h('table', {},
    h('caption', { text: caption }),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', {}, rows));
}

function field(label, input) {
  const id = 'f-' + label.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), input);
}

function select(name, values, current) {
  return h('select', { name }, h('option', { value: '', text: 'any' }), values.map((v) => h('option', { value: v, text: v, selected: v === current })));
}

function query() {
  const hash = location.hash.slice(1);
  const [path, q] = hash.split('?');
  return { path: path || '/', params: new URLSearchParams(q || '') };
}

function navigate(path, params) {
  const s = params ? new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== null && v !== undefined)).toString() : '';
  location.hash = path + (s ? '?' + s : '');
}

// ---- the event stream ------------------------------------------------------------------------------------------------

// One stream for the page; views subscribe while they are shown.
const listeners = new Set();
const recent = [];
const counters = { completed: [], failed: 0, retried: 0, latencies: [] };
const starts = new Map();
let stream = null;

function connect() {
  stream = openStream({
    from: capabilities.stream_from,
    onEvent: (type, data) => {
      if (type !== 'task') return;
      const e = JSON.parse(data);
      track(e);
      for (const l of listeners) l(e);
    },
    onState: (state) => {
      if (state === 'open') { live.textContent = 'live'; live.className = 'live on'; }
      else if (state === 'refused') signIn('The API refused the key on the event stream; enter it again.');
      else { live.textContent = 'reconnecting…'; live.className = 'live'; }
    },
  });
}

function track(e) {
  recent.unshift(e);
  if (recent.length > 50) recent.pop();
  const key = e.workflow_id + '\u0000' + e.task_id + '\u0000' + e.attempt;
  if (e.kind === 'started' || (e.kind === 'dispatched' && !starts.has(key))) starts.set(key, Date.parse(e.at));
  if (e.kind === 'completed' && e.task_id) {
    counters.completed.push(Date.now());
    if (starts.has(key)) {
      counters.latencies.push(Date.parse(e.at) - starts.get(key));
      if (counters.latencies.length > 1000) counters.latencies.shift();
      starts.delete(key);
    }
  }
  if (e.kind === 'failed') counters.failed++;
  if (e.kind === 'retried') counters.retried++;
  if (starts.size > 20000) starts.clear(); // attempts whose end the page never saw
}

function subscribe(listener) {
  listeners.add(listener);
  cleanup.push(() => listeners.delete(listener));
}

function every(ms, fn) {
  const id = setInterval(fn, ms);
  cleanup.push(() => clearInterval(id));
}

function percentile(values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

// ---- views -----------------------------------------------------------------------------------------------------------

async function overview() {
  const stats = h('dl', { class: 'stats', id: 'live-stats' });
  const counts = h('dl', { class: 'stats', id: 'task-counts' });
  const health = h('section', { 'aria-labelledby': 'h-health' }, h('h3', { id: 'h-health', text: 'Health' }));
  const fleet = h('section', { 'aria-labelledby': 'h-fleet' }, h('h3', { id: 'h-fleet', text: 'Workers and pools' }));
  const events = h('tbody', { id: 'recent-events' });
  view('Overview',
    h('section', { 'aria-labelledby': 'h-live' }, h('h3', { id: 'h-live', text: 'Live (since this page opened)' }), stats),
    h('section', { 'aria-labelledby': 'h-counts' }, h('h3', { id: 'h-counts', text: 'Tasks by status (queue depth = pending)' }), counts),
    health, fleet,
    h('section', { 'aria-labelledby': 'h-recent' }, h('h3', { id: 'h-recent', text: 'Recent events' }),
      table('The last 50 task events, newest first', ['HLC', 'workflow', 'task', 'event', 'attempt'], [events])));

  const drawStats = () => {
    const minute = Date.now() - 60000;
    counters.completed = counters.completed.filter((t) => t >= minute);
    const p = (q) => { const v = percentile(counters.latencies, q); return v === null ? '—' : `${v} ms`; };
    stats.replaceChildren(
      h('dt', { text: 'Throughput' }), h('dd', { text: `${(counters.completed.length / 60).toFixed(2)} tasks/s (last minute)` }),
      h('dt', { text: 'Latency p50 / p95 / p99' }), h('dd', { text: `${p(0.5)} / ${p(0.95)} / ${p(0.99)}` }),
      h('dt', { text: 'Failures' }), h('dd', { text: String(counters.failed) }),
      h('dt', { text: 'Retries' }), h('dd', { text: String(counters.retried) }));
  };
  const drawEvents = () => events.replaceChildren(...recent.map((e) => h('tr', {},
    h('td', {}, h('code', { text: e.hlc })),
    h('td', {}, h('a', { href: `#/workflow/${seg(e.workflow_id)}`, text: e.workflow_id })),
    h('td', { text: e.task_id ?? '—' }), h('td', {}, badge(e.kind)), h('td', { text: String(e.attempt) }))));
  const drawCounts = async () => {
    try {
      const summary = await get('dashboard/data/summary');
      counts.replaceChildren(h('dt', { text: 'total' }), h('dd', { text: String(summary.total) }),
        ...TASK_STATUSES.flatMap((s) => [h('dt', {}, badge(s)), h('dd', { 'data-status': s, text: String(summary.counts[s] ?? 0) })]));
    } catch (err) { counts.replaceChildren(h('p', { class: 'note', text: `Counts unavailable: ${err.message}` })); }
  };
  drawStats(); drawEvents(); await drawCounts();
  let dirty = false;
  subscribe(() => { dirty = true; });
  every(1000, () => { drawStats(); if (dirty) { dirty = false; drawEvents(); drawCounts(); } });

  if (has('health')) {
    try {
      const report = await get('health');
      health.append(h('p', {}, badge(report.status)), h('ul', {}, (report.reasons || []).map((r) => h('li', { text: typeof r === 'string' ? r : JSON.stringify(r) }))));
    } catch (err) { health.append(h('p', { class: 'note', text: `Health unavailable: ${err.message}` })); }
  } else health.append(unavailable('Health', 'health'));
  fleet.append(await workersSummary(), await poolsSummary());
}

async function poolsSummary() {
  if (!has('pools')) return unavailable('Pools', 'pools');
  try {
    const { pools } = await get('pools');
    if (!pools.length) return h('p', { class: 'note', text: 'No pools configured.' });
    return h('dl', { class: 'stats', id: 'pool-summary' }, pools.flatMap((p) => {
      const held = p.shards.reduce((a, s) => a + s.held, 0);
      const waiting = p.shards.reduce((a, s) => a + s.waiting, 0);
      const open = p.shards.filter((s) => s.breaker !== 'closed').map((s) => `${s.key} ${s.breaker}`);
      return [h('dt', { text: `pool ${p.name}` }), h('dd', { 'data-pool': p.name, text: `${held} / ${p.max_capacity} slots held (${Math.round((100 * held) / Math.max(1, p.max_capacity))}%), ${waiting} waiting, breaker ${open.length ? open.join(', ') : 'closed'}` })];
    }));
  } catch (err) { return h('p', { class: 'note', text: `Pools unavailable: ${err.message}` }); }
}

async function workersSummary() {
  if (!has('workers')) return unavailable('Workers', 'workers');
  try {
    const workers = await get('workers');
    const list = Array.isArray(workers) ? workers : workers.items || [];
    const by = (s) => list.filter((w) => w.status === s).length;
    return h('dl', { class: 'stats' }, h('dt', { text: 'alive' }), h('dd', { text: String(by('active') + by('draining')) }),
      h('dt', { text: 'dead' }), h('dd', { text: String(by('dead')) }));
  } catch (err) { return h('p', { class: 'note', text: `Workers unavailable: ${err.message}` }); }
}

async function workflows() {
  const { params } = query();
  const form = h('form', { class: 'filters', 'aria-label': 'Workflow filters' },
    field('Status', select('status', WORKFLOW_STATUSES, params.get('status'))),
    field('Id prefix', h('input', { name: 'prefix', value: params.get('prefix') || '' })),
    field('Created from', h('input', { name: 'created_from', type: 'datetime-local', value: params.get('created_from') || '' })),
    field('Created to', h('input', { name: 'created_to', type: 'datetime-local', value: params.get('created_to') || '' })),
    field('Page size', h('input', { name: 'page_size', type: 'number', min: '1', max: '200', value: params.get('page_size') || '50' })),
    h('button', { type: 'submit', text: 'Apply' }));
  form.addEventListener('submit', (e) => { e.preventDefault(); navigate('/workflows', Object.fromEntries(new FormData(form))); });
  const body = h('tbody');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  view('Workflows', form, table('Workflows (Durable instance query, paged in the store)', ['id', 'status', 'created', 'updated'], [body]), pager);
  const q = new URLSearchParams(params);
  for (const k of ['created_from', 'created_to']) if (q.get(k)) q.set(k, new Date(q.get(k)).toISOString());
  const started = performance.now();
  const page = await get('dashboard/data/workflows?' + q.toString());
  body.replaceChildren(...page.items.map((w) => h('tr', {},
    h('td', {}, h('a', { href: `#/workflow/${seg(w.workflow_id)}`, text: w.workflow_id })),
    h('td', {}, badge(w.status)), h('td', { text: time(w.created_at) }), h('td', { text: time(w.last_updated_at) }))));
  if (!page.items.length) body.append(h('tr', {}, h('td', { colspan: '4', text: 'No workflows on this page.' })));
  const trail = (params.get('trail') || '').split(',').filter(Boolean);
  const p = Object.fromEntries(params);
  if (trail.length) pager.append(h('a', { href: '#', onclick: (e) => { e.preventDefault(); const back = [...trail]; const prev = back.pop(); navigate('/workflows', { ...p, continuation: prev === '-' ? '' : prev, trail: back.join(',') }); }, text: '← Previous' }));
  if (page.continuation) pager.append(h('a', { href: '#', rel: 'next', onclick: (e) => { e.preventDefault(); navigate('/workflows', { ...p, continuation: page.continuation, trail: [...trail, params.get('continuation') || '-'].join(',') }); }, text: 'Next →' }));
  pager.append(h('span', { class: 'note', 'data-ms': String(Math.round(performance.now() - started)), text: ` page read in ${Math.round(performance.now() - started)} ms` }));
}

async function tasks() {
  const { params } = query();
  const form = h('form', { class: 'filters', 'aria-label': 'Task filters' },
    field('Status', select('status', TASK_STATUSES, params.get('status'))),
    field('Priority', h('input', { name: 'priority', type: 'number', min: '1', max: '10', value: params.get('priority') || '' })),
    field('Id prefix', h('input', { name: 'prefix', value: params.get('prefix') || '' })),
    field('Created from', h('input', { name: 'created_from', type: 'datetime-local', value: params.get('created_from') || '' })),
    field('Created to', h('input', { name: 'created_to', type: 'datetime-local', value: params.get('created_to') || '' })),
    h('button', { type: 'submit', text: 'Apply' }));
  form.addEventListener('submit', (e) => { e.preventDefault(); navigate('/tasks', Object.fromEntries(new FormData(form))); });
  const body = h('tbody');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const canRedrive = has('tasks/{task_id}/redrive', 'POST');
  view('Tasks', form, table('Tasks, oldest first', ['task', 'workflow', 'type', 'status', 'priority', 'attempts', 'created', ...(canRedrive ? ['action'] : [])], [body]), pager);
  const limit = 50;
  const offset = Number(params.get('offset') || 0);
  const q = new URLSearchParams(params);
  q.set('limit', String(limit));
  for (const k of ['created_from', 'created_to']) if (q.get(k)) q.set(k, new Date(q.get(k)).toISOString());
  const page = await get('dashboard/data/tasks?' + q.toString());
  body.replaceChildren(...page.items.map((t) => h('tr', {},
    h('td', { text: t.task_id }), h('td', {}, h('a', { href: `#/workflow/${seg(t.workflow_id)}?task=${seg(t.task_id)}`, text: t.workflow_id })),
    h('td', { text: t.task_type }), h('td', {}, badge(t.status)), h('td', { text: String(t.priority) }),
    h('td', { text: String(t.attempts) }), h('td', { text: time(t.created_at) }),
    canRedrive ? h('td', {}, standalone(t) && t.status === 'failed'
      ? h('button', { type: 'button', class: 'redrive', 'aria-label': `Redrive task ${t.task_id}`, onclick: () => redriveTask(t.task_id) }, 'Redrive')
      : '') : null)));
  if (!page.items.length) body.append(h('tr', {}, h('td', { colspan: canRedrive ? '8' : '7', text: 'No tasks on this page.' })));
  const p = Object.fromEntries(params);
  if (offset > 0) pager.append(h('a', { href: '#', onclick: (e) => { e.preventDefault(); navigate('/tasks', { ...p, offset: Math.max(0, offset - limit) }); }, text: '← Previous' }));
  pager.append(h('span', { text: ` ${page.total ? offset + 1 : 0}–${offset + page.items.length} of ${page.total} ` }));
  if (offset + limit < page.total) pager.append(h('a', { href: '#', rel: 'next', onclick: (e) => { e.preventDefault(); navigate('/tasks', { ...p, offset: offset + limit }); }, text: 'Next →' }));
}

// A task submitted on its own (POST /api/tasks) runs as the instance task:{task_id}; only those have /tasks/{id}/redrive.
const standalone = (t) => t.workflow_id === `task:${t.task_id}`;

async function redriveTask(taskId) {
  try {
    await post(`tasks/${seg(taskId)}/redrive`);
    say(`Task ${taskId} redriven.`);
    await route();
  } catch (err) { say(err instanceof ApiError ? `${err.status}: ${err.message}` : err.message, true); }
}

async function workflow(id) {
  const { params } = query();
  const started = performance.now();
  // Both reads start together. The graph is drawn as soon as its structure arrives (nodes marked loading) and the task
  // states are applied when the workflow's read lands: of the two, the structure is the smaller read (a 1,000-task
  // workflow: 73 KiB against 300 KiB) and usually the quicker.
  const stateRead = get(`workflows/${seg(id)}`);
  stateRead.catch(() => { /* awaited below; failing first is not an unhandled rejection */ });
  const graph = await get(`dashboard/data/workflows/${seg(id)}/graph`);
  const read = performance.now();
  const header = h('div', { class: 'summary' });
  const graphBox = h('div', { class: 'graph', id: 'graph' });
  const gantt = h('div', { class: 'timeline', id: 'timeline' });
  const details = h('section', { class: 'details', id: 'details', 'aria-labelledby': 'h-details', 'aria-live': 'polite' }, h('h3', { id: 'h-details', text: 'Task details' }), h('p', { text: 'Select a task in the graph (click, or Tab and Enter).' }));
  const actions = h('section', { 'aria-labelledby': 'h-actions', class: 'actions' }, h('h3', { id: 'h-actions', text: 'Actions' }));
  view(`Workflow ${id}`, header, actions,
    h('section', { 'aria-labelledby': 'h-graph' }, h('h3', { id: 'h-graph', text: 'Graph' }),
      h('p', { class: 'legend' }, 'Thick red outline: critical path (zero slack). ', ...TASK_STATUSES.map((s) => badge(s))), graphBox),
    details,
    h('section', { 'aria-labelledby': 'h-timeline' }, h('h3', { id: 'h-timeline', text: 'Timeline of attempts (HLC order)' }), gantt));

  let current = null;
  const states = () => new Map(current.tasks.map((t) => [t.task_id, t]));
  let selected = params.get('task');
  const drawStarted = performance.now();
  const drawn = drawGraph(graphBox, graph.tasks, null, (taskId) => { selected = taskId; drawn.select(taskId); if (current) showTask(taskId); });
  // Layout and drawing alone, from the view's start (the structure read included), the structure read alone, and from
  // the view's start until the states were applied: the browser test reports them.
  graphBox.setAttribute('data-draw-ms', String(Math.round(performance.now() - drawStarted)));
  graphBox.setAttribute('data-render-ms', String(Math.round(performance.now() - started)));
  graphBox.setAttribute('data-read-ms', String(Math.round(read - started)));
  current = await stateRead;
  drawn.update(states());
  graphBox.setAttribute('data-states-ms', String(Math.round(performance.now() - started)));

  const drawHeader = () => {
    const c = current.counts || {};
    header.replaceChildren(
      h('p', {}, 'Status ', h('span', { id: 'workflow-status', 'data-status': current.status }, badge(current.status)),
        ` · ${graph.tasks.length} tasks · created ${time(current.created_at)} · updated ${time(current.last_updated_at)}`),
      h('p', { text: TASK_STATUSES.map((s) => `${s} ${c[s] ?? 0}`).join(' · ') + ` · critical path ${drawn.cpm.makespan.toFixed(2)} s` }),
      current.error ? h('p', { class: 'error-text', text: current.error }) : null);
  };

  const showTask = async (taskId) => {
    const t = current.tasks.find((x) => x.task_id === taskId);
    const spec = graph.tasks.find((x) => x.task_id === taskId);
    if (!t || !spec) return;
    const cpm = drawn.cpm;
    const rows = [
      ['status', badge(t.status)], ['type', t.task_type], ['priority', String(t.priority)], ['attempts', String(t.attempts)],
      ['worker', t.worker_id ?? '—'], ['dependencies', spec.dependencies.join(', ') || 'none'],
      ['started', time(t.started_at)], ['completed', time(t.completed_at)],
      ['slack', cpm.critical.has(taskId) ? '0 (critical path)' : `${(cpm.slack.get(taskId) || 0).toFixed(2)} s`],
      ['result', h('pre', { text: t.result === null || t.result === undefined ? '—' : JSON.stringify(t.result, null, 2) })],
      ['error', t.error ?? '—'],
    ];
    // The API reruns a failed or cancelled task and its skipped dependents; completed tasks keep their results.
    const rerun = !has('workflows/{id}/tasks/{task_id}/rerun', 'POST')
      ? h('p', { class: 'note', text: 'Retry / rerun from a task: not available on this server yet (no /api/workflows/{id}/tasks/{task_id}/rerun endpoint).' })
      : ['failed', 'cancelled'].includes(t.status)
        ? h('button', { type: 'button', id: 'rerun', onclick: () => act(() => post(`workflows/${seg(id)}/tasks/${seg(taskId)}/rerun`), `Rerun from ${taskId} requested.`) }, t.status === 'failed' ? `Retry ${taskId} and rerun its dependents` : `Rerun from ${taskId}`)
        : h('p', { class: 'note', text: `Rerun applies to a failed or cancelled task (this one is ${t.status}).` });
    let payload = '—';
    try { payload = JSON.stringify((await get(`tasks/${seg(taskId)}/events?workflow_id=${seg(id)}`)).events.map((e) => `${e.hlc} ${e.kind} #${e.attempt}`), null, 1); } catch { /* events are optional here */ }
    details.replaceChildren(h('h3', { id: 'h-details', text: `Task ${taskId}` }),
      h('dl', { class: 'kv' }, rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)])),
      h('details', {}, h('summary', { text: 'Events' }), h('pre', { text: payload })), rerun);
  };

  const act = async (call, done) => {
    try { await call(); say(done); await refresh(); } catch (err) { say(err instanceof ApiError ? `${err.status}: ${err.message}` : err.message, true); }
  };
  const eventName = h('input', { name: 'event', placeholder: 'approval:task-id' });
  const eventBody = h('textarea', { name: 'body', rows: '2', placeholder: '{"by": "me"}' });
  actions.append(
    h('button', { type: 'button', id: 'cancel-workflow', onclick: () => { if (confirm(`Cancel workflow ${id}?`)) act(() => post(`workflows/${seg(id)}/cancel?reason=${seg('cancelled from the dashboard')}`), 'Cancel requested.'); } }, 'Cancel workflow'),
    h('form', { class: 'inline', 'aria-label': 'Raise an event', onsubmit: (e) => {
      e.preventDefault();
      let body;
      try { body = eventBody.value.trim() ? JSON.parse(eventBody.value) : undefined; } catch { say('The event body is not JSON.', true); return; }
      act(() => post(`workflows/${seg(id)}/events/${seg(eventName.value)}`, body), `Event ${eventName.value} raised.`);
    } }, field('Event name', eventName), field('Event body (JSON)', eventBody), h('button', { type: 'submit', text: 'Raise event' })),
    h('a', { href: `#/dead-letters?workflow=${seg(id)}`, text: 'Dead letters of this workflow' }));

  const drawTimeline = async () => {
    const events = await get(`workflows/${seg(id)}/events`);
    drawGantt(gantt, attemptsOf(events.events));
  };

  const refresh = async () => {
    current = await get(`workflows/${seg(id)}`);
    drawn.update(states());
    drawHeader();
    if (selected) { drawn.select(selected); showTask(selected); }
    await drawTimeline();
  };

  drawHeader();
  if (selected) { drawn.select(selected); showTask(selected); }
  await drawTimeline();
  // Live: an event of this workflow marks the view stale; it is re-read at most once a second (a burst of 1,000 task
  // events is one read). While it runs it is re-read every 3 s too, so a dropped stream does not freeze the view.
  let dirty = false;
  let busy = false;
  subscribe((e) => { if (e.workflow_id === id) dirty = true; });
  let quiet = 0;
  every(1000, async () => {
    const running = !['completed', 'failed', 'cancelled'].includes(current.status);
    quiet++;
    if (busy || !(dirty || (running && quiet >= 3))) return;
    busy = true; dirty = false; quiet = 0;
    try { await refresh(); } catch (err) { say(err.message, true); } finally { busy = false; }
  });
}

async function deadLetters() {
  const { params } = query();
  const only = params.get('workflow');
  const body = h('tbody');
  const all = h('button', { type: 'button', id: 'redrive-all', text: 'Redrive all' });
  const tasksSection = h('section', { 'aria-labelledby': 'h-dead-tasks' }, h('h3', { id: 'h-dead-tasks', text: 'Tasks that failed after their retries' }));
  view('Dead letters', only ? h('p', {}, `Workflow ${only} only. `, h('a', { href: '#/dead-letters', text: 'Show all' })) : null,
    h('section', { 'aria-labelledby': 'h-dead-callbacks' }, h('h3', { id: 'h-dead-callbacks', text: 'Callback deliveries' }),
      table('Callback deliveries that gave up (oldest first)', ['id', 'workflow', 'task', 'event', 'url', 'attempts', 'last error', 'dead-lettered', 'action'], [body]), all),
    only ? null : tasksSection);
  const load = async () => {
    const page = await get('callbacks/dead-letters?limit=500');
    const items = page.items.filter((d) => !only || d.workflow_id === only);
    body.replaceChildren(...items.map((d) => h('tr', { 'data-id': d.id },
      h('td', {}, h('code', { text: d.id })), h('td', {}, h('a', { href: `#/workflow/${seg(d.workflow_id)}`, text: d.workflow_id })),
      h('td', { text: d.task_id ?? '—' }), h('td', { text: d.event }), h('td', { text: d.url }), h('td', { text: String(d.attempts) }),
      h('td', { text: d.last_error ?? '—' }), h('td', { text: time(d.dead_lettered_at) }),
      h('td', {}, h('button', { type: 'button', class: 'redrive', 'aria-label': `Redrive ${d.id}`, onclick: () => redrive({ ids: [d.id] }) }, 'Redrive')))));
    if (!items.length) body.append(h('tr', {}, h('td', { colspan: '9', text: 'No dead letters.' })));
    all.disabled = !items.length;
  };
  const redrive = async (request) => {
    try {
      const result = await post('callbacks/dead-letters/redrive', request);
      say(`Redriven: ${result.redriven.length}${result.not_found.length ? `, not found: ${result.not_found.length}` : ''}.`);
      await load();
    } catch (err) { say(err.message, true); }
  };
  all.addEventListener('click', () => { if (confirm('Redrive every dead letter?')) redrive({ all: true }); });
  await load();
  if (!only) await deadTasks(tasksSection);
}

// Standalone tasks dead-lettered after their retries (GET /api/dead-letters/tasks), each redriven on its own.
async function deadTasks(section) {
  if (!has('dead-letters/tasks')) { section.append(unavailable('Dead-lettered tasks', 'dead-letters/tasks')); return; }
  const body = h('tbody', { id: 'dead-tasks' });
  section.append(table('Dead-lettered tasks (oldest first)', ['task', 'type', 'attempts', 'redrives', 'last error', 'failed', 'action'], [body]));
  const load = async () => {
    const page = await get('dead-letters/tasks?limit=500');
    body.replaceChildren(...page.items.map((t) => h('tr', { 'data-task-id': t.task_id },
      h('td', {}, h('a', { href: `#/workflow/${seg(`task:${t.task_id}`)}`, text: t.task_id })), h('td', { text: t.task_type }),
      h('td', { text: String(t.attempts) }), h('td', { text: String(t.redrives ?? 0) }), h('td', { text: t.error ?? '—' }),
      h('td', { text: time(t.failed_at) }),
      h('td', {}, has('tasks/{task_id}/redrive', 'POST')
        ? h('button', { type: 'button', class: 'redrive', 'aria-label': `Redrive task ${t.task_id}`, onclick: async () => {
          try { await post(`tasks/${seg(t.task_id)}/redrive`); say(`Task ${t.task_id} redriven.`); await load(); } catch (err) { say(err instanceof ApiError ? `${err.status}: ${err.message}` : err.message, true); }
        } }, 'Redrive')
        : '—'))));
    if (!page.items.length) body.append(h('tr', {}, h('td', { colspan: '7', text: 'No dead-lettered tasks.' })));
  };
  await load();
}

async function workers() {
  const section = h('section', { 'aria-labelledby': 'h-workers' }, h('h3', { id: 'h-workers', text: 'Workers' }));
  const poolSection = h('section', { 'aria-labelledby': 'h-pools' }, h('h3', { id: 'h-pools', text: 'Pools' }));
  view('Workers and pools', section, poolSection);
  if (!has('workers')) section.append(unavailable('Workers', 'workers'));
  else {
    const list = await get('workers');
    const items = Array.isArray(list) ? list : list.items || [];
    section.append(table(`Registered workers (${items.length})`, ['worker', 'status', 'capabilities', 'tasks', 'last heartbeat'], [h('tbody', { id: 'workers' },
      items.length ? items.map((w) => h('tr', { 'data-worker-id': w.worker_id },
        h('td', { class: 'c-id' }, h('code', { text: w.worker_id })), h('td', { class: 'c-status' }, badge(w.status)),
        h('td', { class: 'c-capabilities', text: (w.capabilities || []).join(', ') }),
        h('td', { class: 'c-tasks', text: `${w.current_tasks ?? 0} / ${w.max_concurrent_tasks ?? '?'}` }),
        h('td', { class: 'c-heartbeat', text: time(w.last_heartbeat_at) })))
        : [h('tr', {}, h('td', { colspan: '5', text: 'No workers registered.' }))])]));
  }
  if (!has('pools')) { poolSection.append(unavailable('Pools', 'pools')); return; }
  const { pools } = await get('pools');
  if (!pools.length) { poolSection.append(h('p', { class: 'note', text: 'No pools configured (Pools:<name>:Capacity).' })); return; }
  for (const pool of pools) {
    poolSection.append(h('h4', { text: `${pool.name}: capacity ${pool.max_capacity}, policy ${pool.policy}, task types ${pool.task_types.join(', ')}` }),
      table(`Shards of pool ${pool.name}`, ['shard', 'held', 'waiting', 'capacity now', 'breaker', 'grants', 'successes', 'failures', 'expired'],
        [h('tbody', { 'data-pool': pool.name }, pool.shards.map((sh) => h('tr', { 'data-shard': sh.key },
          h('td', { class: 'c-key' }, h('code', { text: sh.key })), h('td', { class: 'c-held', text: `${sh.held} / ${sh.max_capacity}` }),
          h('td', { class: 'c-waiting', text: String(sh.waiting) }), h('td', { class: 'c-capacity', text: String(sh.capacity) }),
          h('td', { class: 'c-breaker' }, badge(sh.breaker)), h('td', { class: 'c-grants', text: String(sh.grants) }),
          h('td', { class: 'c-successes', text: String(sh.successes) }), h('td', { class: 'c-failures', text: String(sh.failures) }),
          h('td', { class: 'c-expired', text: String(sh.expired) }))))]));
  }
}

async function orders() {
  if (!has('orders')) { view('Orders', unavailable('Orders', 'orders')); return; }
  const { params } = query();
  const limit = 100;
  const offset = Number(params.get('offset') || 0);
  const page = await get(`orders?limit=${limit}&offset=${offset}`);
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  view('Orders', table(`Orders, oldest first (${page.total})`, ['order', 'status', 'tier', 'customer', 'amount', 'retries', 'accepted', 'duration'],
    [h('tbody', { id: 'orders' }, page.items.length ? page.items.map((o) => h('tr', { 'data-order-id': o.order_id },
      h('td', { class: 'c-id' }, h('a', { href: `#/workflow/${seg(o.workflow_id)}`, text: o.order_id })), h('td', { class: 'c-status' }, badge(o.status)),
      h('td', { class: 'c-tier', text: o.tier }), h('td', { class: 'c-customer', text: o.customer_id }),
      h('td', { class: 'c-amount', text: `${o.amount} ${o.currency}` }), h('td', { class: 'c-retries', text: String(o.retries) }),
      h('td', { class: 'c-accepted', text: time(o.accepted_at) }),
      h('td', { class: 'c-duration', text: o.duration_ms === null || o.duration_ms === undefined ? 'running' : `${Math.round(o.duration_ms)} ms` })))
      : [h('tr', {}, h('td', { colspan: '8', text: 'No orders.' }))])]), pager);
  if (offset > 0) pager.append(h('a', { href: `#/orders?offset=${Math.max(0, offset - limit)}`, text: '← Previous' }));
  if (offset + limit < page.total) pager.append(h('a', { href: `#/orders?offset=${offset + limit}`, rel: 'next', text: 'Next →' }));
}

// ---- router ----------------------------------------------------------------------------------------------------------

async function route() {
  for (const c of cleanup) c();
  cleanup = [];
  const { path } = query();
  main.removeAttribute('data-ready');
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === '#' + path) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  try {
    if (path === '/') await overview();
    else if (path === '/workflows') await workflows();
    else if (path === '/tasks') await tasks();
    else if (path.startsWith('/workflow/')) await workflow(decodeURIComponent(path.slice('/workflow/'.length)));
    else if (path === '/dead-letters') await deadLetters();
    else if (path === '/workers') await workers();
    else if (path === '/orders') await orders();
    else view('Not found', h('p', { text: `No view ${path}.` }));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) { signIn('The API refused the key; enter it again.'); return; }
    view('Error', h('p', { class: 'error-text', role: 'alert', text: err instanceof ApiError ? `${err.status}: ${err.message}` : err.message }));
  }
  main.setAttribute('data-ready', path);
}

// ---- the API key -----------------------------------------------------------------------------------------------------

function signIn(message) {
  booted = false;
  if (stream) { stream.close(); stream = null; }
  for (const c of cleanup) c();
  cleanup = [];
  clearKey();
  sessionBox.replaceChildren();
  live.textContent = 'signed out'; live.className = 'live';
  const input = h('input', { type: 'password', name: 'api_key', autocomplete: 'off', spellcheck: 'false', required: true });
  const note = h('p', { id: 'sign-in-error', class: 'error-text', role: 'alert' }, message || '');
  const form = h('form', { id: 'sign-in', 'aria-label': 'Sign in' },
    h('p', { text: 'This API wants a key. The page keeps it in this tab only (sessionStorage, gone when the tab closes) and sends it in the x-api-key header on every request.' }),
    field('API key', input), h('button', { type: 'submit', text: 'Sign in' }), note);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    setKey(input.value.trim());
    let session;
    try { session = await get('dashboard/data/session'); } catch (err) { note.textContent = err.message; return; }
    if (!session.authenticated) { clearKey(); note.textContent = 'That key was refused.'; input.select(); return; }
    // The dashboard sees every tenant: the API answers a tenant's key 403 on it, so say so here instead.
    if (session.tenant) { clearKey(); note.textContent = `That key is for tenant ${session.tenant}; the dashboard needs an operator key (one without a tenant).`; input.select(); return; }
    await boot(session);
  });
  view('Sign in', form);
  main.setAttribute('data-ready', '/sign-in');
  input.focus();
}

function showSession(session) {
  if (!session.api_key_required) { sessionBox.replaceChildren(); return; }
  sessionBox.replaceChildren(h('span', { id: 'client', text: `Signed in as ${session.client}` }), ' ',
    h('button', { type: 'button', id: 'sign-out', class: 'quiet', onclick: () => signIn('Signed out.') }, 'Sign out'));
}

async function boot(session) {
  showSession(session);
  try { capabilities = await get('dashboard/data/capabilities'); } catch { capabilities = { routes: [] }; }
  connect();
  booted = true;
  await route();
}

async function start() {
  window.addEventListener('hashchange', () => { if (booted) route(); });
  let session;
  try { session = await get('dashboard/data/session'); } catch (err) {
    view('Error', h('p', { class: 'error-text', role: 'alert', text: `The API did not answer: ${err.message}` }));
    main.setAttribute('data-ready', '/error');
    return;
  }
  if (session.api_key_required && (!session.authenticated || session.tenant)) { signIn(hasKey() ? 'The key kept for this tab was refused; enter it again.' : ''); return; }
  await boot(session);
}

start();
