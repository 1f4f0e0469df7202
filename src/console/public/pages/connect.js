// Connect a source: one form per connector built from its credential schema; Gong and Fireflies then ask
// which of their users to track (the directory is searchable); a connected source can sync on demand.
import { api, query } from '../api.js';
import { ago, badge, card, errorBox, h, replace, section } from '../ui.js';

const SECRET = /token|secret|key|password/i;

export async function render(el) {
  const body = h('div', { style: 'min-height: 24rem' });
  el.append(h('h1', {}, 'Connect a source'), body);
  await section(
    body,
    () => api('/connectors'),
    (answer) => connectorCards(answer),
  );
}

function connectorCards({ data, catalog }) {
  const connected = new Map(data.map((c) => [c.connector_name, c]));
  return h(
    'div',
    { class: 'grid two' },
    catalog.map((entry) => connectorCard(entry, connected.get(entry.name))),
  );
}

function connectorCard(entry, connection) {
  const slot = h('div', {});
  const el = card(
    entry.name,
    connection
      ? h(
          'p',
          {},
          badge(connection.last_sync?.status ?? connection.status, connection.last_error ? 'bad' : 'good'),
          ` last sync ${ago(connection.last_sync_at)}`,
          connection.last_error ? h('span', { class: 'bad-text' }, ` · ${connection.last_error}`) : null,
        )
      : h('p', { class: 'muted' }, 'Not connected'),
    slot,
  );
  replace(slot, connectForm(entry, slot, Boolean(connection)));
  if (connection) slot.prepend(syncButton(entry, slot));
  return el;
}

function connectForm(entry, slot, reconnect) {
  const props = entry.credentials?.properties ?? {};
  const required = new Set(entry.credentials?.required ?? []);
  const inputs = Object.entries(props)
    .filter(([name]) => required.has(name))
    .map(([name, schema]) => ({
      name,
      input: h('input', {
        id: `${entry.name}-${name}`,
        name,
        type: SECRET.test(name) ? 'password' : schema.format === 'uri' ? 'url' : 'text',
        required: true,
        autocomplete: 'off',
      }),
    }));
  const baseUrl = h('input', {
    id: `${entry.name}-base_url`,
    name: 'base_url',
    type: 'url',
    placeholder: 'the service default',
  });
  const status = h('div', { role: 'status', 'aria-live': 'polite' });
  return h(
    'form',
    {
      'data-connector': entry.name,
      onsubmit: async (event) => {
        event.preventDefault();
        replace(status, 'Checking the credentials with the service…');
        const credentials = Object.fromEntries(inputs.map(({ name, input }) => [name, input.value.trim()]));
        try {
          const answer = await api(`/connectors/${entry.name}/connect`, {
            method: 'POST',
            body: { credentials, ...(baseUrl.value ? { base_url: baseUrl.value.trim() } : {}) },
          });
          if (entry.user_directory && answer.next_step)
            return trackedUsersStep(entry, slot, answer.next_step);
          replace(status, badge('connected', 'good'), answer.sync_log_id ? ' · first sync started' : '');
          if (answer.sync_log_id) followSync(status, answer.sync_log_id);
        } catch (err) {
          replace(status, errorBox(err));
        }
      },
    },
    inputs.map(({ name, input }) => [h('label', { for: input.id }, name.replaceAll('_', ' ')), input]),
    h('details', {}, h('summary', {}, 'Advanced'), h('label', { for: baseUrl.id }, 'API base URL'), baseUrl),
    h('button', { type: 'submit', class: 'btn' }, reconnect ? 'Reconnect' : 'Connect'),
    status,
  );
}

function syncButton(entry, slot) {
  const status = h('span', { role: 'status', 'aria-live': 'polite' });
  return h(
    'div',
    { class: 'actions' },
    h(
      'button',
      {
        type: 'button',
        class: 'btn small',
        'data-sync': entry.name,
        onclick: async () => {
          replace(status, 'Starting…');
          try {
            const started = await api(`/connectors/${entry.name}/sync`, { method: 'POST', body: {} });
            followSync(status, started.sync_log_id);
          } catch (err) {
            replace(status, errorBox(err));
            if (err.status === 409 && entry.user_directory) trackedUsersStep(entry, slot, err.message);
          }
        },
      },
      'Sync now',
    ),
    status,
  );
}

async function followSync(status, syncLogId) {
  for (;;) {
    const log = await api(`/sync-log/${syncLogId}`).catch((err) => ({
      status: 'unknown',
      error: err.message,
    }));
    const counts = Object.entries(log.counts ?? {})
      .map(([k, c]) => `${(c.inserted ?? 0) + (c.updated ?? 0)} ${k}`)
      .join(', ');
    replace(
      status,
      badge(
        `sync ${log.status}`,
        log.status === 'succeeded' ? 'good' : log.status === 'failed' ? 'bad' : 'info',
      ),
      counts ? ` ${counts}` : '',
      log.error
        ? h(
            'span',
            { class: 'bad-text' },
            ` ${typeof log.error === 'string' ? log.error : JSON.stringify(log.error)}`,
          )
        : '',
    );
    if (!['queued', 'running'].includes(log.status) || !status.isConnected) return log;
    await new Promise((resolve) => setTimeout(resolve, 700));
  }
}

/** Step two for recorders: choose whose calls to sync, from the service's user directory. */
async function trackedUsersStep(entry, slot, why) {
  const status = h('div', { role: 'status', 'aria-live': 'polite' });
  const list = h('div', { class: 'directory', style: 'min-height: 10rem' });
  const search = h('input', {
    type: 'search',
    placeholder: 'Search people',
    'aria-label': 'Search the user directory',
  });
  replace(slot, h('p', {}, why ?? 'Choose the users whose calls to sync.'), search, list, status);
  let directory = [];
  await section(
    list,
    async () => (await api(`/connectors/${entry.name}/users${query({ refresh: 'true' })}`)).data,
    (users) => {
      directory = users.map((u) => ({ ...u, checked: u.tracked }));
      return userList();
    },
    { emptyText: 'The service returned no users.' },
  );
  search.addEventListener('input', () => replace(list, userList()));

  function userList() {
    const term = search.value.trim().toLowerCase();
    const shown = directory.filter(
      (u) => !term || `${u.name ?? ''} ${u.email ?? ''}`.toLowerCase().includes(term),
    );
    return h(
      'form',
      {
        onsubmit: async (event) => {
          event.preventDefault();
          const ids = directory.filter((u) => u.checked).map((u) => u.source_user_id);
          replace(status, 'Saving…');
          try {
            const answer = await api(`/connectors/${entry.name}/tracked-users`, {
              method: 'PUT',
              body: { user_ids: ids },
            });
            replace(status, badge('saved', 'good'), ` ${ids.length} tracked`);
            if (answer.sync_log_id) followSync(status, answer.sync_log_id);
          } catch (err) {
            replace(status, errorBox(err));
          }
        },
      },
      h(
        'ul',
        { class: 'checklist' },
        shown.slice(0, 300).map((u) => {
          const box = h('input', {
            type: 'checkbox',
            checked: u.checked,
            'data-user': u.email ?? u.source_user_id,
            onchange: (e) => {
              u.checked = e.target.checked;
            },
          });
          return h(
            'li',
            {},
            h('label', {}, box, ` ${u.name ?? ''} `, h('span', { class: 'muted' }, u.email ?? '')),
          );
        }),
      ),
      shown.length > 300
        ? h('p', { class: 'muted' }, `${shown.length - 300} more: narrow the search.`)
        : null,
      h('button', { type: 'submit', class: 'btn' }, 'Track the selected users'),
    );
  }
}
