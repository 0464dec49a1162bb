// Keys, usage plans and apps (seed 000, 创建使用计划及密钥, 使用计划,
// 应用相关接口): create and manage them, bind keys to plans and plans to
// service environments or APIs, bind apps to APIs.

import {
  h, call, all, route, paged, page, toolbar, btn, link, code, when, rowActions, formDialog, confirm, notify, dialog,
  checks, form, field, table, ENVIRONMENTS, collect,
} from './app.js';
import { limitText } from './services.js';

// ---- keys (密钥) ----

function keyForm(done) {
  formDialog('Create key', {
    id: 'key-form', submitLabel: 'Create',
    fields: [
      { name: 'SecretName', label: 'Key name', seed: '密钥名', required: true },
      { name: 'AccessKeyType', label: 'Kind', type: 'select', options: [['auto', 'generated (auto)'], ['manual', 'my own (manual)']] },
      { name: 'AccessKeyId', label: 'SecretId (manual only)', hint: '5-50 letters, digits or _.' },
      { name: 'AccessKeySecret', label: 'SecretKey (manual only)', hint: '10-50 letters, digits or _.' },
    ],
    onSubmit: (v) => call('CreateApiKey', v),
  }, async (r) => { showSecret('Key created', r.Result.AccessKeyId, r.Result.AccessKeySecret); await done(); });
}

function showSecret(title, id, secret) {
  dialog(title, h('div', null,
    h('p', null, 'Give these to the key\'s user. The secret can be read again here or with DescribeApiKey.'),
    h('dl', { class: 'facts secret' }, h('dt', null, 'SecretId'), h('dd', null, code(id)), h('dt', null, 'SecretKey'), h('dd', null, code(secret)))));
}

route('/keys', async () => {
  let list;
  const reload = () => list.reload();
  list = await paged({
    action: 'DescribeApiKeysStatus', key: 'ApiKeySet', caption: 'Keys',
    empty: 'No keys yet.', rowAttrs: (k) => ({ 'data-key-id': k.AccessKeyId }),
    cols: [
      { label: 'Name', get: (k) => k.SecretName },
      { label: 'SecretId', get: (k) => code(k.AccessKeyId) },
      { label: 'Status', get: (k) => (k.Status === 1 ? h('span', { class: 'ok' }, 'enabled') : h('span', { class: 'off' }, 'disabled')) },
      { label: 'Kind', get: (k) => k.AccessKeyType },
      { label: 'Modified', get: (k) => when(k.ModifiedTime) },
      {
        label: 'Actions', get: (k) => rowActions(
          btn('Show secret', async () => {
            const r = (await call('DescribeApiKey', { AccessKeyId: k.AccessKeyId })).Result;
            showSecret(`Key ${k.SecretName}`, r.AccessKeyId, r.AccessKeySecret);
          }, { aria: `Show the secret of key ${k.SecretName}` }),
          k.Status === 1
            ? btn('Disable', () => call('DisableApiKey', { AccessKeyId: k.AccessKeyId }).then(() => { notify('Key disabled.'); return reload(); }), { aria: `Disable key ${k.SecretName}` })
            : btn('Enable', () => call('EnableApiKey', { AccessKeyId: k.AccessKeyId }).then(() => { notify('Key enabled.'); return reload(); }), { aria: `Enable key ${k.SecretName}` }),
          btn('Rotate', () => confirm(`Rotate key ${k.SecretName}?`, 'A new secret replaces the old one at once.',
            () => call('UpdateApiKey', { AccessKeyId: k.AccessKeyId }), async () => {
              const r = (await call('DescribeApiKey', { AccessKeyId: k.AccessKeyId })).Result;
              showSecret('New secret', r.AccessKeyId, r.AccessKeySecret);
            }, 'Rotate'), { aria: `Rotate key ${k.SecretName}` }),
          btn('Delete', () => confirm(`Delete key ${k.SecretName}?`, 'Disable it and unbind it from its plans first.',
            () => call('DeleteApiKey', { AccessKeyId: k.AccessKeyId }), () => reload(), 'Delete'), { cls: 'danger', aria: `Delete key ${k.SecretName}` })),
      },
    ],
  });
  return page('Keys', 'Key pairs (secret_id + secret_key) sign calls to APIs whose authentication is "key pair"; a key works where a usage plan that holds it is bound.',
    toolbar(btn('Create key', () => keyForm(reload), { cls: 'primary', id: 'create-key' })), list);
});

// ---- usage plans (使用计划) ----

function planForm(p, done) {
  formDialog(p ? `Edit usage plan ${p.UsagePlanName}` : 'Create usage plan', {
    id: 'plan-form', submitLabel: p ? 'Save' : 'Create',
    fields: [
      { name: 'UsagePlanName', label: 'Plan name', seed: '使用计划名称', required: true, value: p && p.UsagePlanName },
      { name: 'UsagePlanDesc', label: 'Description', type: 'textarea', rows: 2, value: p && p.UsagePlanDesc, keepEmpty: !!p },
      { name: 'MaxRequestNumPreSec', label: 'Requests per second', seed: 'QPS', type: 'number', value: p ? p.MaxRequestNumPreSec : -1, hint: '-1 or 1 to 2000; -1 is no limit.' },
      { name: 'MaxRequestNum', label: 'Total quota', seed: '配额', type: 'number', value: p ? p.MaxRequestNum : -1, hint: '-1 (none) or 1 to 999999999 requests.' },
    ],
    onSubmit: (v) => (p ? call('ModifyUsagePlan', { UsagePlanId: p.UsagePlanId, ...v }) : call('CreateUsagePlan', v)),
  }, async (r) => { notify('Usage plan saved.'); await done(r); });
}

route('/plans', async () => {
  let list;
  const reload = () => list.reload();
  list = await paged({
    action: 'DescribeUsagePlansStatus', key: 'UsagePlanStatusSet', caption: 'Usage plans', empty: 'No usage plans yet.',
    rowAttrs: (p) => ({ 'data-plan-id': p.UsagePlanId }),
    cols: [
      { label: 'Name', get: (p) => link(p.UsagePlanName || p.UsagePlanId, `#/plans/${p.UsagePlanId}`) },
      { label: 'UsagePlanId', get: (p) => code(p.UsagePlanId) },
      { label: 'Requests/s', get: (p) => limitText(p.MaxRequestNumPreSec) },
      { label: 'Quota', get: (p) => limitText(p.MaxRequestNum) },
      { label: 'Modified', get: (p) => when(p.ModifiedTime) },
      {
        label: 'Actions', get: (p) => rowActions(
          btn('Edit', () => planForm(p, reload), { aria: `Edit usage plan ${p.UsagePlanName}` }),
          btn('Delete', () => confirm(`Delete usage plan ${p.UsagePlanName}?`, 'Unbind its keys and environments first.',
            () => call('DeleteUsagePlan', { UsagePlanId: p.UsagePlanId }), () => reload(), 'Delete'), { cls: 'danger', aria: `Delete usage plan ${p.UsagePlanName}` })),
      },
    ],
  });
  return page('Usage plans', 'A usage plan sets a rate and a quota for the keys it holds, where it is bound: a service environment, or some of its APIs.',
    toolbar(btn('Create usage plan', () => planForm(null, (r) => location.assign(`#/plans/${r.Result.UsagePlanId}`)), { cls: 'primary', id: 'create-plan' })), list);
});

route('/plans/:id', async (p) => {
  const plan = (await call('DescribeUsagePlan', { UsagePlanId: p.id })).Result;
  const keysBox = h('div');
  const envBox = h('div');
  const reloadKeys = async () => {
    const keys = await all('DescribeUsagePlanSecretIds', { UsagePlanId: p.id }, 'AccessKeyList');
    keysBox.replaceChildren(table([
      { label: 'Key', get: (k) => k.SecretName },
      { label: 'SecretId', get: (k) => code(k.AccessKeyId) },
      { label: 'Status', get: (k) => (k.Status === 1 ? 'enabled' : 'disabled') },
      { label: 'Actions', get: (k) => btn('Unbind', () => confirm(`Unbind key ${k.SecretName}?`, 'It stops working where this plan is bound.',
        () => call('UnBindSecretIds', { UsagePlanId: p.id, AccessKeyIds: [k.AccessKeyId] }), reloadKeys, 'Unbind'), { cls: 'danger', aria: `Unbind key ${k.SecretName}` }) },
    ], keys, { caption: 'Bound keys', empty: 'No keys bound.' }));
  };
  const reloadEnvs = async () => {
    const svcEnvs = await all('DescribeUsagePlanEnvironments', { UsagePlanId: p.id, BindType: 'SERVICE' }, 'EnvironmentList');
    const apiEnvs = await all('DescribeUsagePlanEnvironments', { UsagePlanId: p.id, BindType: 'API' }, 'EnvironmentList');
    const rows = [...svcEnvs.map((e) => ({ ...e, BindType: 'SERVICE' })), ...apiEnvs.map((e) => ({ ...e, BindType: 'API' }))];
    envBox.replaceChildren(table([
      { label: 'Service', get: (e) => link(e.ServiceName || e.ServiceId, `#/services/${e.ServiceId}`) },
      { label: 'Environment', get: (e) => e.Environment },
      { label: 'Bound to', get: (e) => (e.BindType === 'API' ? `API ${e.ApiName} (${e.Method} ${e.Path})` : 'the whole service') },
      { label: 'Used', get: (e) => String(e.InUseRequestNum ?? 0) },
      { label: 'Actions', get: (e) => btn('Unbind', () => confirm('Unbind the plan here?', 'Its keys stop working here.',
        () => call('UnBindEnvironment', { UsagePlanIds: [p.id], BindType: e.BindType, Environment: e.Environment, ServiceId: e.ServiceId, ApiIds: e.BindType === 'API' ? [e.ApiId] : undefined }),
        reloadEnvs, 'Unbind'), { cls: 'danger', aria: `Unbind from ${e.ServiceName} ${e.Environment} ${e.ApiName || ''}` }) },
    ], rows, { caption: 'Bound environments', empty: 'Not bound to any environment yet.' }));
  };
  await Promise.all([reloadKeys(), reloadEnvs()]);
  return h('section', { class: 'page' },
    h('p', { class: 'crumbs' }, link('Usage plans', '#/plans'), ' › ', plan.UsagePlanName),
    h('h1', { tabindex: '-1' }, `Usage plan ${plan.UsagePlanName}`),
    h('dl', { class: 'facts' }, h('dt', null, 'UsagePlanId'), h('dd', null, code(plan.UsagePlanId)),
      h('dt', null, 'Requests per second'), h('dd', null, limitText(plan.MaxRequestNumPreSec)),
      h('dt', null, 'Quota'), h('dd', null, limitText(plan.MaxRequestNum))),
    h('h2', null, 'Keys', h('span', { class: 'seed', lang: 'zh' }, ' 绑定密钥')),
    toolbar(btn('Bind keys', () => bindKeys(p.id, reloadKeys), { cls: 'primary', id: 'bind-keys' })), keysBox,
    h('h2', null, 'Environments', h('span', { class: 'seed', lang: 'zh' }, ' 绑定服务环境')),
    toolbar(btn('Bind environment', () => bindEnv(p.id, reloadEnvs), { cls: 'primary', id: 'bind-environment' })), envBox);
});

async function bindKeys(planId, done) {
  const keys = await all('DescribeApiKeysStatus', { Filters: [{ Name: 'NotUsagePlanId', Values: [planId] }] }, 'ApiKeySet');
  const group = checks('Keys to bind', 'key', keys.map((k) => [k.AccessKeyId, `${k.SecretName} (${k.AccessKeyId})`]));
  formDialog('Bind keys', {
    id: 'bindkeys-form', fields: [], extra: group, submitLabel: 'Bind',
    onSubmit: () => call('BindSecretIds', { UsagePlanId: planId, AccessKeyIds: group.values() }),
  }, async () => { notify('Keys bound.'); await done(); });
}

// servicePicker is a service select and, under it, the service's APIs as
// checkboxes (or a single select with single).
async function servicePicker(prefix, { single } = {}) {
  const services = await all('DescribeServicesStatus', {}, 'ServiceSet');
  const svc = field({ name: 'ServiceId', label: 'Service', type: 'select', required: true,
    options: services.map((s) => [s.ServiceId, `${s.ServiceName} (${s.ServiceId})`]) }, prefix);
  const apisBox = h('div', { class: 'apis-box' });
  let group = null;
  const load = async () => {
    const apis = svc.input.value ? await all('DescribeApisStatus', { ServiceId: svc.input.value }, 'ApiIdStatusSet') : [];
    const opts = apis.map((a) => [a.ApiId, `${a.ApiName} (${a.Method} ${a.Path})`]);
    if (single) {
      group = field({ name: 'ApiId', label: 'API', type: 'select', required: true, options: opts }, prefix);
      apisBox.replaceChildren(group);
    } else {
      group = checks('APIs', 'api', opts);
      apisBox.replaceChildren(group);
    }
  };
  svc.input.addEventListener('change', load);
  await load();
  return { svc, apisBox, apis: () => (single ? group.input.value : group.values()) };
}

async function bindEnv(planId, done) {
  const pick = await servicePicker('bindenv');
  const envF = field({ name: 'Environment', label: 'Environment', type: 'select', options: ENVIRONMENTS, value: 'release', required: true }, 'bindenv');
  const typeF = field({ name: 'BindType', label: 'Bind to', type: 'select', options: [['SERVICE', 'the whole service'], ['API', 'the APIs checked below']], required: true }, 'bindenv');
  const toggle = () => { pick.apisBox.hidden = typeF.input.value !== 'API'; };
  typeF.input.addEventListener('change', toggle);
  toggle();
  formDialog('Bind the plan to an environment', {
    id: 'bindenv-form', fields: [], submitLabel: 'Bind',
    extra: h('div', { class: 'fields' }, pick.svc, envF, typeF, pick.apisBox),
    onSubmit: () => {
      const v = collect([pick.svc, envF, typeF]);
      if (v.BindType === 'API') v.ApiIds = pick.apis();
      return call('BindEnvironment', { UsagePlanIds: [planId], ...v });
    },
  }, async () => { notify('Plan bound.'); await done(); });
}

// ---- apps (应用) ----

function appForm(app, done) {
  formDialog(app ? `Edit app ${app.ApiAppName}` : 'Create app', {
    id: 'app-form', submitLabel: app ? 'Save' : 'Create',
    fields: [
      { name: 'ApiAppName', label: 'App name', seed: '应用名称', required: true, value: app && app.ApiAppName },
      { name: 'ApiAppDesc', label: 'Description', type: 'textarea', rows: 2, value: app && app.ApiAppDesc, keepEmpty: !!app },
    ],
    onSubmit: (v) => (app ? call('ModifyApiApp', { ApiAppId: app.ApiAppId, ...v }) : call('CreateApiApp', v)),
  }, async () => { notify('App saved.'); await done(); });
}

route('/apps', async () => {
  let list;
  const reload = () => list.reload();
  list = await paged({
    action: 'DescribeApiAppsStatus', key: 'ApiAppSet', caption: 'Apps', empty: 'No apps yet.',
    rowAttrs: (a) => ({ 'data-app-id': a.ApiAppId }),
    cols: [
      { label: 'Name', get: (a) => a.ApiAppName },
      { label: 'ApiAppId', get: (a) => code(a.ApiAppId) },
      { label: 'ApiAppKey', get: (a) => code(a.ApiAppKey) },
      { label: 'Modified', get: (a) => when(a.ModifiedTime) },
      {
        label: 'Actions', get: (a) => rowActions(
          btn('APIs', () => appApis(a), { aria: `APIs of app ${a.ApiAppName}` }),
          btn('Show secret', async () => {
            const r = (await call('DescribeApiApp', { ApiAppId: a.ApiAppId })).Result.ApiAppSet[0];
            dialog(`App ${a.ApiAppName}`, h('dl', { class: 'facts secret' }, h('dt', null, 'ApiAppKey'), h('dd', null, code(r.ApiAppKey)),
              h('dt', null, 'ApiAppSecret'), h('dd', null, code(r.ApiAppSecret))));
          }, { aria: `Show the secret of app ${a.ApiAppName}` }),
          btn('Edit', () => appForm(a, reload), { aria: `Edit app ${a.ApiAppName}` }),
          btn('Rotate', () => confirm(`Rotate the secret of ${a.ApiAppName}?`, 'A new secret replaces the old one at once.',
            () => call('UpdateApiAppKey', { ApiAppId: a.ApiAppId, ApiAppKey: a.ApiAppKey }), () => notify('Secret rotated.'), 'Rotate'), { aria: `Rotate the secret of app ${a.ApiAppName}` }),
          btn('Delete', () => confirm(`Delete app ${a.ApiAppName}?`, 'Its bindings go with it.',
            () => call('DeleteApiApp', { ApiAppId: a.ApiAppId }), () => reload(), 'Delete'), { cls: 'danger', aria: `Delete app ${a.ApiAppName}` })),
      },
    ],
  });
  return page('Apps', 'An app (ApiAppKey and secret) calls the APIs it is bound to whose authentication is "app".',
    toolbar(btn('Create app', () => appForm(null, reload), { cls: 'primary', id: 'create-app' })), list);
});

async function appApis(app) {
  const box = h('div');
  const reload = async () => {
    const rows = await all('DescribeApiAppBindApisStatus', { ApiAppId: app.ApiAppId }, 'ApiAppApiSet');
    box.replaceChildren(table([
      { label: 'API', get: (r) => r.ApiName },
      { label: 'Service', get: (r) => code(r.ServiceId) },
      { label: 'Environment', get: (r) => r.EnvironmentName },
      { label: 'Actions', get: (r) => btn('Unbind', () => call('UnbindApiApp', { ApiAppId: app.ApiAppId, ServiceId: r.ServiceId, ApiId: r.ApiId, Environment: r.EnvironmentName }).then(reload),
        { cls: 'danger', aria: `Unbind API ${r.ApiName} in ${r.EnvironmentName}` }) },
    ], rows, { caption: 'Bound APIs', empty: 'Not bound to any API.' }));
  };
  await reload();
  const pick = await servicePicker('appbind', { single: true });
  const envF = field({ name: 'Environment', label: 'Environment', type: 'select', options: ENVIRONMENTS, value: 'release' }, 'appbind');
  const f = form({
    id: 'appbind-form', fields: [], submitLabel: 'Bind', extra: h('div', { class: 'fields' }, pick.svc, pick.apisBox, envF),
    onSubmit: async () => {
      await call('BindApiApp', { ApiAppId: app.ApiAppId, ServiceId: pick.svc.input.value, ApiId: pick.apis(), Environment: envF.input.value });
      notify('App bound.');
      await reload();
    },
  });
  dialog(`APIs of app ${app.ApiAppName}`, h('div', null, box, h('h3', null, 'Bind to an API'), f), { wide: true });
}

export { servicePicker };
