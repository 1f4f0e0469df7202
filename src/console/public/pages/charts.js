// Charts where looking beats reading: pipeline by stage, forecast against quota, pipeline movement over
// a period, and linker coverage by month. Each chart carries its numbers in a table under it.
import { api, query } from '../api.js';
import { barChart, movementChart, rateLine } from '../charts.js';
import { card, h, money, pct, section, table } from '../ui.js';

export async function render(el) {
  const today = new Date();
  const quarterStart = new Date(Date.UTC(today.getUTCFullYear(), Math.floor(today.getUTCMonth() / 3) * 3, 1));
  const nextQuarter = new Date(Date.UTC(quarterStart.getUTCFullYear(), quarterStart.getUTCMonth() + 3, 1));
  const iso = (d) => d.toISOString().slice(0, 10);
  const period = { from: iso(quarterStart), to: iso(nextQuarter) };

  const byStage = h('div', { class: 'block', style: 'min-height: 14rem' });
  const forecast = h('div', { class: 'block', style: 'min-height: 14rem' });
  const waterfall = h('div', { class: 'block', style: 'min-height: 18rem' });
  const coverage = h('div', { class: 'block', style: 'min-height: 16rem' });
  const from = h('input', { type: 'date', name: 'from', value: period.from });
  const to = h('input', { type: 'date', name: 'to', value: period.to });
  const loadWaterfall = () =>
    section(
      waterfall,
      () => api(`/pipeline/waterfall${query({ from: from.value, to: to.value })}`),
      renderWaterfall,
    );
  from.addEventListener('change', loadWaterfall);
  to.addEventListener('change', loadWaterfall);

  el.append(
    h('h1', {}, 'Charts'),
    card('Open pipeline by stage', byStage),
    card('Forecast against quota', forecast),
    card(
      'Pipeline movement',
      h(
        'div',
        { class: 'filters' },
        h('label', { class: 'field' }, h('span', {}, 'From'), from),
        h('label', { class: 'field' }, h('span', {}, 'To (exclusive)'), to),
      ),
      waterfall,
    ),
    card('Linker coverage by month of call', coverage),
  );
  await Promise.all([
    section(byStage, () => api('/pipeline/summary?group_by=stage'), renderByStage, {
      emptyText: 'No open deals.',
    }),
    section(forecast, loadForecast, renderForecast, { emptyText: 'No quota period covers today.' }),
    loadWaterfall(),
    section(coverage, () => api('/linker/coverage/history?months=12'), renderCoverage, {
      emptyText: 'No external calls in the last 12 months.',
    }),
  ]);
}

function renderByStage(summary) {
  if (summary.data.length === 0) return null;
  const fmt = (v) => money(v, summary.currency);
  return h(
    'div',
    {},
    barChart(
      summary.data.map((b) => ({
        label: (b.key ?? 'no stage').replace('_', ' '),
        value: b.amount,
        note: `${fmt(b.amount)} · ${b.count} deals`,
      })),
      { label: 'Open pipeline amount by stage', format: fmt },
    ),
    table(
      [
        { label: 'Stage', cell: (b) => b.key ?? 'no stage' },
        { label: 'Deals', class: 'num', cell: (b) => b.count },
        { label: `Amount (${summary.currency})`, class: 'num', cell: (b) => fmt(b.amount) },
        { label: 'Weighted', class: 'num', cell: (b) => fmt(b.weighted_amount) },
      ],
      summary.data,
    ),
  );
}

async function loadForecast() {
  const [quota, runs] = await Promise.all([
    api('/quota/active').catch((err) => (err.status === 404 ? null : Promise.reject(err))),
    api('/skill-runs?skill_id=forecast&limit=5'),
  ]);
  const run = runs.data.find((r) => r.skill_id === 'forecast' && r.status === 'succeeded');
  return quota && run ? { quota, run: await api(`/skill-runs/${run.id}`) } : null;
}

function renderForecast({ quota, run }) {
  const facts = run.result?.facts ?? {};
  const team = facts.team ?? {};
  const fmt = (v) => money(v, facts.currency ?? 'USD');
  const target = quota.team_quota ?? team.quota ?? null;
  const rows = [
    { label: 'Closed won', value: Number(team.closed_won ?? 0) },
    { label: 'Commit', value: Number(team.commit ?? 0) },
    { label: 'Best case', value: Number(team.best_case ?? 0) },
    { label: 'Pipeline', value: Number(team.pipeline ?? 0) },
    target !== null ? { label: 'Quota', value: Number(target) } : null,
  ].filter(Boolean);
  return h(
    'div',
    {},
    h(
      'p',
      { class: 'muted' },
      `${quota.period?.name ?? 'Current period'} · forecast of ${run.result?.as_of ?? ''}`,
    ),
    barChart(rows, { label: 'Forecast categories against the team quota', format: fmt }),
    facts.reps?.length
      ? table(
          [
            { label: 'Rep', cell: (r) => r.rep },
            { label: 'Quota', class: 'num', cell: (r) => fmt(r.quota) },
            { label: 'Won', class: 'num', cell: (r) => fmt(r.closed_won) },
            { label: 'Commit', class: 'num', cell: (r) => fmt(r.commit) },
            { label: 'Attainment', class: 'num', cell: (r) => pct(r.attainment) },
          ],
          facts.reps,
        )
      : null,
  );
}

function renderWaterfall(w) {
  const fmt = (v) => money(v, w.currency);
  const tone = { created: 'blue', progressed: 'green', pushed: 'amber', won: 'green', lost: 'red' };
  const direction = { created: 'up', progressed: 'up', won: 'up', pushed: 'down', lost: 'down' };
  return h(
    'div',
    {},
    movementChart(
      w.data.map((b) => ({ label: b.key, value: b.amount, tone: tone[b.key], direction: direction[b.key] })),
      { label: `Pipeline movement from ${w.from} to ${w.to}`, format: fmt },
    ),
    table(
      [
        { label: 'Movement', cell: (b) => b.key },
        { label: 'Deals', class: 'num', cell: (b) => b.count },
        { label: `Amount (${w.currency})`, class: 'num', cell: (b) => fmt(b.amount) },
      ],
      w.data,
    ),
    w.not_converted
      ? h(
          'p',
          { class: 'muted' },
          `${w.not_converted} deals have no exchange rate and are left out of the amounts.`,
        )
      : null,
  );
}

function renderCoverage(history) {
  if (history.data.length === 0) return null;
  return h(
    'div',
    {},
    rateLine(
      history.data.map((m) => ({ label: m.month, value: m.deal_link_rate })),
      { label: 'Share of external calls linked to a deal, by month' },
    ),
    table(
      [
        { label: 'Month', cell: (m) => m.month },
        { label: 'External calls', class: 'num', cell: (m) => m.external },
        { label: 'On a deal', class: 'num', cell: (m) => m.linked_to_deal },
        { label: 'Account only', class: 'num', cell: (m) => m.account_only },
        { label: 'On no deal or account', class: 'num', cell: (m) => m.unlinked },
        { label: 'Rate', class: 'num', cell: (m) => pct(m.deal_link_rate, 1) },
      ],
      history.data,
    ),
  );
}
