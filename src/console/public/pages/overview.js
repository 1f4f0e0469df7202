// Overview: each source's sync status and freshness, the latest skill headlines, data quality and
// linker coverage, each block loading on its own so one slow answer does not hold the others.
import { api, query } from '../api.js';
import { ago, badge, card, h, money, pct, section, table } from '../ui.js';

const STATUS_TONE = { succeeded: 'good', running: 'info', queued: 'info', failed: 'bad', connected: 'good' };

export async function render(el) {
  const sources = h('div', { class: 'block', style: 'min-height: 9rem' });
  const headlines = h('div', { class: 'block', style: 'min-height: 12rem' });
  const quality = h('div', { class: 'block', style: 'min-height: 6rem' });
  const coverage = h('div', { class: 'block', style: 'min-height: 6rem' });
  const pipeline = h('div', { class: 'block', style: 'min-height: 4rem' });
  el.append(
    h('h1', {}, 'Overview'),
    h('div', { class: 'grid two' }, card('Open pipeline', pipeline), card('Linker coverage', coverage)),
    card('Sources', sources),
    card('Latest skill results', headlines),
    card('Data quality', quality),
  );
  await Promise.all([
    section(pipeline, () => api('/pipeline/summary'), renderPipeline, { lines: 1 }),
    section(
      sources,
      async () => ({ connectors: await api('/connectors'), logs: await api('/sync-log?limit=20') }),
      renderSources,
      { emptyText: 'No source yet: connect one or import a file.' },
    ),
    section(headlines, () => api('/skill-runs?limit=20'), renderHeadlines, {
      emptyText: 'No skill has run yet.',
    }),
    section(quality, () => latestRun('data-quality-audit'), renderQuality, {
      emptyText: 'The data quality audit has not run yet.',
      lines: 2,
    }),
    section(coverage, () => api('/linker/status'), renderCoverage, { lines: 2 }),
  ]);
}

function renderPipeline(summary) {
  const t = summary.totals;
  return h(
    'div',
    { class: 'kpis' },
    kpi('Open deals', t.count.toLocaleString()),
    kpi(`Amount (${summary.currency})`, money(t.amount, summary.currency)),
    kpi('Weighted', money(t.weighted_amount, summary.currency)),
    summary.not_converted?.deals ? kpi('Not converted', `${summary.not_converted.deals} deals`) : null,
  );
}

function kpi(label, value) {
  return h(
    'div',
    { class: 'kpi' },
    h('span', { class: 'kpi-value' }, value),
    h('span', { class: 'kpi-label' }, label),
  );
}

function renderSources({ connectors, logs }) {
  // Connected sources, plus sources seen only in the sync log (file imports, the demo generator).
  const rows = connectors.data.map((c) => ({
    name: c.connector_name,
    status: c.last_sync?.status ?? c.status,
    last: c.last_sync_at,
    error: c.last_error,
    counts: c.counts,
  }));
  for (const log of logs.data) {
    if (rows.some((r) => r.name === log.connector_name)) continue;
    rows.push({
      name: log.connector_name,
      status: log.status,
      last: log.finished_at ?? log.started_at,
      error: log.error,
      counts: null,
    });
  }
  if (rows.length === 0) return null;
  return table(
    [
      { label: 'Source', cell: (r) => r.name },
      { label: 'Status', cell: (r) => badge(r.status, STATUS_TONE[r.status] ?? 'neutral') },
      { label: 'Fresh as of', cell: (r) => ago(r.last) },
      {
        label: 'Records',
        cell: (r) =>
          r.counts
            ? Object.entries(r.counts)
                .filter(([, n]) => n > 0)
                .map(([k, n]) => `${n.toLocaleString()} ${k}`)
                .join(', ') || '—'
            : '—',
      },
      { label: 'Health', cell: (r) => (r.error ? h('span', { class: 'bad-text' }, r.error) : 'ok') },
    ],
    rows,
  );
}

function renderHeadlines(runs) {
  const latest = new Map();
  for (const run of runs.data) if (!latest.has(run.skill_id)) latest.set(run.skill_id, run);
  if (latest.size === 0) return null;
  const list = h('ul', { class: 'headlines' });
  for (const run of latest.values()) {
    const item = h(
      'li',
      {},
      h('a', { href: `#/skills/${run.id}` }, run.skill_id),
      ' ',
      badge(run.status, STATUS_TONE[run.status] ?? 'neutral'),
      ' ',
      h('span', { class: 'muted' }, ago(run.finished_at ?? run.created_at)),
    );
    const text = h('div', { class: 'headline' }, '…');
    item.append(text);
    list.append(item);
    api(`/skill-runs/${run.id}`)
      .then((full) => text.replaceChildren(headlineOf(full)))
      .catch((err) => text.replaceChildren(err.message));
  }
  return list;
}

export function headlineOf(run) {
  const r = run.result ?? {};
  const narrative = r.narrative;
  if (narrative?.headline) {
    return `${narrative.headline}${narrative.model ? ` (written by ${narrative.model})` : ''}`;
  }
  const first = r.findings?.[0];
  if (first) return `${first.title}${r.findings.length > 1 ? ` and ${r.findings.length - 1} more` : ''}`;
  return run.error ?? 'no findings';
}

async function latestRun(skillId) {
  const runs = await api(`/skill-runs${query({ skill_id: skillId, limit: 1 })}`);
  const run = runs.data.find((r) => r.skill_id === skillId && r.status === 'succeeded');
  return run ? api(`/skill-runs/${run.id}`) : null;
}

/** The share of audited fields that are filled, averaged over entities weighted by their rows. */
function fillScore(completeness) {
  let weighted = 0;
  let rows = 0;
  for (const entity of completeness ?? []) {
    const fields = Object.values(entity.fields);
    if (fields.length === 0 || entity.rows === 0) continue;
    weighted += (fields.reduce((a, b) => a + b, 0) / fields.length) * entity.rows;
    rows += entity.rows;
  }
  return rows ? weighted / rows : null;
}

function renderQuality(run) {
  if (!run) return null;
  const facts = run.result?.facts ?? {};
  const score = fillScore(facts.completeness);
  return h(
    'div',
    {},
    h(
      'div',
      { class: 'kpis' },
      kpi('Fields filled (row-weighted)', pct(score)),
      kpi('Findings', String(run.result?.findings?.length ?? 0)),
      kpi('Unlinked calls', String(facts.unlinked_conversations?.total ?? '—')),
    ),
    h(
      'p',
      { class: 'muted' },
      `From the data quality audit of ${ago(run.finished_at)}. `,
      h('a', { href: `#/skills/${run.id}` }, 'Details'),
    ),
  );
}

function renderCoverage(status) {
  const c = status.coverage;
  return h(
    'div',
    { class: 'kpis' },
    kpi('External calls on a deal', pct(c.deal_link_rate, 1)),
    kpi('On an account at least', pct(c.account_link_rate, 1)),
    kpi('On no deal or account', c.unlinked.toLocaleString()),
    h('a', { href: '#/unlinked', class: 'kpi-link' }, 'Calls without deals →'),
  );
}
