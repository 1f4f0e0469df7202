// One deal: its scores with the reasons and evidence behind them, insights with their quotes, contacts
// and their roles, the conversation timeline and the stage history.
import { api } from '../api.js';
import { badge, card, date, empty, errorBox, h, loading, money, replace, table } from '../ui.js';

export async function render(el, [dealId]) {
  el.append(h('p', {}, h('a', { href: '#/pipeline' }, '← Pipeline')));
  const body = h('div', { style: 'min-height: 30rem' }, loading('Loading the deal…', 8));
  el.append(body);
  try {
    const deal = await api(`/deals/${encodeURIComponent(dealId)}`);
    replace(body, renderDeal(deal));
  } catch (err) {
    replace(
      body,
      errorBox(err, () => render(el.replaceChildren() ?? el, [dealId])),
    );
  }
}

function renderDeal(d) {
  const currency = d.currency ?? 'USD';
  return h(
    'div',
    {},
    h('h1', {}, d.name ?? '(no name)'),
    h(
      'p',
      { class: 'muted' },
      [d.account?.name, d.stage, `closes ${date(d.close_date)}`, d.owner_email].filter(Boolean).join(' · '),
      d.is_closed ? [' ', badge(d.is_won ? 'won' : 'lost', d.is_won ? 'good' : 'bad')] : null,
    ),
    h(
      'div',
      { class: 'kpis' },
      kpi('Amount', money(d.amount, currency, false)),
      d.amount_base !== null && currency !== 'USD'
        ? kpi('In base currency', money(d.amount_base, 'USD', false))
        : null,
      kpi('Probability', d.probability === null ? '—' : `${d.probability}%`),
      kpi('Risk', d.deal_risk ?? '—'),
      kpi('Velocity', d.velocity_score === null ? '—' : Number(d.velocity_score).toFixed(0)),
      kpi('Engagement', d.engagement_score === null ? '—' : Number(d.engagement_score).toFixed(0)),
    ),
    card('Why these scores', reasons(d.reasons)),
    card('Insights from calls', insights(d.insights)),
    h(
      'div',
      { class: 'grid two' },
      card('Contacts', contacts(d.contacts)),
      card('Stage history', stages(d.stage_history)),
    ),
    card('Conversations', conversations(d.conversations)),
    card('Recent activities', activities(d.recent_activities)),
  );
}

function kpi(label, value) {
  return h(
    'div',
    { class: 'kpi' },
    h('span', { class: 'kpi-value' }, String(value)),
    h('span', { class: 'kpi-label' }, label),
  );
}

function reasons(all) {
  // Risk and engagement give a list of rules; velocity gives one object (time in stage and in cycle).
  const items = Object.entries(all ?? {}).flatMap(([scoreName, list]) =>
    (Array.isArray(list) ? list : list ? [{ rule: 'time_against_medians', ...list }] : []).map((r) => ({
      scoreName,
      ...r,
    })),
  );
  if (items.length === 0)
    return empty('No score reasons: the scores have not been computed, or nothing raised them.');
  return h(
    'ul',
    { class: 'reasons' },
    items.map((r) =>
      h(
        'li',
        {},
        badge(r.scoreName.replace('_', ' '), 'neutral'),
        ' ',
        h('strong', {}, String(r.rule ?? '').replaceAll('_', ' ')),
        r.points !== undefined ? ` (${r.points > 0 ? '+' : ''}${r.points} points)` : '',
        details(r),
        r.evidence?.length
          ? h(
              'details',
              {},
              h('summary', {}, `${r.evidence.length} piece(s) of evidence`),
              evidence(r.evidence),
            )
          : null,
      ),
    ),
  );
}

const HIDDEN_REASON_KEYS = new Set(['rule', 'points', 'evidence', 'scoreName', 'deal_id']);
function details(r) {
  const parts = Object.entries(r)
    .filter(([k, v]) => !HIDDEN_REASON_KEYS.has(k) && v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k.replaceAll('_', ' ')}: ${v}`);
  return parts.length ? h('div', { class: 'muted' }, parts.join(' · ')) : null;
}

function evidence(list) {
  return h(
    'ul',
    {},
    list.map((e) => {
      const rest = Object.entries(e).filter(([k]) => k !== 'entity' && k !== 'id');
      return h(
        'li',
        {},
        `${e.entity}`,
        rest.length
          ? `: ${rest.map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ')}`
          : '',
      );
    }),
  );
}

function insights(list) {
  if (!list?.length) return empty('No insights: no linked call of this deal has a transcript yet.');
  return h(
    'ul',
    { class: 'insights' },
    list.map((i) =>
      h(
        'li',
        {},
        badge(i.insight_type ?? i.type ?? 'insight', 'info'),
        ' ',
        insightText(i.value),
        i.quote
          ? h('blockquote', {}, `“${i.quote}”`, i.speaker ? h('cite', {}, ` — ${i.speaker}`) : null)
          : null,
        h('div', { class: 'muted' }, [i.speaker_role, i.extractor].filter(Boolean).join(' · ')),
      ),
    ),
  );
}

function insightText(value) {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object') return '';
  const text = value.text ?? value.summary ?? value.name ?? value.description;
  if (typeof text === 'string') return text;
  return Object.entries(value)
    .filter(([, v]) => v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k.replaceAll('_', ' ')}: ${v}`)
    .join(' · ');
}

function contacts(list) {
  if (!list?.length) return empty('No contacts on this deal.');
  return table(
    [
      { label: 'Name', cell: (c) => [c.first_name, c.last_name].filter(Boolean).join(' ') || c.email || '—' },
      { label: 'Title', cell: (c) => c.title ?? '—' },
      {
        label: 'Role',
        cell: (c) => (c.role ? badge(c.role.replaceAll('_', ' '), c.is_primary ? 'info' : 'neutral') : '—'),
      },
    ],
    list,
  );
}

function stages(list) {
  if (!list?.length) return empty('No stage history.');
  return table(
    [
      { label: 'When', cell: (s) => date(s.changed_at) },
      { label: 'From', cell: (s) => s.from_stage ?? '—' },
      { label: 'To', cell: (s) => s.to_stage ?? '—' },
    ],
    list,
  );
}

function conversations(list) {
  if (!list?.length) return empty('No recorded conversation is linked to this deal.');
  return h(
    'ol',
    { class: 'timeline' },
    list.map((c) =>
      h(
        'li',
        {},
        h('strong', {}, date(c.started_at)),
        ' ',
        c.title ?? '(untitled)',
        ' ',
        h('span', { class: 'muted' }, [c.source, c.link_method].filter(Boolean).join(' · ')),
      ),
    ),
  );
}

function activities(list) {
  if (!list?.length) return empty('No activities.');
  return table(
    [
      { label: 'When', cell: (a) => date(a.occurred_at ?? a.activity_date ?? a.created_at) },
      { label: 'Type', cell: (a) => a.activity_type ?? a.type ?? '—' },
      { label: 'Subject', cell: (a) => a.subject ?? a.title ?? '—' },
    ],
    list,
  );
}
