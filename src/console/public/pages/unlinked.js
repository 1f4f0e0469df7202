// Calls at an account but on no deal: the queue by severity, each with the account's candidate deals
// and a one-click manual link (which the linker never overwrites).
import { api, query } from '../api.js';
import { badge, card, date, empty, errorBox, h, loading, replace } from '../ui.js';

const SEVERITY_TONE = { high: 'bad', medium: 'warn', low: 'neutral' };

export async function render(el) {
  const summary = h('div', { class: 'block', style: 'min-height: 3rem' });
  const list = h('div', { style: 'min-height: 20rem' });
  const more = h('div');
  const severity = h(
    'select',
    { name: 'severity' },
    ['', 'high', 'medium', 'low'].map((s) => h('option', { value: s }, s || 'Any severity')),
  );
  el.append(
    h('h1', {}, 'Calls without deals'),
    h(
      'p',
      { class: 'muted' },
      'External calls tied to an account but to no deal. Link one to the deal it belongs to, or create the deal in your CRM.',
    ),
    summary,
    h('div', { class: 'filters' }, h('label', { class: 'field' }, h('span', {}, 'Severity'), severity)),
    list,
    more,
  );
  severity.addEventListener('change', () => load(null, true));

  api('/conversations-without-deals/summary')
    .then((s) =>
      replace(
        summary,
        `${s.total} calls at ${s.accounts} accounts · `,
        Object.entries(s.by_severity)
          .map(([k, n]) => `${n} ${k}`)
          .join(', '),
      ),
    )
    .catch((err) => replace(summary, errorBox(err)));

  async function load(cursor, fresh) {
    if (fresh) replace(list, loading('Loading calls…', 6));
    replace(more);
    try {
      const page = await api(
        `/conversations-without-deals${query({ severity: severity.value, limit: 25, cursor, sort: '-severity' })}`,
      );
      if (fresh) replace(list);
      if (fresh && page.data.length === 0) list.append(empty('No call is waiting for a deal.'));
      for (const c of page.data) list.append(callCard(c));
      if (page.next_cursor)
        replace(
          more,
          h(
            'button',
            { type: 'button', class: 'btn', onclick: () => load(page.next_cursor, false) },
            'Load more',
          ),
        );
    } catch (err) {
      replace(
        list,
        errorBox(err, () => load(cursor, true)),
      );
    }
  }
  await load(null, true);
}

function callCard(c) {
  const status = h('div', { role: 'status', 'aria-live': 'polite' });
  const el = card(
    null,
    h(
      'div',
      { class: 'call-head' },
      badge(c.severity, SEVERITY_TONE[c.severity] ?? 'neutral'),
      ' ',
      h('strong', {}, c.title ?? '(untitled call)'),
      ' ',
      h(
        'span',
        { class: 'muted' },
        `${date(c.started_at)} · ${c.account?.name ?? ''} · ${c.rep?.name ?? c.rep?.email ?? ''}`,
      ),
    ),
    h('p', { class: 'muted' }, `Likely cause: ${c.likely_cause.replaceAll('_', ' ')}`),
    c.deal_candidates?.length
      ? h(
          'div',
          { class: 'candidates' },
          'Link to: ',
          c.deal_candidates.map((d) =>
            h(
              'button',
              {
                type: 'button',
                class: 'btn small',
                'data-deal': d.id,
                onclick: async (event) => {
                  const buttons = el.querySelectorAll('button');
                  for (const b of buttons) b.disabled = true;
                  replace(status, 'Linking…');
                  try {
                    await api(`/conversations/${c.conversation_id}/links`, {
                      method: 'PUT',
                      body: { deal_id: d.id },
                    });
                    replace(
                      status,
                      badge('linked', 'good'),
                      ' to ',
                      h('a', { href: `#/deals/${d.id}` }, d.name),
                    );
                    el.classList.add('done');
                  } catch (err) {
                    for (const b of buttons) b.disabled = false;
                    replace(status, errorBox(err));
                    event.target.focus();
                  }
                },
              },
              `${d.name} (${d.stage ?? 'no stage'})`,
            ),
          ),
        )
      : h('p', {}, 'No open deal at this account: create one in the CRM.'),
    status,
  );
  return el;
}
