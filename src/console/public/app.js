// The console shell: sign-in with a workspace API key, a hash router, one module per page.
import { session, signIn, whenSignedOut } from './api.js';
import { errorBox, h, replace } from './ui.js';

const PAGES = {
  overview: () => import('./pages/overview.js'),
  pipeline: () => import('./pages/pipeline.js'),
  deals: () => import('./pages/deal.js'),
  charts: () => import('./pages/charts.js'),
  unlinked: () => import('./pages/unlinked.js'),
  skills: () => import('./pages/skills.js'),
  import: () => import('./pages/import.js'),
  connect: () => import('./pages/connect.js'),
};

const view = () => document.getElementById('view');

function route() {
  const path = location.hash.replace(/^#\/?/, '').split('?')[0];
  const [name = 'overview', ...rest] = path.split('/');
  return { name: PAGES[name] ? name : 'overview', params: rest.map(decodeURIComponent) };
}

// Each navigation's number: a page that finishes loading after the user moved on must not take the view.
let navigation = 0;

async function render() {
  if (!session.key) return renderSignIn();
  showChrome();
  const { name, params } = route();
  for (const a of document.querySelectorAll('#nav a')) {
    const current = a.getAttribute('href') === `#/${name === 'deals' ? 'pipeline' : name}`;
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const mine = ++navigation;
  try {
    const page = await PAGES[name]();
    if (mine !== navigation) return;
    // The page draws into its own element: what it still writes after the user moved on lands there,
    // detached, never in the next page.
    const el = h('div', { class: 'page' });
    replace(view(), el);
    await page.render(el, params);
  } catch (err) {
    if (mine === navigation) replace(view(), errorBox(err, render));
  }
  if (mine === navigation) document.title = `Pandora · ${name}`;
}

function showChrome() {
  const ws = session.workspace;
  document.getElementById('nav').hidden = false;
  replace(
    document.getElementById('who'),
    ws?.name ?? '',
    ' ',
    h(
      'button',
      {
        type: 'button',
        class: 'btn small ghost',
        onclick: () => {
          session.clear();
          render();
        },
      },
      'Sign out',
    ),
  );
}

function renderSignIn(message) {
  document.getElementById('nav').hidden = true;
  replace(document.getElementById('who'));
  const input = h('input', {
    id: 'api-key',
    name: 'api-key',
    type: 'password',
    autocomplete: 'off',
    required: true,
    placeholder: 'pdr_…',
  });
  const status = h('p', { class: 'hint', role: 'status' }, message ?? '');
  const form = h(
    'form',
    {
      class: 'card signin',
      onsubmit: async (event) => {
        event.preventDefault();
        const key = input.value.trim();
        replace(status, 'Checking the key…');
        try {
          const info = await signIn(key);
          session.save(key, { ...info.workspace, scopes: info.key.scopes });
          if (!location.hash) location.hash = '#/overview';
          render();
        } catch (err) {
          replace(status, errorBox(err));
        }
      },
    },
    h('h1', {}, 'Sign in'),
    h(
      'p',
      { class: 'hint' },
      'Paste a workspace API key. It is kept in this browser tab only and sent with each request.',
    ),
    h('label', { for: 'api-key' }, 'Workspace API key'),
    input,
    h('button', { type: 'submit', class: 'btn' }, 'Sign in'),
    status,
  );
  replace(view(), form);
  input.focus();
}

whenSignedOut(() => {
  session.clear();
  renderSignIn('Your key is no longer valid; sign in again.');
});
window.addEventListener('hashchange', render);
render();
