// Services (seed 服务管理, 发布与访问): the list, one service's APIs,
// environments (release, switch version = rollback, take offline),
// versions and release history, custom domains, IP strategies and the
// usage plans bound to it.

import {
  h, call, all, route, go, paged, page, toolbar, btn, link, code, when, rowActions, formDialog, confirm,
  notify, dialog, checks, form, ENVIRONMENTS, table,
} from './app.js';

const PROTOCOLS = [['http', 'http'], ['https', 'https'], ['http&https', 'http & https']];

// serviceForm creates (svc null) or edits a service.
function serviceForm(svc, done) {
  formDialog(svc ? `Edit service ${svc.ServiceName}` : 'Create service', {
    id: 'service-form',
    submitLabel: svc ? 'Save' : 'Create',
    fields: [
      { name: 'ServiceName', label: 'Service name', seed: '服务名称', required: true, value: svc && svc.ServiceName,
        hint: 'Letters and digits, at most 30, stored lower-case.' },
      { name: 'Protocol', label: 'Front-end type', seed: '前端类型', type: 'select', options: PROTOCOLS, value: svc ? svc.Protocol : 'http&https', required: true },
      { name: 'ServiceDesc', label: 'Description', seed: '备注', type: 'textarea', rows: 2, value: svc && svc.ServiceDesc, keepEmpty: !!svc },
    ],
    onSubmit: (v) => svc ? call('ModifyService', { ServiceId: svc.ServiceId, ...v }) : call('CreateService', v),
  }, async (r) => {
    notify(svc ? `Service ${svc.ServiceId} saved.` : `Service ${r.ServiceId} created.`);
    await done(r);
  });
}

// releaseForm releases the service's current APIs to an environment as a
// new version (seed 服务发布).
export function releaseForm(svc, env, done) {
  formDialog(`Release ${svc.ServiceName || svc.ServiceId}`, {
    id: 'release-form',
    submitLabel: 'Release',
    fields: [
      { name: 'EnvironmentName', label: 'Environment', seed: '发布环境', type: 'select', options: ENVIRONMENTS, value: env || 'release', required: true },
      { name: 'ReleaseDesc', label: 'Release note', seed: '发布说明', required: true, hint: 'Kept with the version, for switching back later.' },
    ],
    onSubmit: (v) => call('ReleaseService', { ServiceId: svc.ServiceId, ...v }),
  }, async (r) => {
    notify(`Released as version ${r.Result.ReleaseVersion}.`);
    if (done) await done(r);
  });
}

route('/services', async () => {
  let list;
  const reload = () => list.reload();
  list = await paged({
    action: 'DescribeServicesStatus', key: 'ServiceSet', caption: 'Services',
    empty: 'No services yet. Create one to start.',
    rowAttrs: (s) => ({ 'data-service-id': s.ServiceId }),
    cols: [
      { label: 'Name', get: (s) => link(s.ServiceName || s.ServiceId, `#/services/${s.ServiceId}`) },
      { label: 'ServiceId', get: (s) => code(s.ServiceId) },
      { label: 'Front end', get: (s) => s.Protocol },
      { label: 'Released to', get: (s) => (s.AvailableEnvironments || []).join(', ') || '—' },
      { label: 'Created', get: (s) => when(s.CreatedTime) },
      {
        label: 'Actions', get: (s) => rowActions(
          btn('Edit', () => serviceForm(s, reload), { aria: `Edit service ${s.ServiceName}` }),
          btn('Release', () => releaseForm(s, 'release', reload), { aria: `Release service ${s.ServiceName}` }),
          btn('Delete', () => confirm(`Delete service ${s.ServiceName}?`, 'Its APIs, versions and bindings go with it. Take its environments offline first.',
            () => call('DeleteService', { ServiceId: s.ServiceId }), () => { notify(`Service ${s.ServiceId} deleted.`); return reload(); }, 'Delete'),
          { cls: 'danger', aria: `Delete service ${s.ServiceName}` })),
      },
    ],
  });
  return page('Services', 'A service holds APIs and gets a default domain; release it to an environment (test, prepub, release) to serve it.',
    toolbar(btn('Create service', () => serviceForm(null, (r) => go(`#/services/${r.ServiceId}`)), { cls: 'primary', id: 'create-service' })),
    list);
});

const TABS = [['apis', 'APIs'], ['environments', 'Environments'], ['versions', 'Versions'], ['domains', 'Custom domains'],
  ['ipstrategies', 'IP strategies'], ['plans', 'Usage plans']];

route('/services/:id', (p) => servicePage(p.id, 'apis'));
route('/services/:id/:tab', (p) => servicePage(p.id, p.tab));

async function servicePage(id, tab) {
  const svc = (await call('DescribeService', { ServiceId: id }));
  const s = { ...svc, ServiceId: id };
  const render = TAB_PAGES[tab];
  if (!render) return page('Not found', `No tab ${tab}.`);
  const body = await render(s);
  return h('section', { class: 'page' },
    h('p', { class: 'crumbs' }, link('Services', '#/services'), ' › ', s.ServiceName),
    h('h1', { tabindex: '-1' }, `Service ${s.ServiceName}`),
    h('dl', { class: 'facts' },
      h('dt', null, 'ServiceId'), h('dd', null, code(id)),
      h('dt', null, 'Default domain'), h('dd', null, code(s.OuterSubDomain || s.InnerSubDomain || '')),
      h('dt', null, 'Front end'), h('dd', null, s.Protocol || ''),
      s.ServiceDesc ? [h('dt', null, 'Description'), h('dd', null, s.ServiceDesc)] : null),
    h('nav', { class: 'tabs', 'aria-label': 'Service sections' }, h('ul', null, TABS.map(([t, l]) =>
      h('li', null, h('a', { href: `#/services/${id}/${t}`, 'aria-current': t === tab ? 'page' : null, id: `tab-${t}` }, l))))),
    h('div', { class: 'tab-body' }, body));
}

const TAB_PAGES = {
  apis: async (s) => {
    let list;
    const reload = () => list.reload();
    list = await paged({
      action: 'DescribeApisStatus', params: { ServiceId: s.ServiceId }, key: 'ApiIdStatusSet', caption: 'APIs',
      empty: 'No APIs yet. Create one with the wizard.',
      rowAttrs: (a) => ({ 'data-api-id': a.ApiId }),
      cols: [
        { label: 'Name', get: (a) => a.ApiName || a.ApiId },
        { label: 'ApiId', get: (a) => code(a.ApiId) },
        { label: 'Method', get: (a) => a.Method },
        { label: 'Path', get: (a) => code(a.Path) },
        { label: 'Auth', get: (a) => a.AuthType },
        {
          label: 'Actions', get: (a) => rowActions(
            link('Edit', `#/services/${s.ServiceId}/apis/${a.ApiId}/edit`, { cls: 'button', aria: `Edit API ${a.ApiName}` }),
            link('Debug', `#/services/${s.ServiceId}/apis/${a.ApiId}/debug`, { cls: 'button', aria: `Debug API ${a.ApiName}` }),
            btn('Delete', () => confirm(`Delete API ${a.ApiName}?`, 'Released versions keep serving it until the next release.',
              () => call('DeleteApi', { ServiceId: s.ServiceId, ApiId: a.ApiId }), () => { notify(`API ${a.ApiId} deleted.`); return reload(); }, 'Delete'),
            { cls: 'danger', aria: `Delete API ${a.ApiName}` })),
        },
      ],
    });
    return [toolbar(link('Create API', `#/services/${s.ServiceId}/apis/new`, { cls: 'button primary', id: 'create-api' }),
      btn('Release', () => releaseForm(s, 'release'), { id: 'release-service' })), list];
  },

  environments: async (s) => {
    const box = h('div');
    const reload = async () => {
      const envs = (await call('DescribeServiceEnvironmentList', { ServiceId: s.ServiceId, Limit: 100 })).Result.EnvironmentList;
      box.replaceChildren(table([
        { label: 'Environment', get: (e) => e.EnvironmentName },
        { label: 'Status', get: (e) => (e.Status === 1 ? h('span', { class: 'ok' }, 'Released') : h('span', { class: 'off' }, 'Not released')) },
        { label: 'Version', get: (e) => (e.VersionName ? code(e.VersionName) : '—') },
        { label: 'URL', get: (e) => code(e.Url) },
        {
          label: 'Actions', get: (e) => rowActions(
            btn('Release', () => releaseForm(s, e.EnvironmentName, reload), { aria: `Release to ${e.EnvironmentName}` }),
            btn('Switch version', () => switchForm(s, e.EnvironmentName, null, reload), { aria: `Switch ${e.EnvironmentName} to another version`, id: `switch-${e.EnvironmentName}` }),
            e.Status === 1 ? btn('Take offline', () => confirm(`Take ${e.EnvironmentName} offline?`, `The edge stops serving service ${s.ServiceName} in ${e.EnvironmentName}.`,
              () => call('UnReleaseService', { ServiceId: s.ServiceId, EnvironmentName: e.EnvironmentName }),
              () => { notify(`${e.EnvironmentName} taken offline.`); return reload(); }, 'Take offline'), { cls: 'danger', aria: `Take ${e.EnvironmentName} offline` }) : null),
        },
      ], envs, { caption: 'Environments', rowAttrs: (e) => ({ 'data-env': e.EnvironmentName }) }));
    };
    await reload();
    return [h('p', null, 'Each release freezes the service\'s APIs into a version. Switching an environment to an earlier version rolls it back (seed 环境版本切换).'), box];
  },

  versions: async (s) => {
    const versions = await all('DescribeServiceReleaseVersion', { ServiceId: s.ServiceId }, 'VersionList');
    const hist = h('div', { class: 'history' });
    const showHistory = async (env) => {
      const list = await all('DescribeServiceEnvironmentReleaseHistory', { ServiceId: s.ServiceId, EnvironmentName: env }, 'VersionList');
      hist.replaceChildren(table([
        { label: 'Version', get: (v) => code(v.VersionName) },
        { label: 'Note', get: (v) => v.VersionDesc },
        { label: 'When', get: (v) => when(v.ReleaseTime) },
      ], list, { caption: `Release history of ${env}`, empty: `Nothing was released to ${env} yet.` }));
    };
    const envSel = form({
      id: 'history-form', submitLabel: 'Show history',
      fields: [{ name: 'EnvironmentName', label: 'Environment', type: 'select', options: ENVIRONMENTS, value: 'release' }],
      onSubmit: (v) => showHistory(v.EnvironmentName),
    });
    await showHistory('release');
    return [
      table([
        { label: 'Version', get: (v) => code(v.VersionName) },
        { label: 'Note', get: (v) => v.VersionDesc },
        { label: 'Released', get: (v) => when(v.ReleaseTime) },
        { label: 'Actions', get: (v) => btn('Switch an environment to it', () => switchForm(s, 'release', v.VersionName), { aria: `Switch an environment to version ${v.VersionName}` }) },
      ], versions, { caption: 'Versions', empty: 'No versions yet: release the service.' }),
      h('h2', null, 'Release history'), envSel, hist,
    ];
  },

  domains: async (s) => {
    const box = h('div');
    const reload = async () => {
      const list = await all('DescribeServiceSubDomains', { ServiceId: s.ServiceId }, 'DomainSet');
      box.replaceChildren(table([
        { label: 'Domain', get: (d) => code(d.DomainName) },
        { label: 'Protocol', get: (d) => d.Protocol },
        { label: 'Network', get: (d) => d.NetType },
        { label: 'Certificate', get: (d) => d.CertificateId || '—' },
        { label: 'Paths', get: (d) => (d.IsDefaultMapping ? 'default (/<environment>)' : 'custom') },
        { label: 'Forced HTTPS', get: (d) => (d.IsForcedHttps ? 'yes' : 'no') },
        {
          label: 'Actions', get: (d) => rowActions(
            d.IsDefaultMapping ? null : btn('Mappings', () => showMappings(s, d.DomainName), { aria: `Path mappings of ${d.DomainName}` }),
            btn('Unbind', () => confirm(`Unbind ${d.DomainName}?`, 'The edge stops answering on it at once.',
              () => call('UnBindSubDomain', { ServiceId: s.ServiceId, SubDomain: d.DomainName }), () => { notify(`${d.DomainName} unbound.`); return reload(); }, 'Unbind'),
            { cls: 'danger', aria: `Unbind ${d.DomainName}` })),
        },
      ], list, { caption: 'Custom domains', empty: 'No custom domains. Point a CNAME at the default domain, then bind it here.' }));
    };
    await reload();
    return [toolbar(btn('Bind domain', () => domainForm(s, reload), { cls: 'primary', id: 'bind-domain' })), box];
  },

  ipstrategies: async (s) => {
    const box = h('div');
    const reload = async () => {
      const list = await all('DescribeIPStrategysStatus', { ServiceId: s.ServiceId }, 'StrategySet');
      box.replaceChildren(table([
        { label: 'Name', get: (x) => x.StrategyName },
        { label: 'StrategyId', get: (x) => code(x.StrategyId) },
        { label: 'Type', get: (x) => (x.StrategyType === 'WHITE' ? 'allow list (WHITE)' : 'deny list (BLACK)') },
        { label: 'Addresses', get: (x) => h('pre', { class: 'inline' }, x.StrategyData) },
        {
          label: 'Actions', get: (x) => rowActions(
            btn('Edit', () => ipForm(s, x, reload), { aria: `Edit IP strategy ${x.StrategyName}` }),
            btn('Bind APIs', () => ipBindForm(s, x), { aria: `Bind IP strategy ${x.StrategyName} to APIs` }),
            btn('Delete', () => confirm(`Delete IP strategy ${x.StrategyName}?`, 'Its bindings go with it.',
              () => call('DeleteIPStrategy', { ServiceId: s.ServiceId, StrategyId: x.StrategyId }), () => reload(), 'Delete'),
            { cls: 'danger', aria: `Delete IP strategy ${x.StrategyName}` })),
        },
      ], list, { caption: 'IP strategies', empty: 'No IP strategies.' }));
    };
    await reload();
    return [toolbar(btn('Create IP strategy', () => ipForm(s, null, reload), { cls: 'primary', id: 'create-ipstrategy' })), box];
  },

  plans: async (s) => {
    const list = await all('DescribeServiceUsagePlan', { ServiceId: s.ServiceId }, 'ServiceUsagePlanList');
    return [h('p', null, 'Usage plans bound to this service (bind them from ', link('Usage plans', '#/plans'), ').'),
      table([
        { label: 'Plan', get: (p) => link(p.UsagePlanName || p.UsagePlanId, `#/plans/${p.UsagePlanId}`) },
        { label: 'Environment', get: (p) => p.Environment },
        { label: 'Requests/s', get: (p) => limitText(p.MaxRequestNumPreSec) },
        { label: 'Quota', get: (p) => limitText(p.MaxRequestNum) },
        { label: 'Used', get: (p) => String(p.InUseRequestNum ?? 0) },
      ], list, { caption: 'Usage plans', empty: 'No usage plan is bound to this service.' })];
  },
};

export function limitText(n) { return n == null || n < 0 ? 'unlimited' : String(n); }

// switchForm points an environment at a released version (UpdateService):
// the seed's 切换至版本, which is how a release is rolled back.
async function switchForm(s, env, version, done) {
  const versions = await all('DescribeServiceReleaseVersion', { ServiceId: s.ServiceId }, 'VersionList');
  formDialog('Switch version', {
    id: 'switch-form', submitLabel: 'Switch',
    fields: [
      { name: 'EnvironmentName', label: 'Environment', type: 'select', options: ENVIRONMENTS, value: env },
      { name: 'VersionName', label: 'Version', seed: '切换至版本', type: 'select', required: true, value: version || undefined,
        options: versions.map((v) => [v.VersionName, `${v.VersionName} — ${v.VersionDesc}`]) },
      { name: 'UpdateDesc', label: 'Note', hint: 'Optional; the version\'s own note when empty.' },
    ],
    onSubmit: (v) => call('UpdateService', { ServiceId: s.ServiceId, ...v }).then(() => v),
  }, async (v) => {
    notify(`${v.EnvironmentName} now serves version ${v.VersionName}.`);
    if (done) await done();
    else go(`#/services/${s.ServiceId}/environments`);
  });
}

async function domainForm(s, done) {
  const certs = await all('DescribeCertificates', {}, 'CertificateSet');
  const svcCerts = certs.filter((c) => (c.CertificateType || 'SVR') === 'SVR');
  const mapping = h('fieldset', { class: 'sub', hidden: true }, h('legend', null, 'Custom path mappings'));
  const rows = ENVIRONMENTS.map(([env, label]) => {
    const id = `map-${env}`;
    const input = h('input', { id, type: 'text', autocomplete: 'off', placeholder: `/${env}` });
    mapping.append(h('div', { class: 'field' }, h('label', { for: id }, `Path for ${label}`), input));
    return [env, input];
  });
  const d = formDialog(`Bind a custom domain to ${s.ServiceName}`, {
    id: 'domain-form', submitLabel: 'Bind',
    fields: [
      { name: 'SubDomain', label: 'Domain', seed: '自定义域名', required: true, hint: 'Its CNAME must point at the default domain.' },
      { name: 'Protocol', label: 'Protocol', type: 'select', options: PROTOCOLS, value: 'http', required: true },
      { name: 'NetType', label: 'Network', type: 'select', options: [['OUTER', 'public (OUTER)'], ['INNER', 'private (INNER)']], required: true },
      { name: 'NetSubDomain', label: 'CNAME target', value: s.OuterSubDomain || s.InnerSubDomain, required: true },
      { name: 'CertificateId', label: 'Certificate', seed: '证书', type: 'select', options: [['', '— none (HTTP only) —'], ...svcCerts.map((c) => [c.CertificateId, `${c.Alias} (${c.CertificateId})`])] },
      { name: 'IsDefaultMapping', label: 'Default path mapping (/<environment>)', type: 'checkbox', value: true,
        onchange: (e) => { mapping.hidden = e.target.checked; } },
      { name: 'IsForcedHttps', label: 'Redirect HTTP to HTTPS', type: 'checkbox' },
    ],
    extra: mapping,
    onSubmit: (v) => {
      if (!v.IsDefaultMapping) {
        v.PathMappingSet = rows.filter(([, i]) => i.value.trim()).map(([env, i]) => ({ Path: i.value.trim(), Environment: env }));
      }
      return call('BindSubDomain', { ServiceId: s.ServiceId, ...v });
    },
  }, async () => { notify('Domain bound.'); await done(); });
  return d;
}

async function showMappings(s, domain) {
  const r = (await call('DescribeServiceSubDomainMappings', { ServiceId: s.ServiceId, SubDomain: domain })).Result;
  dialog(`Path mappings of ${domain}`, table([
    { label: 'Path', get: (m) => code(m.Path) },
    { label: 'Environment', get: (m) => m.Environment },
  ], r.PathMappingSet || [], { empty: 'Default mapping.' }));
}

function ipForm(s, x, done) {
  formDialog(x ? `Edit IP strategy ${x.StrategyName}` : 'Create IP strategy', {
    id: 'ip-form', submitLabel: x ? 'Save' : 'Create',
    fields: x ? [
      { name: 'StrategyData', label: 'Addresses', type: 'textarea', value: x.StrategyData, required: true, hint: 'IPs or CIDRs, one a line.' },
    ] : [
      { name: 'StrategyName', label: 'Name', required: true },
      { name: 'StrategyType', label: 'Type', type: 'select', options: [['WHITE', 'allow list (WHITE)'], ['BLACK', 'deny list (BLACK)']], required: true },
      { name: 'StrategyData', label: 'Addresses', type: 'textarea', required: true, hint: 'IPs or CIDRs, one a line.' },
    ],
    onSubmit: (v) => (x ? call('ModifyIPStrategy', { ServiceId: s.ServiceId, StrategyId: x.StrategyId, ...v }) : call('CreateIPStrategy', { ServiceId: s.ServiceId, ...v })),
  }, async () => { notify('IP strategy saved.'); await done(); });
}

// ipBindForm binds (or unbinds) an IP strategy and APIs in an environment.
async function ipBindForm(s, x) {
  const apis = await all('DescribeApisStatus', { ServiceId: s.ServiceId }, 'ApiIdStatusSet');
  const env = h('select', { id: 'ipbind-env' }, ENVIRONMENTS.map(([v, l]) => h('option', { value: v }, l)));
  env.value = 'release';
  const box = h('div');
  const refresh = async () => {
    const r = (await call('DescribeIPStrategy', { ServiceId: s.ServiceId, StrategyId: x.StrategyId, EnvironmentName: env.value, Limit: 100 })).Result;
    const bound = (r.BindApis || []).map((a) => a.ApiId);
    const group = checks('APIs bound in this environment', 'api', apis.map((a) => [a.ApiId, `${a.ApiName} (${a.Method} ${a.Path})`]), bound);
    const f = form({
      id: 'ipbind-form', fields: [], submitLabel: 'Save bindings', extra: group,
      onSubmit: async () => {
        const want = group.values();
        const add = want.filter((id) => !bound.includes(id));
        const drop = bound.filter((id) => !want.includes(id));
        if (add.length) await call('BindIPStrategy', { ServiceId: s.ServiceId, StrategyId: x.StrategyId, EnvironmentName: env.value, BindApiIds: add });
        if (drop.length) await call('UnBindIPStrategy', { ServiceId: s.ServiceId, StrategyId: x.StrategyId, EnvironmentName: env.value, UnBindApiIds: drop });
        notify('Bindings saved.');
        await refresh();
      },
    });
    box.replaceChildren(f);
  };
  env.addEventListener('change', refresh);
  await refresh();
  dialog(`Bind ${x.StrategyName} to APIs`, h('div', null, h('div', { class: 'field' }, h('label', { for: 'ipbind-env' }, 'Environment'), env), box));
}
