// API debugging (seed 000, API调试): the API's front-end configuration,
// its parameters (defaults filled in, required ones checked before
// sending), a test request through the edge to a released environment,
// then the request log (请求日志) and the response (响应).

import {
  h, call, all, route, request, state, field, collect, errorBox, showError, link, code, rowsEditor, table, ActionError,
} from './app.js';

const BODY_METHODS = ['POST', 'PUT', 'DELETE', 'PATCH'];

route('/services/:id/apis/:api/debug', async (p) => {
  const [svc, api, envs] = await Promise.all([
    call('DescribeService', { ServiceId: p.id }),
    call('DescribeApi', { ServiceId: p.id, ApiId: p.api }).then((r) => r.Result),
    call('DescribeServiceEnvironmentList', { ServiceId: p.id, Limit: 100 }).then((r) => r.Result.EnvironmentList),
  ]);
  const released = envs.filter((e) => e.Status === 1);
  const params = api.RequestParameters || [];
  const method = api.RequestConfig.Method || 'ANY';
  const fid = 'debug';

  const info = h('dl', { class: 'facts', id: 'debug-info' },
    h('dt', null, 'Method'), h('dd', null, method),
    h('dt', null, 'Path'), h('dd', null, code(api.RequestConfig.Path)),
    h('dt', null, 'Authentication'), h('dd', null, api.AuthType || 'NONE'),
    h('dt', null, 'Back end'), h('dd', null, api.ServiceType, api.ServiceConfig && api.ServiceConfig.Url ? [' ', code(api.ServiceConfig.Url + (api.ServiceConfig.Path || ''))] : null));

  const crumbs = h('p', { class: 'crumbs' }, link('Services', '#/services'), ' › ', link(svc.ServiceName, `#/services/${p.id}`), ' › ', api.ApiName);
  const title = h('h1', { tabindex: '-1' }, `Debug API ${api.ApiName}`, h('span', { class: 'seed', lang: 'zh' }, ' API 调试'));
  if (!released.length) {
    return h('section', { class: 'page' }, crumbs, title, info,
      h('p', { class: 'notice', id: 'debug-unreleased' }, 'The service is not released to any environment, so the edge serves none of its APIs. ',
        link('Release it', `#/services/${p.id}/environments`), ' first.'));
  }

  const envField = field({ name: 'EnvironmentName', label: 'Environment', seed: '环境', type: 'select',
    options: released.map((e) => [e.EnvironmentName, `${e.EnvironmentName} (version ${e.VersionName})`]),
    value: released.some((e) => e.EnvironmentName === 'release') ? 'release' : released[0].EnvironmentName }, fid);
  const methodField = field({ name: 'Method', label: 'Method', type: 'select', value: method === 'ANY' ? 'GET' : method,
    options: method === 'ANY' ? ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] : [method] }, fid);
  const template = api.RequestConfig.Path.replace(/^(=|\^~|~\*|~)/, '');
  const pathField = field({ name: 'Path', label: 'Path after the environment', value: template, required: true,
    hint: /^~/.test(api.RequestConfig.Path) ? 'The API matches a regular expression: enter a concrete path.' : '{name} variables are filled from the path parameters below.' }, fid);
  const paramFields = params.map((rp) => field({
    name: `param.${rp.Position}.${rp.Name}`, id: `debug-param-${rp.Position}-${rp.Name}`.replace(/[^A-Za-z0-9_-]/g, '_'),
    label: `${rp.Name} (${rp.Position}, ${rp.Type || 'string'})`, value: rp.DefaultValue, required: rp.Required, hint: rp.Desc || null,
  }, fid));
  const extraQuery = rowsEditor({ id: 'debug-query', legend: 'More query parameters', noun: 'Query parameter', addLabel: 'Add query parameter',
    cols: [{ name: 'Key', label: 'Name' }, { name: 'Value', label: 'Value', keepEmpty: true }] });
  const extraHeaders = rowsEditor({ id: 'debug-headers', legend: 'Headers', noun: 'Header', addLabel: 'Add header',
    cols: [{ name: 'Key', label: 'Name' }, { name: 'Value', label: 'Value', keepEmpty: true }] });
  const bodyField = field({ name: 'Body', label: 'Body', type: 'textarea', rows: 5, keepEmpty: true, hint: 'Sent as typed; set Content-Type in Headers.' }, fid);
  const bodyVisible = () => { bodyField.hidden = !BODY_METHODS.includes(methodField.input.value); };
  methodField.input.addEventListener('change', bodyVisible);
  bodyVisible();

  let signField = null;
  if (api.AuthType === 'SECRET') {
    const keys = await all('DescribeApiKeysStatus', {}, 'ApiKeySet');
    signField = field({ name: 'AccessKeyId', label: 'Sign with key pair', seed: '密钥对', type: 'select',
      options: [['', '— do not sign —'], ...keys.map((k) => [k.AccessKeyId, `${k.SecretName} (${k.AccessKeyId})`])],
      hint: 'The console reads the secret with DescribeApiKey and signs X-Date and Source (hmac-sha1).' }, fid);
  } else if (api.AuthType === 'APP') {
    const apps = await all('DescribeApiAppsStatus', {}, 'ApiAppSet');
    signField = field({ name: 'ApiAppId', label: 'Sign as app', seed: '应用', type: 'select',
      options: [['', '— do not sign —'], ...apps.map((x) => [x.ApiAppId, `${x.ApiAppName} (${x.ApiAppId})`])],
      hint: 'The console reads the app secret with DescribeApiApp and signs the request (hmac-sha256).' }, fid);
  }

  const err = errorBox('debug-error');
  const send = h('button', { type: 'submit', class: 'primary', id: 'debug-send' }, 'Send request', h('span', { class: 'seed', lang: 'zh' }, ' 发送请求'));
  const output = h('section', { class: 'debug-output', id: 'debug-output', 'aria-live': 'polite', hidden: true });

  const form = h('form', { id: 'debug-form', class: 'form', novalidate: true }, err,
    h('div', { class: 'fields' }, envField, methodField, pathField, paramFields.length ? paramFields : null, signField, bodyField),
    paramFields.length ? null : h('p', { class: 'hint' }, 'The API declares no request parameters.'),
    extraQuery, extraHeaders,
    h('div', { class: 'actions' }, send));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(err, null);
    // The seed's debug page checks required parameters before sending.
    const missing = params.filter((rp, i) => rp.Required && paramFields[i].input.value === '');
    if (missing.length) {
      showError(err, new ActionError('Console.MissingParameter', `Fill in the required parameters: ${missing.map((m) => m.Name).join(', ')}.`));
      return;
    }
    const v = collect([envField, methodField]);
    let path = pathField.input.value.trim();
    const query = [], headers = [], form = [];
    params.forEach((rp, i) => {
      const val = paramFields[i].input.value;
      const pos = (rp.Position || '').toLowerCase();
      if (pos === 'path') path = path.replace(`{${rp.Name}}`, encodeURIComponent(val));
      else if (val === '') return;
      else if (pos === 'query') query.push({ Key: rp.Name, Value: val });
      else if (pos === 'header' || pos === 'head') headers.push({ Key: rp.Name, Value: val });
      else if (pos === 'body') form.push(`${encodeURIComponent(rp.Name)}=${encodeURIComponent(val)}`);
    });
    query.push(...extraQuery.values().filter((q) => q.Key));
    headers.push(...extraHeaders.values().filter((x) => x.Key));
    let body = bodyField.hidden ? '' : bodyField.input.value;
    if (!body && form.length) {
      body = form.join('&');
      if (!headers.some((x) => x.Key.toLowerCase() === 'content-type')) headers.push({ Key: 'Content-Type', Value: 'application/x-www-form-urlencoded' });
    }
    const req = { ServiceId: p.id, EnvironmentName: v.EnvironmentName, Method: v.Method, Path: path, Query: query, Headers: headers, Body: body };
    if (signField && signField.input.value) req[signField.spec.name] = signField.input.value;
    send.disabled = true;
    try {
      const r = await request('POST', '/console/api/debug', req);
      output.replaceChildren(...renderAnswer(r));
      output.hidden = false;
      output.querySelector('h2').focus();
    } catch (ex) {
      if (ex.code !== 'Console.NotSignedIn' && ex.code !== 'Console.SessionExpired') showError(err, ex);
    } finally {
      send.disabled = false;
    }
  });

  const where = state.session && !state.session.EdgeInProcess
    ? h('p', { class: 'hint' }, 'This is the control plane alone (edgegate admin): the test request goes to the environment\'s URL as its name resolves from here.')
    : null;
  return h('section', { class: 'page debug' }, crumbs, title, info, where, form, output);
});

// renderAnswer shows the request log and the response.
function renderAnswer(r) {
  const q = r.Request;
  const log = [`> ${q.Method} ${q.Url}`, `  (connected to ${q.ConnectTo})`, ...q.Headers.map((x) => `> ${x.Key}: ${x.Value}`),
    q.BodyBytes ? `> (body: ${q.BodyBytes} bytes)` : null];
  const out = [h('h2', { tabindex: '-1' }, 'Result')];
  if (r.Error) {
    log.push(`! ${r.Error.Code}: ${r.Error.Message}`);
  }
  const s = r.Response;
  if (s) {
    log.push(`< ${s.Proto} ${s.StatusText}`, ...s.Headers.map((x) => `< ${x.Key}: ${x.Value}`), `< (${s.BodyBytes} bytes in ${r.DurationMs} ms)`);
  }
  out.push(h('h3', null, 'Request log', h('span', { class: 'seed', lang: 'zh' }, ' 请求日志')),
    h('pre', { id: 'debug-log', class: 'log', tabindex: '0' }, log.filter((x) => x != null).join('\n')));
  if (r.Error) out.push(h('p', { class: 'error', role: 'alert', id: 'debug-failed' }, h('strong', { class: 'code' }, r.Error.Code), ' ', r.Error.Message));
  if (s) {
    let body = s.Body;
    if (!s.BodyBase64) {
      try { body = JSON.stringify(JSON.parse(body), null, 2); } catch (e) { /* not JSON: as sent */ }
    }
    out.push(h('h3', null, 'Response', h('span', { class: 'seed', lang: 'zh' }, ' 响应')),
      h('p', { id: 'debug-status', class: s.Status < 400 ? 'ok' : 'off' }, `HTTP ${s.StatusText}`, ` — ${r.DurationMs} ms`),
      table([{ label: 'Header', get: (x) => x.Key }, { label: 'Value', get: (x) => x.Value }], s.Headers, { caption: 'Response headers' }),
      h('pre', { id: 'debug-body', class: 'body', tabindex: '0', 'aria-label': 'Response body' }, body),
      s.BodyBase64 ? h('p', { class: 'hint' }, 'The body is not text: shown in Base64.') : null,
      s.Truncated ? h('p', { class: 'hint' }, 'Only the first 1 MiB is shown.') : null);
  }
  return out.filter((x) => x != null);
}
