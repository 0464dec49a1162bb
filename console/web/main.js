// Boot: the session, the sign-in page and sign-out; the pages register
// their routes when imported.

import { h, $, state, request, render, form, notify, setSignedOutHandler } from './app.js';
import './services.js';
import './wizard.js';
import './debug.js';
import './access.js';
import './plugins.js';
import './monitor.js';

function setSession(s) {
  state.session = s && s.SignedIn ? s : null;
  const on = !!state.session;
  $('#nav').hidden = !on;
  $('#who').hidden = !on;
  $('#who-id').textContent = on ? s.SecretId : '';
}

// signIn shows the sign-in form; reason says why (a session that ended).
function signIn(reason) {
  setSession(null);
  document.querySelectorAll('dialog').forEach((d) => d.close());
  const f = form({
    id: 'signin',
    submitLabel: 'Sign in',
    fields: [
      { name: 'SecretId', label: 'SecretId', required: true, autocomplete: 'username' },
      { name: 'SecretKey', label: 'SecretKey', type: 'password', required: true, autocomplete: 'current-password' },
    ],
    onSubmit: async (v) => {
      const s = await request('POST', '/console/api/login', v);
      setSession(s);
      notify(`Signed in as ${s.SecretId}.`);
      await render();
    },
  });
  $('#main').replaceChildren(h('section', { class: 'page signin' },
    h('h1', { tabindex: '-1' }, 'Sign in'),
    reason ? h('p', { class: 'notice', role: 'alert', id: 'signin-reason' }, reason) : null,
    h('p', null, 'Use the admin credentials of the Action API: the SecretId and SecretKey in ', h('code', null, 'DATA/admin-credentials.json'),
      ' (or EDGEGATE_SECRET_ID / EDGEGATE_SECRET_KEY when the data directory was created).'),
    f));
  $('#signin-SecretId').focus();
}

setSignedOutHandler((err) => {
  if (!state.session) return;
  signIn(err && err.Code === 'Console.SessionExpired' ? 'Your session ended after a while without activity. Sign in again.' : 'Sign in to continue.');
});

$('#logout').addEventListener('click', async () => {
  try { await request('POST', '/console/api/logout', {}); } catch (e) { /* signed out anyway */ }
  signIn('You signed out.');
});

window.addEventListener('hashchange', () => { if (state.session) render(); });

(async () => {
  let s = null;
  try { s = await request('GET', '/console/api/session'); } catch (e) { /* show the sign-in */ }
  setSession(s);
  if (state.session) render(); else signIn();
})();
