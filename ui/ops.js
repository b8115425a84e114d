/* Operations: attestations (filters and a chart of verdicts over time), reference values and
 * policies (view, edit; the service's validation error shown at its line), collateral expiry with
 * the early-warning window, resources (names and policies only). Admin token: session storage. */
'use strict';

const OPS = {};
const STATUS_COLOURS = { affirming: '#1b7f3b', warning: '#b7791f', contraindicated: '#c53030', none: '#718096' };

OPS.login = async function (token) {
  UA.clearError('login-error');
  /* a call that needs the token: the service says whether it is one of its admin tokens */
  try {
    await UA.api('GET', '/v1/reference-values', { admin: true, token });
  } catch (e) {
    sessionStorage.removeItem('uattest.admin');
    throw e;
  }
  sessionStorage.setItem('uattest.admin', token);
};

OPS.enter = function () {
  document.getElementById('login-box').classList.add('hidden');
  document.getElementById('ops').classList.remove('hidden');
  document.getElementById('who').textContent = 'admin session';
  OPS.refreshAll();
};

OPS.guard = async function (errId, fn) {
  UA.clearError(errId);
  try { await fn(); } catch (e) {
    UA.showError(errId, e);
    if (e.status === 401 || e.status === 403) { UA.showError('login-error', e); }
  }
};

OPS.refreshAll = function () {
  OPS.guard('att-error', OPS.loadAttestations);
  OPS.guard('rv-error', OPS.loadRefvals);
  OPS.guard('pol-error', OPS.loadPolicies);
  OPS.guard('coll-error', OPS.loadCollateral);
  OPS.guard('res-error', OPS.loadResources);
};

/* ---- attestations ---- */

OPS.loadAttestations = async function () {
  const q = new URLSearchParams({ limit: '1000' });
  for (const [id, k] of [['f-tee', 'tee'], ['f-status', 'status'], ['f-since', 'since'], ['f-until', 'until']]) {
    const v = document.getElementById(id).value.trim();
    if (v) { q.set(k, v); }
  }
  const r = await UA.api('GET', '/v1/attestations?' + q.toString(), { admin: true });
  const body = document.querySelector('#att-table tbody');
  body.replaceChildren();
  for (const a of r.attestations.slice(0, 100)) {
    body.append(UA.el('tr', { 'data-id': String(a.id), 'data-tee': a.tee, 'data-status': a.status },
      UA.el('td', { text: String(a.id) }), UA.el('td', { text: a.time }), UA.el('td', { text: a.tee || '—' }),
      UA.el('td', {}, UA.badge(a.status)), UA.el('td', { text: a.policy_id || 'default' }),
      UA.el('td', { class: 'mono', text: a.evidence_sha256.slice(0, 16) + '…' })));
  }
  document.getElementById('att-note').textContent = r.attestations.length + ' attestations match' +
    (r.attestations.length > 100 ? ' (the newest 100 are listed, all are charted)' : '') +
    (r.truncated ? '; the scan stopped early: narrow the time range' : '');
  OPS.chart(r.attestations);
  document.getElementById('att-table').dataset.query = q.toString(); /* what is shown */
};

/* Stacked bars: verdicts per time bucket, one colour per status. */
OPS.chart = function (items) {
  const svg = document.getElementById('chart');
  svg.replaceChildren();
  svg.dataset.total = String(items.length);
  const W = 900, H = 180, L = 40, B = 24, n = 24;
  const legend = document.getElementById('chart-legend');
  legend.replaceChildren(...Object.keys(STATUS_COLOURS).map((s) => {
    const c = items.filter((a) => a.status === s).length;
    const i = UA.el('i', { class: 's-' + s });
    return UA.el('span', { 'data-status': s, 'data-count': String(c) }, i, s + ' ' + c);
  }));
  if (!items.length) {
    svg.append(Object.assign(UA.svg('text', { x: L, y: H / 2 }), { textContent: 'no attestations in this range' }));
    return;
  }
  const ts = items.map((a) => a.unix_time);
  let lo = Math.min(...ts), hi = Math.max(...ts) + 1;
  if (hi - lo < n) { lo = hi - n; }
  const step = (hi - lo) / n;
  const buckets = Array.from({ length: n }, () => ({}));
  for (const a of items) {
    const b = Math.min(n - 1, Math.floor((a.unix_time - lo) / step));
    buckets[b][a.status] = (buckets[b][a.status] || 0) + 1;
  }
  const max = Math.max(1, ...buckets.map((b) => Object.values(b).reduce((x, y) => x + y, 0)));
  const bw = (W - L - 10) / n;
  svg.append(UA.svg('line', { x1: L, y1: H - B, x2: W - 5, y2: H - B, stroke: '#a0aec0' }));
  svg.append(Object.assign(UA.svg('text', { x: 2, y: 12 }), { textContent: String(max) }));
  buckets.forEach((b, i) => {
    let y = H - B;
    for (const s of Object.keys(STATUS_COLOURS)) {
      const c = b[s] || 0;
      if (!c) { continue; }
      const h = (H - B - 10) * c / max;
      y -= h;
      const r = UA.svg('rect', { x: L + i * bw + 1, y, width: bw - 2, height: h, fill: STATUS_COLOURS[s],
        class: 'bar-' + s, 'data-count': c });
      r.append(Object.assign(UA.svg('title'), { textContent: c + ' ' + s }));
      svg.append(r);
    }
  });
  const label = (t, x, anchor) => svg.append(Object.assign(UA.svg('text', { x, y: H - 6, 'text-anchor': anchor }),
    { textContent: new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ') }));
  label(lo, L, 'start');
  label(hi, W - 5, 'end');
};

/* ---- editors: reference values and policies ---- */

OPS.renderLines = function (linesId, text, errLine) {
  const box = document.getElementById(linesId);
  box.replaceChildren(...text.split('\n').map((l, i) => {
    const d = UA.el('div', { 'data-line': String(i + 1), class: i + 1 === errLine ? 'error-line' : '' },
      UA.el('b', { text: String(i + 1) }), l);
    return d;
  }));
  const bad = box.querySelector('.error-line');
  if (bad) { bad.scrollIntoView({ block: 'nearest' }); }
};

/* The line an error is at: "line N[, column M]" in its detail (the JSON parser's or Lua's
 * "policy:N:"), else the first line naming the field the error names. */
OPS.errorLine = function (problem, text) {
  const d = (problem.detail || '') + ' ' + (problem.message || '');
  let m = d.match(/line (\d+)(?:, column (\d+))?/) || d.match(/policy:(\d+):/);
  if (m) { return { line: Number(m[1]), column: m[2] ? Number(m[2]) : null }; }
  m = d.match(/field ([A-Za-z0-9_.:-]+)/) || d.match(/"([A-Za-z0-9_.:-]+)"/);
  if (m) {
    const key = m[1].split('.').pop();
    const i = text.split('\n').findIndex((l) => l.includes('"' + key + '"'));
    if (i >= 0) { return { line: i + 1, column: null }; }
  }
  return null;
};

OPS.editor = function (kind) {
  const ids = { text: kind + '-text', lines: kind + '-lines', id: kind + '-id', err: kind + '-error', saved: kind + '-saved' };
  const path = kind === 'rv' ? '/v1/reference-values/' : '/v1/policies/';
  const text = document.getElementById(ids.text);
  text.addEventListener('input', () => OPS.renderLines(ids.lines, text.value, 0));
  document.getElementById(kind + '-save').addEventListener('click', () => OPS.guard(ids.err, async () => {
    const id = document.getElementById(ids.id).value.trim();
    document.getElementById(ids.saved).textContent = '';
    if (!id) { throw new Error('give the document an id'); }
    try {
      const r = await UA.api('PUT', path + encodeURIComponent(id), { admin: true, text: text.value,
        contentType: text.value.trim().startsWith('{') ? 'application/json' : 'text/x-lua' });
      document.getElementById(ids.saved).textContent = (r.created ? 'created ' : 'saved ') + id;
      OPS.renderLines(ids.lines, text.value, 0);
      await (kind === 'rv' ? OPS.loadRefvals() : OPS.loadPolicies());
    } catch (e) {
      const at = e.problem ? OPS.errorLine(e.problem, text.value) : null;
      OPS.renderLines(ids.lines, text.value, at ? at.line : 0);
      if (at) { e.message = 'line ' + at.line + (at.column ? ', column ' + at.column : '') + ': ' + e.message; }
      throw e;
    }
  }));
  return ids;
};

OPS.open = async function (kind, id) {
  const path = (kind === 'rv' ? '/v1/reference-values/' : '/v1/policies/') + encodeURIComponent(id);
  const doc = await UA.api('GET', path, { admin: true });
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2);
  document.getElementById(kind + '-id').value = id;
  document.getElementById(kind + '-text').value = text;
  OPS.renderLines(kind + '-lines', text, 0);
};

OPS.loadRefvals = async function () {
  const r = await UA.api('GET', '/v1/reference-values', { admin: true });
  const body = document.querySelector('#rv-table tbody');
  body.replaceChildren(...r.reference_values.map((x) => {
    const b = UA.el('button', { class: 'secondary', text: 'edit' });
    b.addEventListener('click', () => OPS.guard('rv-error', () => OPS.open('rv', x.id)));
    return UA.el('tr', { 'data-id': x.id }, UA.el('td', { text: x.id }),
      UA.el('td', { text: x.document && x.document.tee ? x.document.tee : '—' }),
      UA.el('td', { text: x.updated_at }), UA.el('td', {}, b));
  }));
};

OPS.loadPolicies = async function () {
  const r = await UA.api('GET', '/v1/policies', { admin: true });
  const body = document.querySelector('#pol-table tbody');
  body.replaceChildren(...r.policies.map((x) => {
    const b = UA.el('button', { class: 'secondary', text: 'edit' });
    b.addEventListener('click', () => OPS.guard('pol-error', () => OPS.open('pol', x.id)));
    return UA.el('tr', { 'data-id': x.id }, UA.el('td', { text: x.id }), UA.el('td', { text: x.updated_at }),
      UA.el('td', {}, b));
  }));
};

/* ---- collateral ---- */

OPS.loadCollateral = async function () {
  const days = document.getElementById('warn-days').value.trim() || '30';
  const r = await UA.api('GET', '/v1/collateral/status?warn_days=' + encodeURIComponent(days), { admin: true });
  document.getElementById('coll-earliest').textContent = r.earliest_expiry || '—';
  const body = document.querySelector('#coll-table tbody');
  body.replaceChildren(...r.items.map((c) => UA.el('tr', { 'data-state': c.state, 'data-tee': c.tee },
    UA.el('td', { text: c.source }), UA.el('td', { text: c.tee || '—' }), UA.el('td', { class: 'mono', text: c.file }),
    UA.el('td', { text: c.kind }), UA.el('td', { text: c.name }),
    UA.el('td', { text: (c.not_before || '?') + ' → ' + (c.not_after || '?') }), UA.el('td', {}, UA.badge(c.state)))));
  OPS.timeline(r);
};

/* Expiry dates on a time axis, the warning window shaded from now. */
OPS.timeline = function (r) {
  const svg = document.getElementById('timeline');
  svg.replaceChildren();
  const now = Date.parse(r.now), warn = r.warn_days * 86400000;
  const ends = r.items.map((c) => Date.parse(c.not_after)).filter((x) => !isNaN(x));
  if (!ends.length) { return; }
  const lo = Math.min(now - 30 * 86400000, ...ends), hi = Math.max(now + warn + 30 * 86400000, ...ends);
  const W = 900, L = 10, x = (t) => L + (W - 2 * L) * (t - lo) / (hi - lo);
  svg.append(UA.svg('rect', { x: x(now), y: 8, width: Math.max(1, x(now + warn) - x(now)), height: 30,
    fill: '#fefcbf', id: 'warn-window' }));
  svg.append(UA.svg('line', { x1: L, y1: 38, x2: W - L, y2: 38, stroke: '#a0aec0' }));
  svg.append(UA.svg('line', { x1: x(now), y1: 4, x2: x(now), y2: 42, stroke: '#1a202c' }));
  for (const c of r.items) {
    const t = Date.parse(c.not_after);
    if (isNaN(t)) { continue; }
    const colour = c.state === 'expired' ? '#c53030' : c.state === 'warning' ? '#b7791f' : '#1b7f3b';
    const m = UA.svg('circle', { cx: x(t), cy: 24, r: 4, fill: colour, class: 'expiry-' + c.state });
    m.append(Object.assign(UA.svg('title'), { textContent: c.name + ' (' + c.file + ') ' + c.not_after }));
    svg.append(m);
  }
  const label = (t, px, anchor) => svg.append(Object.assign(UA.svg('text', { x: px, y: 55, 'text-anchor': anchor }),
    { textContent: new Date(t).toISOString().slice(0, 10) }));
  label(lo, L, 'start');
  label(now, x(now), 'middle');
  label(hi, W - L, 'end');
};

/* ---- resources ---- */

OPS.loadResources = async function () {
  const r = await UA.api('GET', '/v1/resources', { admin: true });
  const body = document.querySelector('#res-table tbody');
  const rows = [];
  for (const x of r.resources.slice(0, 50)) {
    const one = await UA.api('GET', '/v1/resources/' + x.path.split('/').map(encodeURIComponent).join('/'), { admin: true });
    rows.push(UA.el('tr', { 'data-path': x.path }, UA.el('td', { class: 'mono', text: x.path }),
      UA.el('td', { class: 'mono', text: JSON.stringify(one.policy) }), UA.el('td', { text: x.updated_at })));
  }
  body.replaceChildren(...rows);
};

document.addEventListener('DOMContentLoaded', () => {
  OPS.editor('rv');
  OPS.editor('pol');
  document.getElementById('login-btn').addEventListener('click', async () => {
    try {
      await OPS.login(document.getElementById('admin-token').value.trim());
      document.getElementById('admin-token').value = '';
      OPS.enter();
    } catch (e) { UA.showError('login-error', e); }
  });
  document.getElementById('logout-btn').addEventListener('click', () => {
    sessionStorage.removeItem('uattest.admin');
    location.reload();
  });
  document.getElementById('refresh-btn').addEventListener('click', OPS.refreshAll);
  document.getElementById('att-apply').addEventListener('click', () => OPS.guard('att-error', OPS.loadAttestations));
  document.getElementById('coll-apply').addEventListener('click', () => OPS.guard('coll-error', OPS.loadCollateral));
  if (sessionStorage.getItem('uattest.admin')) { OPS.enter(); }
});
