// A workflow's DAG: layered layout (a task's layer is its longest dependency chain), the critical path and each task's
// slack (critical path method over the tasks' durations), drawn as one SVG. Plain DOM, no library: a 1,000-node DAG is
// laid out in O(n log n) and drawn as one markup string parsed once.

const SVG = 'http://www.w3.org/2000/svg';
const NODE_W = 132;
const NODE_H = 34;
const GAP_X = 56;
const GAP_Y = 14;

/** Kahn's order of the tasks (ids), dependencies first; unknown dependencies are ignored. */
export function topoOrder(tasks) {
  const byId = new Map(tasks.map((t) => [t.task_id, t]));
  const indegree = new Map(tasks.map((t) => [t.task_id, 0]));
  const dependents = new Map(tasks.map((t) => [t.task_id, []]));
  for (const t of tasks) {
    for (const d of t.dependencies || []) {
      if (!byId.has(d)) continue;
      indegree.set(t.task_id, indegree.get(t.task_id) + 1);
      dependents.get(d).push(t.task_id);
    }
  }
  const queue = tasks.filter((t) => indegree.get(t.task_id) === 0).map((t) => t.task_id);
  const order = [];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    order.push(id);
    for (const next of dependents.get(id)) {
      indegree.set(next, indegree.get(next) - 1);
      if (indegree.get(next) === 0) queue.push(next);
    }
  }
  return { order, dependents, byId };
}

/**
 * The critical path method: each task's duration (seconds) is its measured run (completed_at - started_at) when it ran,
 * else the median of the measured ones (1 s when none ran yet). Returns earliest/latest start, slack per task, the
 * makespan and the set of critical tasks (zero slack) and critical edges (dependency whose finish sets the start).
 */
export function criticalPath(tasks, states) {
  const { order, dependents, byId } = topoOrder(tasks);
  const measured = [];
  const duration = new Map();
  for (const t of tasks) {
    const s = states.get(t.task_id);
    if (s && s.started_at && s.completed_at) {
      const d = Math.max(0, (Date.parse(s.completed_at) - Date.parse(s.started_at)) / 1000);
      duration.set(t.task_id, d);
      measured.push(d);
    }
  }
  measured.sort((a, b) => a - b);
  const typical = measured.length ? measured[Math.floor(measured.length / 2)] : 1;
  for (const t of tasks) if (!duration.has(t.task_id)) duration.set(t.task_id, typical);

  const es = new Map();
  const ef = new Map();
  for (const id of order) {
    let start = 0;
    for (const d of byId.get(id).dependencies || []) if (ef.has(d)) start = Math.max(start, ef.get(d));
    es.set(id, start);
    ef.set(id, start + duration.get(id));
  }
  let makespan = 0;
  for (const v of ef.values()) makespan = Math.max(makespan, v);
  const lf = new Map();
  const ls = new Map();
  for (let i = order.length - 1; i >= 0; i--) {
    const id = order[i];
    let finish = makespan;
    for (const n of dependents.get(id)) finish = Math.min(finish, ls.get(n));
    lf.set(id, finish);
    ls.set(id, finish - duration.get(id));
  }
  const eps = Math.max(1e-9, makespan * 1e-9);
  const slack = new Map();
  const critical = new Set();
  for (const id of order) {
    const s = Math.max(0, ls.get(id) - es.get(id));
    slack.set(id, s);
    if (s <= eps) critical.add(id);
  }
  const criticalEdges = new Set();
  for (const id of order) {
    if (!critical.has(id)) continue;
    for (const d of byId.get(id).dependencies || []) {
      if (critical.has(d) && Math.abs(ef.get(d) - es.get(id)) <= eps) criticalEdges.add(d + '\u0000' + id);
    }
  }
  return { es, slack, duration, makespan, critical, criticalEdges };
}

/** Layers (longest chain from a source) and, per layer, an order by the mean position of the dependencies. */
export function layout(tasks) {
  const { order, byId } = topoOrder(tasks);
  const layer = new Map();
  for (const id of order) {
    let l = 0;
    for (const d of byId.get(id).dependencies || []) if (layer.has(d)) l = Math.max(l, layer.get(d) + 1);
    layer.set(id, l);
  }
  const layers = [];
  for (const id of order) (layers[layer.get(id)] ||= []).push(id);
  const row = new Map();
  for (const ids of layers) {
    const keyed = ids.map((id, i) => {
      const deps = (byId.get(id).dependencies || []).filter((d) => row.has(d));
      const mean = deps.length ? deps.reduce((a, d) => a + row.get(d), 0) / deps.length : i;
      return { id, mean, i };
    });
    keyed.sort((a, b) => a.mean - b.mean || a.i - b.i);
    keyed.forEach((k, r) => row.set(k.id, r));
  }
  const pos = new Map();
  for (const id of order) pos.set(id, { x: layer.get(id) * (NODE_W + GAP_X) + 8, y: row.get(id) * (NODE_H + GAP_Y) + 8 });
  const width = layers.length * (NODE_W + GAP_X) + 16;
  const height = Math.max(...layers.map((l) => l.length), 1) * (NODE_H + GAP_Y) + 16;
  return { pos, width, height };
}

const short = (s, n) => (s.length > n ? s.slice(0, n - 1) + '…' : s);
const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ESC[c]);

// A node's look from its state and the critical path: its class, status, slack and the texts that say them.
function nodeLook(id, states, cpm) {
  if (!states) return { cls: 'node st-loading', status: 'loading', slack: '', label: `Task ${id}, state loading`, sub: 'loading…' };
  const status = (states.get(id) || {}).status || 'pending';
  const critical = cpm.critical.has(id);
  const slack = cpm.slack.get(id) || 0;
  return {
    cls: `node st-${status}${critical ? ' critical' : ''}`,
    status,
    slack: slack.toFixed(3),
    label: `Task ${id}, ${status}${critical ? ', on the critical path' : `, slack ${slack.toFixed(1)} s`}`,
    sub: `${status}${critical ? ' · critical' : ` · slack ${fmt(slack)}`}`,
  };
}

/**
 * Draws the DAG into <paramref name="container"/>: one focusable group per task (Enter or click selects it), classes by
 * status, critical tasks and edges marked. Returns { update(states), select(id) } to restyle live without redrawing.
 * With <paramref name="states"/> null the nodes read "loading" and nothing is critical until the first update.
 * The SVG is built as one markup string and parsed once (a 1,000-node DAG is about 5,000 elements: creating and
 * attributing them one DOM call at a time cost most of the drawing), with one click and one keydown listener on the
 * whole graph; updates touch only the nodes whose look changed.
 */
export function drawGraph(container, tasks, states, onSelect) {
  const { pos, width, height } = layout(tasks);
  let cpm = states ? criticalPath(tasks, states) : { es: new Map(), slack: new Map(), duration: new Map(), makespan: 0, critical: new Set(), criticalEdges: new Set() };
  const parts = [];
  parts.push(`<svg xmlns="${SVG}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="group" aria-label="Task graph, ${tasks.length} tasks" class="dag">`,
    '<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>',
    '<g class="edges" aria-hidden="true">');
  const edgeKeys = [];
  for (const t of tasks) {
    const to = pos.get(t.task_id);
    for (const d of t.dependencies || []) {
      const from = pos.get(d);
      if (!from || !to) continue;
      const x1 = from.x + NODE_W, y1 = from.y + NODE_H / 2, x2 = to.x, y2 = to.y + NODE_H / 2, mx = (x1 + x2) / 2;
      const key = d + '\u0000' + t.task_id;
      edgeKeys.push(key);
      parts.push(`<path d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}" marker-end="url(#arrow)"${cpm.criticalEdges.has(key) ? ' class="critical"' : ''}/>`);
    }
  }
  parts.push('</g><g class="nodes">');
  const drawnIds = [];
  const looks = new Map();
  for (const t of tasks) {
    const p = pos.get(t.task_id);
    if (!p) continue;
    const look = nodeLook(t.task_id, states, cpm);
    looks.set(t.task_id, look);
    drawnIds.push(t.task_id);
    parts.push(`<g class="${look.cls}" tabindex="0" role="button" transform="translate(${p.x},${p.y})" data-task-id="${esc(t.task_id)}" data-status="${look.status}"${look.slack ? ` data-slack="${look.slack}"` : ''} aria-label="${esc(look.label)}">`,
      `<rect width="${NODE_W}" height="${NODE_H}" rx="5"/><text x="8" y="14">${esc(short(t.task_id, 17))}</text><text x="8" y="28" class="sub">${esc(look.sub)}</text></g>`);
  }
  parts.push('</g></svg>');
  container.innerHTML = parts.join('');
  const svg = container.firstElementChild;

  // The elements in the order they were written: nodes, each with its sub-label, and edges.
  const nodeEls = new Map();
  const groups = svg.querySelectorAll('.nodes > g');
  for (let i = 0; i < groups.length; i++) nodeEls.set(drawnIds[i], { g: groups[i], sub: groups[i].lastChild });
  const paths = svg.querySelectorAll('.edges > path');
  const edgeEls = edgeKeys.map((key, i) => ({ path: paths[i], key }));
  let critical = new Set(edgeKeys.filter((k) => cpm.criticalEdges.has(k)));

  const target = (e) => { const g = e.target.closest && e.target.closest('g.node'); return g && svg.contains(g) ? g : null; };
  svg.addEventListener('click', (e) => { const g = target(e); if (g) onSelect(g.getAttribute('data-task-id')); });
  svg.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    const g = target(e);
    if (!g) return;
    e.preventDefault();
    onSelect(g.getAttribute('data-task-id'));
  });

  let selected = null;
  function update(next) {
    states = next;
    cpm = criticalPath(tasks, states);
    for (const [id, n] of nodeEls) {
      const look = nodeLook(id, states, cpm);
      const was = looks.get(id);
      if (was.cls !== look.cls || id === selected) n.g.setAttribute('class', look.cls + (id === selected ? ' selected' : ''));
      if (was.status !== look.status) n.g.setAttribute('data-status', look.status);
      if (was.slack !== look.slack) n.g.setAttribute('data-slack', look.slack);
      if (was.label !== look.label) n.g.setAttribute('aria-label', look.label);
      if (was.sub !== look.sub) n.sub.textContent = look.sub;
      looks.set(id, look);
    }
    const now = new Set(edgeKeys.filter((k) => cpm.criticalEdges.has(k)));
    for (const e of edgeEls) {
      const on = now.has(e.key);
      if (on !== critical.has(e.key)) e.path.setAttribute('class', on ? 'critical' : '');
    }
    critical = now;
    return cpm;
  }

  function select(id) {
    if (selected !== null && selected !== id) nodeEls.get(selected)?.g.classList.remove('selected');
    selected = nodeEls.has(id) ? id : null;
    if (selected !== null) nodeEls.get(selected).g.classList.add('selected');
  }

  return { update, select, get cpm() { return cpm; } };
}

function fmt(seconds) {
  return seconds < 10 ? seconds.toFixed(1) + ' s' : Math.round(seconds) + ' s';
}

/**
 * The attempts of a workflow's tasks from its events (HLC order): one bar per attempt, from its start (its `started`
 * event, else its `dispatched`) to the event that ended it (completed, failed, retried, cancelled). Ordered by the HLC of
 * the start.
 */
export function attemptsOf(events) {
  const open = new Map();
  const bars = [];
  for (const e of events) {
    if (!e.task_id) continue;
    const key = e.task_id + '\u0000' + e.attempt;
    if (e.kind === 'dispatched' || e.kind === 'started') {
      const bar = open.get(key);
      if (!bar) {
        const b = { task_id: e.task_id, attempt: e.attempt, hlc: e.hlc, start: Date.parse(e.at), end: null, outcome: 'running' };
        open.set(key, b);
        bars.push(b);
      } else if (e.kind === 'started') {
        bar.start = Date.parse(e.at); // the worker's own start, after its dispatch
      }
    } else if (['completed', 'failed', 'retried', 'cancelled'].includes(e.kind)) {
      const bar = open.get(key);
      if (bar && bar.end === null) {
        bar.end = Date.parse(e.at);
        bar.outcome = e.kind;
      }
    }
  }
  return bars;
}

/** Draws the Gantt chart of <paramref name="bars"/> (already in HLC order), one row per attempt, time on the x axis. */
export function drawGantt(container, bars) {
  if (!bars.length) {
    container.replaceChildren(Object.assign(document.createElement('p'), { textContent: 'No attempts yet.' }));
    return;
  }
  const now = Date.now();
  let t0 = Infinity, t1 = -Infinity;
  for (const b of bars) { t0 = Math.min(t0, b.start); t1 = Math.max(t1, b.end ?? now); }
  t1 = Math.max(t1, t0 + 1);
  const rowH = 18, labelW = 170, plotW = 720;
  const height = bars.length * rowH + 28;
  const scale = (t) => labelW + ((t - t0) / (t1 - t0)) * plotW;
  // One markup string parsed once, as for the DAG: a workflow of 1,000 tasks has 1,000 bars or more, redrawn on refresh.
  const parts = [`<svg xmlns="${SVG}" width="${labelW + plotW + 20}" height="${height}" role="img" aria-label="Timeline of ${bars.length} attempts in HLC order" class="gantt">`,
    `<text x="${labelW}" y="${height - 6}" class="axis">0 s — ${((t1 - t0) / 1000).toFixed(2)} s</text>`];
  bars.forEach((b, i) => {
    const y = i * rowH + 4;
    const x = scale(b.start);
    const title = `${b.task_id} attempt ${b.attempt}: ${b.outcome}, ${(((b.end ?? now) - b.start) / 1000).toFixed(3)} s, HLC ${b.hlc}`;
    parts.push(`<g class="bar o-${esc(b.outcome)}" data-task-id="${esc(b.task_id)}" data-attempt="${esc(b.attempt)}" data-hlc="${esc(b.hlc)}">`,
      `<text x="4" y="${y + 12}">${esc(short(`${b.task_id} #${b.attempt}`, 24))}</text>`,
      `<rect x="${x}" y="${y}" width="${Math.max(2, scale(b.end ?? now) - x)}" height="${rowH - 5}" rx="2"/><title>${esc(title)}</title></g>`);
  });
  parts.push('</svg>');
  container.innerHTML = parts.join('');
}
