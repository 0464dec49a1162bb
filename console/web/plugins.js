// Plugins (seed 000, 插件使用, 插件相关接口) and certificates (Edgegate's
// certificate Actions, for custom domains and HTTPS back ends).

import {
  h, call, all, route, paged, page, toolbar, btn, link, code, when, rowActions, formDialog, confirm, notify,
  field, table, ENVIRONMENTS, collect,
} from './app.js';
import { servicePicker } from './access.js';

// Templates of PluginData per type (README "PluginData schemas").
const TEMPLATES = {
  TrafficControl: { expire_type: 'second', api_rate_limit: 100 },
  TrafficControlByParameter: { default_window: 60, default_rate_limit: 5, strategies: [{ name: 'per-user', strategy_weight: 90, parameters: [{ type: 'header', name: 'X-User' }], rate_limit: 100, window: 60 }] },
  Cors: { allow_origin: ['https://app.example.com'], allow_methods: ['GET', 'POST'], max_age: 600 },
  IPControl: { type: 'white_list', blocks: '10.0.0.0/8' },
  Compression: { Enabled: true },
};
const TYPES = [['TrafficControl', 'Traffic control (基础流控)'], ['TrafficControlByParameter', 'Traffic control by parameter (参数流量控制)'],
  ['Cors', 'CORS (跨域访问控制)'], ['IPControl', 'IP control (IP访问控制)'], ['Compression', 'Compression (Edgegate)']];

function pluginForm(pl, done) {
  const d = formDialog(pl ? `Edit plugin ${pl.PluginName}` : 'Create plugin', {
    id: 'plugin-form', submitLabel: pl ? 'Save' : 'Create', wide: true,
    fields: [
      { name: 'PluginName', label: 'Plugin name', seed: '插件名称', required: true, value: pl && pl.PluginName, hint: '2-50 of a-z A-Z 0-9 _, starting with a letter.' },
      pl ? null : { name: 'PluginType', label: 'Plugin type', seed: '插件类型', type: 'select', options: TYPES, required: true,
        onchange: (e) => { const ta = d.querySelector('#plugin-form-PluginData'); ta.value = JSON.stringify(TEMPLATES[e.target.value], null, 2); } },
      { name: 'Description', label: 'Description', type: 'textarea', rows: 2, value: pl && pl.Description, keepEmpty: !!pl },
      { name: 'PluginData', label: 'Plugin data (JSON)', type: 'textarea', rows: 8, required: true,
        value: pl ? pretty(pl.PluginData) : JSON.stringify(TEMPLATES.TrafficControl, null, 2), hint: 'Checked by the Action API; unknown keys are refused.' },
    ].filter(Boolean),
    onSubmit: (v) => (pl ? call('ModifyPlugin', { PluginId: pl.PluginId, ...v }) : call('CreatePlugin', v)),
  }, async (r) => { notify('Plugin saved.'); await done(r); });
}

function pretty(s) {
  try { return JSON.stringify(JSON.parse(s), null, 2); } catch (e) { return s; }
}

route('/plugins', async () => {
  let list;
  const reload = () => list.reload();
  list = await paged({
    action: 'DescribePlugins', key: 'PluginSet', caption: 'Plugins', empty: 'No plugins yet.',
    rowAttrs: (x) => ({ 'data-plugin-id': x.PluginId }),
    cols: [
      { label: 'Name', get: (x) => link(x.PluginName, `#/plugins/${x.PluginId}`) },
      { label: 'PluginId', get: (x) => code(x.PluginId) },
      { label: 'Type', get: (x) => x.PluginType },
      { label: 'Attached APIs', get: (x) => String(x.AttachedApiTotalCount ?? 0) },
      { label: 'Modified', get: (x) => when(x.ModifiedTime) },
      {
        label: 'Actions', get: (x) => rowActions(
          btn('Edit', () => pluginForm(x, reload), { aria: `Edit plugin ${x.PluginName}` }),
          btn('Delete', () => confirm(`Delete plugin ${x.PluginName}?`, 'It is detached everywhere at once.',
            () => call('DeletePlugin', { PluginId: x.PluginId }), () => reload(), 'Delete'), { cls: 'danger', aria: `Delete plugin ${x.PluginName}` })),
      },
    ],
  });
  return page('Plugins', 'Plugins add traffic control, CORS, IP control or compression to the APIs they are attached to, per environment.',
    toolbar(btn('Create plugin', () => pluginForm(null, reload), { cls: 'primary', id: 'create-plugin' })), list);
});

route('/plugins/:id', async (p) => {
  const pl = (await call('DescribePlugin', { PluginId: p.id, Limit: 1 })).Result;
  const box = h('div');
  const reload = async () => {
    const apis = await all('DescribePluginApis', { PluginId: p.id }, 'AttachedApis');
    box.replaceChildren(table([
      { label: 'API', get: (a) => a.ApiName || a.ApiId },
      { label: 'Service', get: (a) => link(a.ServiceName || a.ServiceId, `#/services/${a.ServiceId}`) },
      { label: 'Environment', get: (a) => a.Environment },
      { label: 'Attached', get: (a) => when(a.AttachedTime) },
      { label: 'Actions', get: (a) => btn('Detach', () => confirm(`Detach from ${a.ApiName}?`, `In ${a.Environment}.`,
        () => call('DetachPlugin', { PluginId: p.id, ServiceId: a.ServiceId, EnvironmentName: a.Environment, ApiId: a.ApiId }), reload, 'Detach'),
      { cls: 'danger', aria: `Detach from ${a.ApiName} in ${a.Environment}` }) },
    ], apis, { caption: 'Attached APIs', empty: 'Not attached to any API.' }));
  };
  await reload();
  return h('section', { class: 'page' },
    h('p', { class: 'crumbs' }, link('Plugins', '#/plugins'), ' › ', pl.PluginName),
    h('h1', { tabindex: '-1' }, `Plugin ${pl.PluginName}`),
    h('dl', { class: 'facts' }, h('dt', null, 'PluginId'), h('dd', null, code(pl.PluginId)), h('dt', null, 'Type'), h('dd', null, pl.PluginType)),
    h('pre', { class: 'review', tabindex: '0', 'aria-label': 'Plugin data' }, pretty(pl.PluginData)),
    toolbar(btn('Attach to APIs', () => attachForm(p.id, reload), { cls: 'primary', id: 'attach-plugin' })), box);
});

async function attachForm(id, done) {
  const pick = await servicePicker('attach');
  const envF = field({ name: 'EnvironmentName', label: 'Environment', type: 'select', options: ENVIRONMENTS, value: 'release', required: true }, 'attach');
  formDialog('Attach the plugin', {
    id: 'attach-form', fields: [], submitLabel: 'Attach', extra: h('div', { class: 'fields' }, pick.svc, envF, pick.apisBox),
    onSubmit: () => call('AttachPlugin', { PluginId: id, ...collect([pick.svc, envF]), ApiIds: pick.apis() }),
  }, async () => { notify('Plugin attached.'); await done(); });
}

// ---- certificates ----

function certForm(done) {
  formDialog('Upload certificate', {
    id: 'cert-form', submitLabel: 'Upload', wide: true,
    fields: [
      { name: 'Alias', label: 'Name', required: true },
      { name: 'CertificateType', label: 'Kind', type: 'select', options: [['SVR', 'served by the edge (SVR)'], ['CA', 'CA bundle (CA)'], ['CLIENT', 'client, to back ends (CLIENT)']] },
      { name: 'CertificatePublicKey', label: 'Certificate chain (PEM)', type: 'textarea', rows: 6, required: true },
      { name: 'CertificatePrivateKey', label: 'Private key (PEM)', type: 'textarea', rows: 6, hint: 'Not for a CA bundle. Sealed at rest.' },
      { name: 'IsDefault', label: 'Default certificate (served when no name matches)', type: 'checkbox' },
    ],
    onSubmit: (v) => call('UploadCertificate', v),
  }, async () => { notify('Certificate stored.'); await done(); });
}

route('/certificates', async () => {
  let list;
  const reload = () => list.reload();
  list = await paged({
    action: 'DescribeCertificates', key: 'CertificateSet', caption: 'Certificates', empty: 'No certificates yet.',
    rowAttrs: (c) => ({ 'data-certificate-id': c.CertificateId }),
    cols: [
      { label: 'Name', get: (c) => c.Alias },
      { label: 'CertificateId', get: (c) => code(c.CertificateId) },
      { label: 'Kind', get: (c) => c.CertificateType + (c.IsDefault ? ' (default)' : '') },
      { label: 'Names', get: (c) => (c.Sans || []).join(', ') || c.CommonName },
      { label: 'Expires', get: (c) => when(c.NotAfter) },
      { label: 'Domains', get: (c) => (c.BindDomains || []).join(', ') || '—' },
      {
        label: 'Actions', get: (c) => btn('Delete', () => confirm(`Delete certificate ${c.Alias}?`, 'Refused while a domain or a released back end uses it.',
          () => call('DeleteCertificate', { CertificateId: c.CertificateId }), () => reload(), 'Delete'), { cls: 'danger', aria: `Delete certificate ${c.Alias}` }),
      },
    ],
  });
  return page('Certificates', 'Certificates for custom domains served over HTTPS, CA bundles and client certificates for HTTPS back ends.',
    toolbar(btn('Upload certificate', () => certForm(reload), { cls: 'primary', id: 'upload-certificate' })), list);
});
