// Monitoring (seed 000, 监控): request rate, latency and errors per API,
// from the gateway's /metrics, refreshed on a timer. Two readings make a
// rate; the polling does not keep the session alive.

import { h, all, route, request, onLeave, page, field, code, errorNode, state } from './app.js';

const HISTORY = 30;

route('/monitor', async () => {
  const services = await all('DescribeServicesStatus', {}, 'ServiceSet');
  const names = new Map(); // ApiId → name
  const svcNames = new Map(services.map((s) => [s.ServiceId, s.ServiceName]));
  const loadNames = async () => {
    for (const s of services) {
      const apis = await all('DescribeApisStatus', { ServiceId: s.ServiceId }, 'ApiIdStatusSet');
      for (const a of apis) names.set(a.ApiId, `${a.ApiName} (${a.Method} ${a.Path})`);
    }
  };
  await loadNames();

  const svcF = field({ name: 'service', label: 'Service', type: 'select', options: [['', 'All services'], ...services.map((s) => [s.ServiceId, s.ServiceName])] }, 'mon');
  const envF = field({ name: 'environment', label: 'Environment', type: 'select', options: [['', 'All environments'], 'test', 'prepub', 'release'] }, 'mon');
  const everyF = field({ name: 'every', label: 'Refresh every', type: 'select', options: [['2000', '2 seconds'], ['5000', '5 seconds'], ['10000', '10 seconds'], ['0', 'paused']], value: '2000' }, 'mon');
  const updated = h('p', { class: 'hint', id: 'mon-updated', 'aria-live': 'off' }, 'Reading…');
  const summary = h('dl', { class: 'cards', id: 'mon-summary' });
  const tableBox = h('div', { id: 'mon-table' });
  const err = h('div', { class: 'error', role: 'alert', hidden: true, id: 'mon-error' });

  const prev = new Map(); // key → last sample
  const hist = new Map(); // key → recent req/s
  let prevGateway = null;
  let timer = null;
  let stopped = false;

  const tick = async () => {
    if (stopped) return;
    let m;
    try {
      m = await request('GET', '/console/api/metrics');
      err.hidden = true;
    } catch (ex) {
      err.hidden = false;
      err.replaceChildren(...errorNode(ex));
      schedule();
      return;
    }
    if (m.Apis.some((a) => !names.has(a.ApiId))) await loadNames().catch(() => {});
    render(m);
    schedule();
  };
  const schedule = () => {
    clearTimeout(timer);
    const every = Number(everyF.input.value);
    if (every > 0 && !stopped) timer = setTimeout(tick, every);
  };
  everyF.input.addEventListener('change', () => { schedule(); if (Number(everyF.input.value) > 0) tick(); });
  svcF.input.addEventListener('change', () => tick());
  envF.input.addEventListener('change', () => tick());
  onLeave(() => { stopped = true; clearTimeout(timer); });

  const render = (m) => {
    const now = m.TimeMs;
    const rows = [];
    for (const a of m.Apis) {
      const key = `${a.ServiceId}|${a.Environment}|${a.ApiId}`;
      const p = prev.get(key);
      const dt = p ? (now - p.TimeMs) / 1000 : 0;
      const d = (f) => (p && dt > 0 ? Math.max(0, a[f] - p[f]) : 0);
      const rate = p && dt > 0 ? d('Requests') / dt : 0;
      const n = d('LatencyCount');
      const mean = n > 0 ? (d('LatencySum') / n) * 1000 : null;
      const p99 = p && n > 0 ? quantile(m.Bounds, a.Buckets, p.Buckets, 0.99) : null;
      const h0 = hist.get(key) || [];
      if (p) { h0.push(rate); if (h0.length > HISTORY) h0.shift(); }
      hist.set(key, h0);
      prev.set(key, { ...a, TimeMs: now });
      if (svcF.input.value && a.ServiceId !== svcF.input.value) continue;
      if (envF.input.value && a.Environment !== envF.input.value) continue;
      const errors = a.FrontendErrors + a.BackendErrors;
      rows.push({ a, rate, mean, p99, errors, hist: h0 });
    }
    const g = m.Gateway || {};
    const gRate = prevGateway && now > prevGateway.TimeMs ? ((g.edgegate_requests_total || 0) - (prevGateway.g.edgegate_requests_total || 0)) / ((now - prevGateway.TimeMs) / 1000) : null;
    prevGateway = { TimeMs: now, g };
    summary.replaceChildren(
      card('Requests per second', gRate == null ? '…' : gRate.toFixed(1)),
      card('Requests served', fmt(g.edgegate_requests_total)),
      card('Open connections', fmt(g.edgegate_connections)),
      card('In flight', fmt(g.edgegate_inflight_requests)),
      card('Gateway errors', fmt(g.edgegate_gateway_errors_total)));
    tableBox.replaceChildren(rows.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'monitor' },
      h('caption', null, 'Per API (rates over the last refresh interval)'),
      h('thead', null, h('tr', null, ['API', 'Service', 'Environment', 'Requests', 'Requests/s', 'Trend', 'Errors (front/back)', 'Error %', 'Mean latency', 'p99 latency', 'In flight']
        .map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows.map((r) => h('tr', { 'data-api-id': r.a.ApiId, 'data-env': r.a.Environment },
        h('th', { scope: 'row', 'data-label': 'API' }, names.get(r.a.ApiId) || r.a.ApiId),
        h('td', { 'data-label': 'Service' }, svcNames.get(r.a.ServiceId) || code(r.a.ServiceId)),
        h('td', { 'data-label': 'Environment' }, r.a.Environment),
        h('td', { 'data-label': 'Requests', class: 'requests num' }, fmt(r.a.Requests)),
        h('td', { 'data-label': 'Requests/s', class: 'num rate' }, r.rate.toFixed(2)),
        h('td', { 'data-label': 'Trend' }, spark(r.hist, names.get(r.a.ApiId) || r.a.ApiId)),
        h('td', { 'data-label': 'Errors (front/back)', class: 'num errors' }, `${fmt(r.a.FrontendErrors)} / ${fmt(r.a.BackendErrors)}`),
        h('td', { 'data-label': 'Error %', class: 'num' }, r.a.Requests > 0 ? ((100 * r.errors) / r.a.Requests).toFixed(1) + ' %' : '—'),
        h('td', { 'data-label': 'Mean latency', class: 'num' }, r.mean == null ? '—' : r.mean.toFixed(2) + ' ms'),
        h('td', { 'data-label': 'p99 latency', class: 'num' }, r.p99 == null ? '—' : '≤ ' + fmtSeconds(r.p99)),
        h('td', { 'data-label': 'In flight', class: 'num' }, fmt(r.a.Active)))))))
      : h('p', { class: 'empty', id: 'mon-empty' }, state.session && !state.session.EdgeInProcess
        ? 'This is the control plane alone (edgegate admin): the per-API counts are on the edges. Scrape each edge\'s --metrics-listen with Prometheus.'
        : 'No API has been called yet (an API appears here with its first request).'));
    updated.textContent = `Updated ${new Date(now).toLocaleTimeString()}.`;
  };

  tick();
  return page('Monitoring', 'Request rate, errors and latency of each API in each environment, from this gateway\'s metrics (GET /metrics). For history and alerts, scrape /metrics with Prometheus (README, "Metrics").',
    h('form', { class: 'form inline', id: 'mon-form', onsubmit: (e) => e.preventDefault() }, h('div', { class: 'fields' }, svcF, envF, everyF)),
    updated, err, summary, tableBox);
});

function card(label, value) {
  return h('div', { class: 'card' }, h('dt', null, label), h('dd', null, value));
}

function fmt(n) { return n == null ? '—' : Number(n).toLocaleString('en-US'); }

function fmtSeconds(s) { return s >= 1 ? `${s} s` : `${+(s * 1000).toFixed(3)} ms`; }

// quantile is the upper bound of the bucket holding the q-quantile of the
// requests between two readings (Prometheus' histogram_quantile without
// the interpolation).
function quantile(bounds, cur, old, q) {
  if (!bounds || !cur || !old) return null;
  const total = (cur[cur.length - 1] || 0) - (old[old.length - 1] || 0);
  if (total <= 0) return null;
  for (let i = 0; i < bounds.length; i++) {
    if ((cur[i] - old[i]) >= q * total) return bounds[i];
  }
  return bounds[bounds.length - 1];
}

// spark draws the recent requests/s as a small line.
function spark(values, name) {
  const w = 90, hgt = 22;
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${hgt}`);
  svg.setAttribute('width', w);
  svg.setAttribute('height', hgt);
  svg.setAttribute('role', 'img');
  svg.setAttribute('class', 'spark');
  const max = Math.max(1e-9, ...values);
  svg.setAttribute('aria-label', values.length ? `${name}: requests per second over the last ${values.length} readings, up to ${max.toFixed(2)}` : `${name}: no readings yet`);
  if (values.length > 1) {
    const pts = values.map((v, i) => `${((i / (HISTORY - 1)) * w).toFixed(1)},${(hgt - 1 - (v / max) * (hgt - 2)).toFixed(1)}`).join(' ');
    const line = document.createElementNS(NS, 'polyline');
    line.setAttribute('points', pts);
    svg.append(line);
  }
  return svg;
}
