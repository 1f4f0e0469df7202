// The deals table: the API's filters and sorts, keyset pages fetched as the reader scrolls, and only
// the rows in view rendered (a fixed row height makes the window arithmetic exact), so 10k deals scroll
// without freezing.
import { api, query } from '../api.js';
import { badge, date, errorBox, h, money, replace } from '../ui.js';
import { STAGES } from '../stages.js';

const ROW_HEIGHT = 36;
const PAGE = 200;
const OVERSCAN = 10;

const COLUMNS = [
  {
    key: 'name',
    label: 'Deal',
    sort: 'name',
    cell: (d) => h('a', { href: `#/deals/${d.id}` }, d.name ?? '(no name)'),
  },
  { key: 'stage', label: 'Stage', cell: (d) => d.stage ?? '—' },
  {
    key: 'amount',
    label: 'Amount',
    sort: 'amount',
    class: 'num',
    cell: (d) => money(d.amount, d.currency ?? 'USD'),
  },
  { key: 'close_date', label: 'Close', sort: 'close_date', cell: (d) => date(d.close_date) },
  { key: 'owner_email', label: 'Owner', cell: (d) => d.owner_email ?? '—' },
  { key: 'deal_risk', label: 'Risk', sort: 'deal_risk', class: 'num', cell: (d) => riskBadge(d.deal_risk) },
  {
    key: 'velocity_score',
    label: 'Velocity',
    sort: 'velocity_score',
    class: 'num',
    cell: (d) => score(d.velocity_score),
  },
  {
    key: 'engagement_score',
    label: 'Engagement',
    sort: 'engagement_score',
    class: 'num',
    cell: (d) => score(d.engagement_score),
  },
];

function riskBadge(risk) {
  if (risk === null || risk === undefined) return '—';
  return badge(String(risk), risk >= 60 ? 'bad' : risk >= 30 ? 'warn' : 'good');
}

function score(v) {
  return v === null || v === undefined ? '—' : Number(v).toFixed(0);
}

export async function render(el) {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const state = {
    filters: {
      q: params.get('q') ?? '',
      is_closed: params.get('is_closed') ?? 'false',
      stage_normalized: params.get('stage_normalized') ?? '',
      owner_email: params.get('owner_email') ?? '',
    },
    sort: params.get('sort') ?? '-deal_risk',
    rows: [],
    cursor: null,
    done: false,
    loading: false,
    total: null,
    generation: 0,
  };

  const count = h('span', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const form = filterForm(state, () => reload());
  const head = h(
    'div',
    { class: 'vrow vhead', role: 'row' },
    COLUMNS.map((c) => {
      if (!c.sort) return h('span', { class: `vcell ${c.class ?? ''}`, role: 'columnheader' }, c.label);
      const active = state.sort.replace('-', '') === c.sort;
      return h(
        'span',
        {
          class: `vcell ${c.class ?? ''}`,
          role: 'columnheader',
          'aria-sort': active ? (state.sort.startsWith('-') ? 'descending' : 'ascending') : 'none',
        },
        h(
          'button',
          {
            type: 'button',
            class: 'linklike',
            onclick: () => {
              state.sort = state.sort === `-${c.sort}` ? c.sort : `-${c.sort}`;
              reload();
            },
          },
          c.label,
          active ? (state.sort.startsWith('-') ? ' ↓' : ' ↑') : '',
        ),
      );
    }),
  );
  const spacer = h('div', { class: 'vspacer' });
  const body = h('div', { class: 'vbody', role: 'rowgroup' });
  const scroller = h(
    'div',
    { class: 'vscroll', tabindex: '0', role: 'table', 'aria-label': 'Deals' },
    head,
    spacer,
  );
  spacer.append(body);
  const message = h('div');
  el.append(h('h1', {}, 'Pipeline'), form, h('div', { class: 'toolbar' }, count), message, scroller);

  scroller.addEventListener('scroll', () => paint());
  window.addEventListener('resize', paint, { passive: true });

  async function reload() {
    state.generation += 1;
    Object.assign(state, { rows: [], cursor: null, done: false, total: null });
    const hash = `#/pipeline?${new URLSearchParams({ ...state.filters, sort: state.sort })}`;
    history.replaceState(null, '', hash);
    scroller.scrollTop = 0;
    replace(message);
    paint();
    await more();
  }

  async function more() {
    if (state.loading || state.done) return;
    state.loading = true;
    const generation = state.generation;
    replace(
      count,
      state.rows.length ? `${state.rows.length.toLocaleString()} loaded, loading more…` : 'Loading…',
    );
    try {
      const page = await api(
        `/deals${query({
          ...state.filters,
          sort: state.sort,
          limit: PAGE,
          cursor: state.cursor,
          include_total: state.total === null ? 'true' : undefined,
        })}`,
      );
      if (generation !== state.generation) return;
      state.rows.push(...page.data);
      state.cursor = page.next_cursor;
      state.done = !page.next_cursor;
      if (page.total !== undefined) state.total = page.total;
      replace(
        count,
        state.rows.length === 0
          ? 'No deal matches these filters.'
          : `${state.rows.length.toLocaleString()}${state.total !== null ? ` of ${state.total.toLocaleString()}` : ''} deals`,
      );
    } catch (err) {
      replace(message, errorBox(err, more));
      replace(count);
    } finally {
      state.loading = false;
    }
    paint();
  }

  function paint() {
    const height = scroller.clientHeight || 600;
    spacer.style.height = `${state.rows.length * ROW_HEIGHT}px`;
    const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(
      state.rows.length,
      Math.ceil((scroller.scrollTop + height) / ROW_HEIGHT) + OVERSCAN,
    );
    body.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    body.replaceChildren(
      ...state.rows.slice(first, last).map((d) =>
        h(
          'div',
          { class: 'vrow', role: 'row', 'data-deal': d.id },
          COLUMNS.map((c) => h('span', { class: `vcell ${c.class ?? ''}`, role: 'cell' }, c.cell(d))),
        ),
      ),
    );
    // Fetch the next page before the reader reaches the end of what is loaded.
    if (!state.done && last >= state.rows.length - OVERSCAN * 2) more();
  }

  await reload();
}

function filterForm(state, onChange) {
  const field = (label, input) => h('label', { class: 'field' }, h('span', {}, label), input);
  const search = h('input', { type: 'search', name: 'q', value: state.filters.q, placeholder: 'Deal name' });
  const closed = h(
    'select',
    { name: 'is_closed' },
    [
      ['false', 'Open'],
      ['true', 'Closed'],
      ['', 'All'],
    ].map(([v, l]) => h('option', { value: v, selected: state.filters.is_closed === v }, l)),
  );
  const stage = h(
    'select',
    { name: 'stage_normalized' },
    h('option', { value: '' }, 'Any stage'),
    STAGES.map((s) =>
      h('option', { value: s, selected: state.filters.stage_normalized === s }, s.replace('_', ' ')),
    ),
  );
  const owner = h('input', {
    type: 'email',
    name: 'owner_email',
    value: state.filters.owner_email,
    placeholder: 'owner@…',
  });
  let timer;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      Object.assign(state.filters, {
        q: search.value.trim(),
        is_closed: closed.value,
        stage_normalized: stage.value,
        owner_email: owner.value.trim(),
      });
      onChange();
    }, 250);
  };
  for (const input of [search, closed, stage, owner]) input.addEventListener('input', changed);
  return h(
    'form',
    { class: 'filters', onsubmit: (e) => e.preventDefault(), role: 'search' },
    field('Search', search),
    field('Status', closed),
    field('Stage', stage),
    field('Owner', owner),
  );
}
