// The console's core: DOM building, the console API (every action is an
// Action API call, see console/doc.go), routing, forms, dialogs and tables.
// Plain ES modules, no build step.

export const state = { session: null };

// h builds an element: h('a', {href: '#/x', class: 'c'}, 'text', child...).
// on* attributes are listeners; value/checked are set as properties.
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  let value;
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, kids);
  if (value !== undefined) el.value = value;
  return el;
}

function add(el, kids) {
  for (const k of kids.flat(Infinity)) {
    if (k == null || k === false) continue;
    el.append(k instanceof Node ? k : String(k));
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);

let seq = 0;
export const uid = (p = 'x') => `${p}${++seq}`;

// ActionError is a refusal: the Action API's Code and Message, or the
// console's own (Console.*).
export class ActionError extends Error {
  constructor(code, message, requestId) {
    super(message);
    this.code = code;
    this.requestId = requestId;
  }
}

let onSignedOut = () => {};
export function setSignedOutHandler(fn) { onSignedOut = fn; }

// request talks to the console's own endpoints. POSTs are JSON and carry
// the session's CSRF token.
export async function request(method, path, body) {
  const headers = {};
  if (method === 'POST') {
    headers['Content-Type'] = 'application/json';
    if (state.session && state.session.CsrfToken) headers['X-CSRF-Token'] = state.session.CsrfToken;
  }
  let r;
  try {
    r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ActionError('Console.Network', 'The admin listener did not answer: ' + e.message);
  }
  let j = null;
  try { j = await r.json(); } catch (e) { /* not JSON */ }
  const err = j && j.Error;
  if (r.status === 401 && path !== '/console/api/login') {
    onSignedOut(err);
  }
  if (!r.ok || err) {
    throw new ActionError(err ? err.Code : 'HTTP' + r.status, err ? err.Message : r.statusText);
  }
  return j;
}

// call runs one Action through the console (Action API semantics, codes
// and all) and returns its Response.
// A page may call one Action faster than the Action API's per-Action
// rate (20/s): RequestLimitExceeded is retried a few times, backing off.
export async function call(action, params) {
  for (let attempt = 1; ; attempt++) {
    const j = await request('POST', '/console/api/action', { Action: action, Params: params || {} });
    const resp = j.Response;
    if (!resp.Error) return resp;
    if (resp.Error.Code !== 'RequestLimitExceeded' || attempt === 6) {
      throw new ActionError(resp.Error.Code, resp.Error.Message, resp.RequestId);
    }
    await new Promise((r) => setTimeout(r, 150 * attempt));
  }
}

// unpaged are the list Actions without Limit and Offset.
const unpaged = new Set(['DescribeIPStrategysStatus']);

// all reads every page of a list Action (100 a page, at most 20 pages).
export async function all(action, params, key) {
  if (unpaged.has(action)) return (await call(action, params)).Result[key] || [];
  let out = [];
  for (let off = 0, page = 0; page < 20; page++, off += 100) {
    const r = (await call(action, { ...params, Limit: 100, Offset: off })).Result;
    const rows = r[key] || [];
    out = out.concat(rows);
    if (rows.length < 100 || out.length >= (r.TotalCount ?? 0)) break;
  }
  return out;
}

// ---- status line and errors ----

let statusTimer;
export function notify(msg) {
  const s = $('#status');
  s.textContent = msg;
  s.classList.add('on');
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { s.textContent = ''; s.classList.remove('on'); }, 8000);
}

export function errorNode(ex) {
  return [h('strong', { class: 'code' }, ex.code || 'Error'), ' ', ex.message || String(ex),
    ex.requestId ? h('span', { class: 'rid' }, ` (RequestId ${ex.requestId})`) : ''];
}

export function showError(box, ex) {
  if (!ex) { box.hidden = true; box.replaceChildren(); return; }
  box.hidden = false;
  box.replaceChildren(...errorNode(ex).filter((x) => x != null));
  box.focus();
}

export function errorBox(id) {
  return h('div', { class: 'error', role: 'alert', id, tabindex: '-1', hidden: true });
}

// ---- routing ----

const routes = [];
let leaving = [];
let generation = 0;

// route registers a page: pattern "/services/:id/:tab", fn(params) returns
// the page's node (or a promise of it).
export function route(pattern, fn) {
  const re = new RegExp('^' + pattern.replace(/:(\w+)/g, '(?<$1>[^/]+)') + '$');
  routes.push([re, fn]);
}

// onLeave runs fn when the page is left (timers).
export function onLeave(fn) { leaving.push(fn); }

export function go(hash) {
  if (location.hash === hash) render(); else location.hash = hash;
}

export function currentPath() {
  const hash = location.hash.slice(1);
  return hash.startsWith('/') ? hash : '/services';
}

export async function render() {
  if (!state.session || !state.session.SignedIn) return;
  if (location.hash && !location.hash.startsWith('#/')) return; // an in-page anchor
  const path = currentPath();
  leaving.forEach((f) => f());
  leaving = [];
  const gen = ++generation;
  const main = $('#main');
  markNav(path);
  for (const [re, fn] of routes) {
    const m = path.match(re);
    if (!m) continue;
    const params = {};
    for (const [k, v] of Object.entries(m.groups || {})) params[k] = decodeURIComponent(v);
    main.setAttribute('aria-busy', 'true');
    let node;
    try {
      node = await fn(params);
    } catch (ex) {
      if (ex.code === 'Console.NotSignedIn' || ex.code === 'Console.SessionExpired') return;
      node = h('section', null, h('h1', { tabindex: '-1' }, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, ...errorNode(ex)));
    }
    if (gen !== generation) return; // navigated away meanwhile
    main.removeAttribute('aria-busy');
    main.replaceChildren(node);
    const h1 = $('h1', main);
    if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: true }); }
    window.scrollTo(0, 0);
    return;
  }
  main.replaceChildren(h('section', null, h('h1', { tabindex: '-1' }, 'Not found'), h('p', null, 'No console page at ', h('code', null, path), '.')));
}

function markNav(path) {
  for (const a of document.querySelectorAll('#nav a')) {
    const target = a.getAttribute('href').slice(1);
    const on = path === target || path.startsWith(target + '/') ||
      (target === '/services' && (path.startsWith('/services') || path.startsWith('/debug')));
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

// ---- forms ----

function setPath(obj, path, v) {
  const parts = path.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) o = o[p] = o[p] || {};
  o[parts[parts.length - 1]] = v;
}

export function getPath(obj, path) {
  return path.split('.').reduce((o, p) => (o == null ? undefined : o[p]), obj);
}

// field builds one labelled control. f: {name, label, seed, hint, type
// (text|number|password|textarea|select|checkbox), options, value, required}.
// Required fields are marked, not enforced: the Action API judges them,
// so the page shows its codes.
export function field(f, prefix) {
  const id = f.id || `${prefix}-${f.name.replace(/[^A-Za-z0-9]/g, '_')}`;
  const hintId = f.hint ? id + '-hint' : null;
  const common = { id, name: f.name, 'aria-describedby': hintId, 'aria-required': f.required ? 'true' : null };
  let input;
  switch (f.type) {
    case 'select':
      input = h('select', common, (f.options || []).map((o) => {
        const [v, l] = Array.isArray(o) ? o : [o, o];
        return h('option', { value: v }, l);
      }));
      if (f.value != null) input.value = f.value;
      break;
    case 'textarea':
      input = h('textarea', { ...common, rows: f.rows || 4, spellcheck: 'false' });
      input.value = f.value ?? '';
      break;
    case 'checkbox':
      input = h('input', { ...common, type: 'checkbox' });
      input.checked = !!f.value;
      break;
    default:
      input = h('input', { ...common, type: f.type === 'number' ? 'text' : (f.type || 'text'), inputmode: f.type === 'number' ? 'numeric' : null,
        autocomplete: f.autocomplete || 'off', spellcheck: 'false', placeholder: f.placeholder });
      if (f.value != null) input.value = f.value;
  }
  if (f.onchange) input.addEventListener('change', f.onchange);
  const label = h('label', { for: id }, f.label,
    f.seed ? h('span', { class: 'seed', lang: 'zh' }, ` ${f.seed}`) : null,
    f.required ? h('span', { class: 'req' }, ' (required)') : null);
  const wrap = h('div', { class: 'field' + (f.type === 'checkbox' ? ' check' : '') + (f.wide ? ' wide' : ''), 'data-field': f.name },
    f.type === 'checkbox' ? [input, label] : [label, input],
    hintId ? h('p', { class: 'hint', id: hintId }, f.hint) : null);
  wrap.input = input;
  wrap.spec = f;
  return wrap;
}

// readField returns a control's value for the Action: numbers that parse
// as numbers, else the text as typed (the Action API says what is wrong).
export function readField(wrap) {
  const f = wrap.spec, input = wrap.input;
  if (f.type === 'checkbox') return input.checked;
  const v = input.value.trim();
  if (f.type === 'number') {
    if (v === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : v;
  }
  if (f.type === 'list') return v === '' ? undefined : v.split(/[\s,]+/).filter(Boolean);
  if (v === '' && !f.keepEmpty) return undefined;
  return v;
}

export function collect(wraps, into = {}) {
  for (const w of wraps) {
    if (w.hidden) continue; // not part of the chosen variant
    const v = readField(w);
    if (v !== undefined) setPath(into, w.spec.name, v);
  }
  return into;
}

// form builds a form of fields whose submit runs onSubmit(values); a
// refusal is shown above the fields with its code.
export function form({ id, fields, submitLabel, onSubmit, extra, cancel }) {
  const fid = id || uid('form');
  const err = errorBox(fid + '-error');
  const wraps = fields.map((f) => field(f, fid));
  const submit = h('button', { type: 'submit', class: 'primary', id: fid + '-submit' }, submitLabel || 'Submit');
  const el = h('form', { id: fid, novalidate: true, class: 'form' }, err, h('div', { class: 'fields' }, wraps), extra,
    h('div', { class: 'actions' }, submit, cancel ? h('button', { type: 'button', onclick: cancel }, 'Cancel') : null));
  el.wraps = wraps;
  el.values = () => collect(wraps);
  el.showError = (ex) => showError(err, ex);
  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(err, null);
    submit.disabled = true;
    try {
      await onSubmit(el.values(), el);
    } catch (ex) {
      if (ex.code !== 'Console.NotSignedIn' && ex.code !== 'Console.SessionExpired') showError(err, ex);
    } finally {
      submit.disabled = false;
    }
  });
  return el;
}

// rowsEditor edits a list of objects (request parameters, mappings...):
// one row of labelled controls per entry, add and remove buttons.
export function rowsEditor({ id, legend, hint, cols, values, addLabel, noun }) {
  const list = h('div', { class: 'rows' });
  const fs = h('fieldset', { class: 'rows-editor', id }, h('legend', null, legend), hint ? h('p', { class: 'hint' }, hint) : null, list);
  const rows = [];
  const renumber = () => rows.forEach((r, i) => {
    r.remove.setAttribute('aria-label', `Remove ${noun} ${i + 1}`);
    r.el.setAttribute('aria-label', `${noun} ${i + 1}`);
  });
  const addRow = (v = {}) => {
    const rid = uid(`${id}-r`);
    const wraps = cols.map((c) => field({ ...c, value: v[c.name] ?? c.value, label: c.label }, rid));
    // Members the row does not show are kept as they came (an edit must
    // not drop what the Action API holds).
    const extra = Object.fromEntries(Object.entries(v).filter(([k, x]) => x != null && !cols.some((c) => c.name === k)));
    const r = { wraps, extra };
    r.remove = h('button', { type: 'button', class: 'remove', onclick: () => {
      rows.splice(rows.indexOf(r), 1);
      r.el.remove();
      renumber();
      add.focus();
    } }, 'Remove');
    r.el = h('div', { class: 'row', role: 'group' }, wraps, r.remove);
    rows.push(r);
    list.append(r.el);
    renumber();
    return r;
  };
  const add = h('button', { type: 'button', class: 'add', id: `${id}-add`, onclick: () => { const r = addRow(); r.wraps[0].input.focus(); } }, addLabel);
  fs.append(add);
  (values || []).forEach((v) => addRow(v));
  fs.values = () => rows.map((r) => [r.extra, collect(r.wraps)])
    .filter(([, o]) => Object.values(o).some((x) => x !== false && x !== ''))
    .map(([extra, o]) => ({ ...extra, ...o }));
  return fs;
}

// ---- dialogs ----

// dialog opens a modal <dialog> (Esc closes it; focus returns to the
// control that opened it).
export function dialog(title, body, { wide } = {}) {
  const opener = document.activeElement;
  const tid = uid('dlg');
  const d = h('dialog', { 'aria-labelledby': tid, class: wide ? 'wide' : null },
    h('div', { class: 'dlg-head' }, h('h2', { id: tid }, title),
      h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: () => d.close() }, '×')),
    body);
  d.addEventListener('close', () => {
    d.remove();
    if (opener && opener.isConnected) opener.focus();
  });
  document.body.append(d);
  d.showModal();
  const first = d.querySelector('input, select, textarea');
  if (first) first.focus();
  return d;
}

// formDialog is a dialog holding a form: done(result) runs after a
// successful submit, which closes it.
export function formDialog(title, spec, done) {
  let d;
  const f = form({
    ...spec,
    cancel: () => d.close(),
    onSubmit: async (values, el) => {
      const res = await spec.onSubmit(values, el);
      d.close();
      if (done) await done(res);
    },
  });
  d = dialog(title, f, { wide: spec.wide });
  return d;
}

// confirm asks before a destructive Action; run() is the Action.
export function confirm(title, text, run, done, label = 'Confirm') {
  const err = errorBox(uid('cerr'));
  let d;
  const yes = h('button', { type: 'button', class: 'danger', id: 'confirm-yes' }, label);
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      const r = await run();
      d.close();
      if (done) await done(r);
    } catch (ex) {
      showError(err, ex);
    } finally {
      yes.disabled = false;
    }
  });
  d = dialog(title, h('div', null, err, h('p', null, text),
    h('div', { class: 'actions' }, yes, h('button', { type: 'button', onclick: () => d.close() }, 'Cancel'))));
  yes.focus();
}

// ---- tables ----

// table renders rows; cols: [{label, get(row) → node|text}]. The first
// column is the row's header. On narrow screens CSS turns rows into cards
// labelled by data-label.
export function table(cols, rows, { caption, empty, rowAttrs } = {}) {
  if (!rows.length) return h('p', { class: 'empty' }, empty || 'Nothing here yet.');
  return h('div', { class: 'table-wrap' }, h('table', null,
    caption ? h('caption', null, caption) : null,
    h('thead', null, h('tr', null, cols.map((c) => h('th', { scope: 'col' }, c.label)))),
    h('tbody', null, rows.map((r) => h('tr', rowAttrs ? rowAttrs(r) : null,
      cols.map((c, i) => h(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : null, 'data-label': c.label }, c.get(r))))))));
}

// paged is a table over a list Action, with previous/next pages.
export async function paged({ action, params, key, cols, caption, empty, size = 20, rowAttrs }) {
  const box = h('div', { class: 'paged' });
  let offset = 0;
  box.reload = async () => {
    const res = (await call(action, { ...(params || {}), Limit: size, Offset: offset })).Result;
    const rows = res[key] || [];
    const total = res.TotalCount ?? rows.length;
    if (!rows.length && offset > 0) { offset = Math.max(0, offset - size); return box.reload(); }
    const nav = total > size ? h('div', { class: 'pager' },
      h('button', { type: 'button', disabled: offset === 0, onclick: () => { offset -= size; box.reload(); } }, 'Previous page'),
      h('span', null, `${offset + 1}–${offset + rows.length} of ${total}`),
      h('button', { type: 'button', disabled: offset + size >= total, onclick: () => { offset += size; box.reload(); } }, 'Next page')) : null;
    box.replaceChildren(table(cols, rows, { caption, empty, rowAttrs }), nav || '');
  };
  await box.reload();
  return box;
}

// ---- small pieces ----

export function btn(label, onclick, { cls, id, aria, type } = {}) {
  return h('button', { type: type || 'button', class: cls, id, 'aria-label': aria, onclick }, label);
}

export function link(label, href, { cls, id, aria } = {}) {
  return h('a', { href, class: cls, id, 'aria-label': aria }, label);
}

export function code(text) { return h('code', null, text); }

export function when(t) {
  if (!t) return '';
  const d = new Date(t);
  return isNaN(d) ? t : d.toISOString().replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
}

export function page(title, lead, ...kids) {
  return h('section', { class: 'page' }, h('h1', { tabindex: '-1' }, title), lead ? h('p', { class: 'lead' }, lead) : null, kids);
}

export function toolbar(...kids) { return h('div', { class: 'toolbar' }, kids); }

export function rowActions(...kids) { return h('div', { class: 'row-actions' }, kids); }

// checks renders a group of checkboxes (one per option) in a fieldset.
export function checks(legend, name, options, checked = []) {
  const fs = h('fieldset', { class: 'checks' }, h('legend', null, legend));
  const boxes = options.map(([v, l]) => {
    const id = uid('chk');
    const input = h('input', { type: 'checkbox', id, name, value: v, checked: checked.includes(v) });
    fs.append(h('div', { class: 'check' }, input, h('label', { for: id }, l)));
    return input;
  });
  if (!options.length) fs.append(h('p', { class: 'empty' }, 'None to choose from.'));
  fs.values = () => boxes.filter((b) => b.checked).map((b) => b.value);
  return fs;
}

export const ENVIRONMENTS = [['test', 'test (测试)'], ['prepub', 'prepub (预发布)'], ['release', 'release (发布)']];
