// The create-API wizard (seed 000, API创建: 前端配置, 后端配置, 响应配置),
// also used to edit an API. Nothing is checked here that the Action API
// checks: CreateApi / ModifyApi judge the definition and their error is
// shown on the step that holds the parameter it names.

import {
  h, call, route, go, field, collect, errorBox, showError, link, notify, rowsEditor,
} from './app.js';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'ANY'];
const POSITIONS = [['query', 'query'], ['header', 'header'], ['path', 'path'], ['body', 'body (form)']];
const TYPES = ['string', 'int', 'double', 'boolean'];

// ModifyApi's parameters that the wizard does not edit: on edit they are
// carried over from DescribeApi unchanged, so saving through the wizard
// keeps what the Action API holds (TLS options, health checks, OAuth...).
const CARRIED = ['ApiType', 'ApiBusinessType', 'AuthRelationApiId', 'OauthConfig', 'ServiceMockHeaders',
  'TargetServicesLoadBalanceConf', 'TargetServicesHealthCheckConf', 'MicroServices', 'ServiceTsfLoadBalanceConf',
  'ServiceTsfHealthCheckConf', 'IsDebugAfterCharge', 'AuthRequired', 'ServiceScfFunctionName', 'ServiceScfFunctionNamespace',
  'ServiceScfFunctionQualifier', 'ServiceScfIsIntegratedResponse', 'ServiceScfFunctionType',
  'ServiceWebsocketRegisterFunctionName', 'ServiceWebsocketRegisterFunctionNamespace', 'ServiceWebsocketRegisterFunctionQualifier',
  'ServiceWebsocketCleanupFunctionName', 'ServiceWebsocketCleanupFunctionNamespace', 'ServiceWebsocketCleanupFunctionQualifier',
  'ServiceWebsocketTransportFunctionName', 'ServiceWebsocketTransportFunctionNamespace', 'ServiceWebsocketTransportFunctionQualifier',
  'TargetNamespaceId', 'UserType', 'IsBase64Encoded', 'IsBase64Trigger', 'Base64EncodedTriggerRules', 'EventBusId',
  'InternalReqSource', 'EIAMAppType', 'EIAMAuthType', 'EIAMAppId', 'TokenTimeout'];
// ServiceConfig members the wizard does not edit, carried the same way.
const CARRIED_CONFIG = ['Product', 'UniqVpcId', 'UpstreamId', 'TlsServerName', 'CaCertificateId', 'ClientCertificateId', 'TlsInsecureSkipVerify'];

// The wizard's steps, the parameters each holds (to show an Action API
// error on the right step).
const STEPS = [
  { key: 'front', title: 'Front end', seed: '前端配置',
    params: ['ApiName', 'ApiDesc', 'Protocol', 'RequestConfig', 'AuthType', 'EnableCORS', 'RequestParameters', 'ApiType', 'ServiceId'] },
  { key: 'back', title: 'Back end', seed: '后端配置',
    params: ['ServiceType', 'ServiceConfig', 'ServiceTimeout', 'ServiceParameters', 'ConstantParameters', 'ServiceMock', 'TargetServices', 'Certificate'] },
  { key: 'response', title: 'Response', seed: '响应配置', params: ['ResponseType', 'ResponseSuccessExample', 'ResponseFailExample', 'ResponseErrorCodes'] },
  { key: 'review', title: 'Review', seed: '完成', params: [] },
];

// stepOf is the step of the parameter the error names first.
function stepOf(ex) {
  const text = `${ex.message} ${ex.code}`;
  let best = STEPS.length - 1, at = Infinity;
  STEPS.forEach((s, i) => s.params.forEach((p) => {
    const k = text.indexOf(p);
    if (k >= 0 && k < at) { at = k; best = i; }
  }));
  return best;
}

route('/services/:id/apis/new', (p) => wizard(p.id, null));
route('/services/:id/apis/:api/edit', (p) => wizard(p.id, p.api));

async function wizard(serviceId, apiId) {
  const svc = await call('DescribeService', { ServiceId: serviceId });
  const api = apiId ? (await call('DescribeApi', { ServiceId: serviceId, ApiId: apiId })).Result : null;
  const a = api || {};
  const rc = a.RequestConfig || {};
  const sc = a.ServiceConfig || {};
  const fid = 'wizard';

  // Step 1: front end.
  const front = [
    field({ name: 'ApiName', label: 'API name', seed: 'API 名称', required: true, value: a.ApiName, hint: 'Unique in the service, at most 60 characters.' }, fid),
    field({ name: 'ApiDesc', label: 'Description', seed: '描述', type: 'textarea', rows: 2, value: a.ApiDesc, keepEmpty: !!api }, fid),
    field({ name: 'Protocol', label: 'Front-end type', seed: '前端类型', type: 'select', options: [['HTTP', 'HTTP & HTTPS'], ['WEBSOCKET', 'WS & WSS']], value: a.Protocol || 'HTTP' }, fid),
    field({ name: 'RequestConfig.Path', label: 'URL path', seed: 'URL 路径', required: true, value: rc.Path,
      hint: '/user exact-or-prefix, =/user exact, ^~/user priority prefix, ~/re regex, /user/{id} with a path parameter.' }, fid),
    field({ name: 'RequestConfig.Method', label: 'Request method', seed: '请求方法', type: 'select', options: METHODS, value: rc.Method || 'GET', required: true }, fid),
    field({ name: 'AuthType', label: 'Authentication', seed: '鉴权类型', type: 'select', value: a.AuthType || 'NONE',
      options: [['NONE', 'None (免鉴权)'], ['SECRET', 'Key pair (密钥对认证)'], ['APP', 'App (应用认证)'], ['OAUTH', 'OAuth 2.0']] }, fid),
    field({ name: 'EnableCORS', label: 'Support CORS', seed: '支持 CORS', type: 'checkbox', value: a.EnableCORS }, fid),
  ];
  const reqParams = rowsEditor({
    id: 'req-params', legend: 'Request parameters (入参)', noun: 'Parameter', addLabel: 'Add parameter',
    hint: 'Every {name} of the path must be a path parameter here.',
    values: a.RequestParameters,
    cols: [
      { name: 'Name', label: 'Name' },
      { name: 'Position', label: 'Position', type: 'select', options: POSITIONS, value: 'query' },
      { name: 'Type', label: 'Type', type: 'select', options: TYPES, value: 'string' },
      { name: 'DefaultValue', label: 'Default' },
      { name: 'Required', label: 'Required', type: 'checkbox' },
      { name: 'Desc', label: 'Description' },
    ],
  });

  // Step 2: back end. Fields show for the back-end types they belong to.
  const types = [['HTTP', 'HTTP (公网 URL/IP)'], ['MOCK', 'Mock'], ['TARGET', 'Backend instances (VPC 内资源)'], ['WEBSOCKET', 'WebSocket']];
  const backType = field({ name: 'ServiceType', label: 'Back-end type', seed: '后端类型', type: 'select', options: types, value: a.ServiceType || 'HTTP', required: true }, fid);
  const back = [
    [['HTTP', 'WEBSOCKET'], field({ name: 'ServiceConfig.Url', label: 'Back-end address', seed: '后端域名', required: true, value: sc.Url,
      hint: 'http://host:port or https://host (ws:// or wss:// for WebSocket), no path.' }, fid)],
    [['HTTP', 'TARGET', 'WEBSOCKET'], field({ name: 'ServiceConfig.Path', label: 'Back-end path', seed: '后端路径', required: true, value: sc.Path, hint: 'Starts with /; may hold {name} variables.' }, fid)],
    [['HTTP', 'TARGET'], field({ name: 'ServiceConfig.Method', label: 'Back-end method', seed: '请求方法', type: 'select', options: METHODS.filter((m) => m !== 'ANY'), value: sc.Method || 'GET' }, fid)],
    [['HTTP', 'TARGET', 'WEBSOCKET', 'MOCK'], field({ name: 'ServiceTimeout', label: 'Back-end timeout (seconds)', seed: '后端超时', type: 'number', required: true, value: a.ServiceTimeout ?? 15 }, fid)],
    [['MOCK'], field({ name: 'ServiceMockReturnMessage', label: 'Mock response body', seed: '返回数据', type: 'textarea', required: true, value: a.ServiceMockReturnMessage }, fid)],
    [['MOCK'], field({ name: 'ServiceMockStatusCode', label: 'Mock status code', type: 'number', value: a.ServiceMockStatusCode || undefined, hint: 'Default 200.' }, fid)],
  ];
  const targets = rowsEditor({
    id: 'targets', legend: 'Back-end instances', noun: 'Instance', addLabel: 'Add instance', values: a.TargetServices,
    cols: [{ name: 'VmIp', label: 'IP' }, { name: 'VmPort', label: 'Port', type: 'number' }, { name: 'Weight', label: 'Weight', type: 'number' }],
  });
  const svcParams = rowsEditor({
    id: 'svc-params', legend: 'Parameter mapping (映射参数)', noun: 'Mapping', addLabel: 'Add mapping',
    hint: 'A request parameter without a mapping goes to the back end under its own name and position.',
    values: a.ServiceParameters,
    cols: [
      { name: 'RelevantRequestParameterName', label: 'From parameter' },
      { name: 'RelevantRequestParameterPosition', label: 'From position', type: 'select', options: POSITIONS },
      { name: 'Name', label: 'Back-end name' },
      { name: 'Position', label: 'Back-end position', type: 'select', options: POSITIONS },
      { name: 'DefaultValue', label: 'Default' },
    ],
  });
  const constParams = rowsEditor({
    id: 'const-params', legend: 'Constant parameters (常量参数)', noun: 'Constant', addLabel: 'Add constant',
    hint: 'Sent on every call; a value may name a system parameter such as $client_ip or $request_id.',
    values: a.ConstantParameters,
    cols: [
      { name: 'Name', label: 'Name' },
      { name: 'Position', label: 'Position', type: 'select', options: [['header', 'header'], ['query', 'query']] },
      { name: 'DefaultValue', label: 'Value' },
      { name: 'Desc', label: 'Description' },
    ],
  });
  const showFor = [[['TARGET'], targets], [['HTTP', 'TARGET', 'WEBSOCKET'], svcParams], [['HTTP', 'TARGET', 'WEBSOCKET'], constParams]];
  const applyType = () => {
    const t = backType.input.value;
    for (const [ts, w] of [...back, ...showFor]) w.hidden = !ts.includes(t);
  };
  backType.input.addEventListener('change', applyType);

  // Step 3: response.
  const resp = [
    field({ name: 'ResponseType', label: 'Response type', seed: '返回类型', type: 'select', options: ['JSON', 'HTML', 'TEXT', 'XML', 'BINARY'], value: a.ResponseType || 'JSON' }, fid),
    field({ name: 'ResponseSuccessExample', label: 'Success example', seed: '成功响应示例', type: 'textarea', value: a.ResponseSuccessExample, keepEmpty: !!api }, fid),
    field({ name: 'ResponseFailExample', label: 'Failure example', seed: '失败响应示例', type: 'textarea', value: a.ResponseFailExample, keepEmpty: !!api }, fid),
  ];
  const codes = rowsEditor({
    id: 'error-codes', legend: 'Error codes (错误码)', noun: 'Error code', addLabel: 'Add error code', values: a.ResponseErrorCodes,
    cols: [{ name: 'Code', label: 'Code', type: 'number' }, { name: 'Msg', label: 'Message' }, { name: 'Desc', label: 'Description' },
      { name: 'ConvertedCode', label: 'Converted code', type: 'number' }, { name: 'NeedConvert', label: 'Convert', type: 'checkbox' }],
  });

  const review = h('pre', { class: 'review', id: 'wizard-review', tabindex: '0', 'aria-label': 'The Action request' });
  const params = () => {
    const v = collect([...front, backType, ...back.map(([, w]) => w), ...resp]);
    v.ServiceId = serviceId;
    v.RequestParameters = reqParams.values();
    if (!targets.hidden) v.TargetServices = targets.values();
    if (!svcParams.hidden) v.ServiceParameters = svcParams.values();
    if (!constParams.hidden) v.ConstantParameters = constParams.values();
    v.ResponseErrorCodes = codes.values();
    if (api) {
      v.ApiId = apiId;
      for (const k of CARRIED) if (a[k] != null && v[k] === undefined) v[k] = a[k];
      if (v.ServiceConfig || v.ServiceType === 'TARGET') {
        v.ServiceConfig = v.ServiceConfig || {};
        for (const k of CARRIED_CONFIG) if (sc[k] != null && sc[k] !== '' && sc[k] !== false) v.ServiceConfig[k] = sc[k];
      }
      // An edit that empties the error codes must say so (the seed's flag).
      if (!v.ResponseErrorCodes.length && (a.ResponseErrorCodes || []).length) v.IsDeleteResponseErrorCodes = true;
    }
    return v;
  };

  const bodies = [
    [h('div', { class: 'fields' }, front), reqParams],
    [h('div', { class: 'fields' }, backType, back.map(([, w]) => w)), targets, svcParams, constParams],
    [h('div', { class: 'fields' }, resp), codes],
    [h('p', null, `${api ? 'ModifyApi' : 'CreateApi'} will be called with:`), review],
  ];
  const err = errorBox('wizard-error');
  const fieldsets = STEPS.map((s, i) => h('fieldset', { class: 'step', id: `step-${s.key}`, hidden: i !== 0 },
    h('legend', null, `Step ${i + 1} of ${STEPS.length}: ${s.title} `, h('span', { class: 'seed', lang: 'zh' }, s.seed)), bodies[i]));
  const stepList = h('ol', { class: 'steps', 'aria-label': 'Wizard steps' }, STEPS.map((s, i) =>
    h('li', { id: `steplabel-${s.key}`, 'aria-current': i === 0 ? 'step' : null }, `${s.title}`)));
  const backBtn = h('button', { type: 'button', id: 'wizard-back', hidden: true }, 'Back');
  const nextBtn = h('button', { type: 'button', class: 'primary', id: 'wizard-next' }, 'Next');
  const finish = h('button', { type: 'submit', class: 'primary', id: 'wizard-finish', hidden: true }, api ? 'Save' : 'Finish');
  let cur = 0;
  const show = (i, focusField = true) => {
    cur = i;
    fieldsets.forEach((f, j) => { f.hidden = j !== i; });
    [...stepList.children].forEach((li, j) => { if (j === i) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current'); });
    backBtn.hidden = i === 0;
    nextBtn.hidden = i === STEPS.length - 1;
    finish.hidden = i !== STEPS.length - 1;
    if (i === STEPS.length - 1) review.textContent = JSON.stringify(params(), null, 2);
    if (focusField) {
      const first = fieldsets[i].querySelector('input, select, textarea, pre');
      if (first) first.focus();
    }
  };
  backBtn.addEventListener('click', () => show(cur - 1));
  nextBtn.addEventListener('click', () => { showError(err, null); show(cur + 1); });
  const f = h('form', { id: fid, class: 'form wizard', novalidate: true }, stepList, err, fieldsets,
    h('div', { class: 'actions' }, backBtn, nextBtn, finish, link('Cancel', `#/services/${serviceId}/apis`, { cls: 'button' })));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (cur < STEPS.length - 1) { show(cur + 1); return; } // Enter on a step moves on
    showError(err, null);
    finish.disabled = true;
    try {
      const r = await call(api ? 'ModifyApi' : 'CreateApi', params());
      notify(api ? `API ${apiId} saved. Release the service to serve the change.` : `API ${r.Result.ApiId} created. Release the service to serve it.`);
      go(`#/services/${serviceId}/apis`);
    } catch (ex) {
      if (ex.code === 'Console.NotSignedIn' || ex.code === 'Console.SessionExpired') return;
      const i = stepOf(ex);
      show(i, false);
      showError(err, ex);
    } finally {
      finish.disabled = false;
    }
  });
  applyType();
  return h('section', { class: 'page' },
    h('p', { class: 'crumbs' }, link('Services', '#/services'), ' › ', link(svc.ServiceName, `#/services/${serviceId}`), ' › ', api ? a.ApiName : 'New API'),
    h('h1', { tabindex: '-1' }, api ? `Edit API ${a.ApiName}` : `Create API in ${svc.ServiceName}`),
    f);
}

