// Skills: run one, follow its progress, read its findings and narrative, see token use and history,
// and preview (or post) its Slack message when Slack is configured.
import { api } from '../api.js';
import { ago, badge, card, empty, errorBox, h, json, loading, replace, section, table } from '../ui.js';
import { headlineOf } from './overview.js';

const STATUS_TONE = { succeeded: 'good', running: 'info', queued: 'info', failed: 'bad' };

export async function render(el, [runId]) {
  if (runId) return renderRun(el, runId);
  const skills = h('div', { style: 'min-height: 12rem' });
  const history = h('div', { style: 'min-height: 16rem' });
  el.append(h('h1', {}, 'Skills'), card('Run a skill', skills), card('History', history));
  await Promise.all([
    section(
      skills,
      () => api('/skills'),
      (list) => skillList(list.data),
    ),
    section(
      history,
      () => api('/skill-runs?limit=50'),
      (runs) => runTable(runs.data),
      {
        emptyText: 'No skill has run yet.',
      },
    ),
  ]);
}

function skillList(skills) {
  return h(
    'ul',
    { class: 'skills' },
    skills.map((s) => {
      const status = h('span', { role: 'status', 'aria-live': 'polite' });
      return h(
        'li',
        {},
        h('strong', {}, s.id),
        ' ',
        h('span', { class: 'muted' }, s.description),
        ' ',
        h(
          'button',
          {
            type: 'button',
            class: 'btn small',
            'data-skill': s.id,
            onclick: async (event) => {
              event.target.disabled = true;
              replace(status, 'Starting…');
              try {
                const run = await api(`/skills/${s.id}/run`, { method: 'POST', body: {} });
                location.hash = `#/skills/${run.run_id ?? run.id}`;
              } catch (err) {
                event.target.disabled = false;
                replace(status, errorBox(err));
              }
            },
          },
          'Run now',
        ),
        status,
      );
    }),
  );
}

function runTable(runs) {
  if (runs.length === 0) return null;
  return table(
    [
      { label: 'Skill', cell: (r) => h('a', { href: `#/skills/${r.id}` }, r.skill_id) },
      { label: 'Status', cell: (r) => badge(r.status, STATUS_TONE[r.status] ?? 'neutral') },
      { label: 'Trigger', cell: (r) => r.trigger },
      { label: 'When', cell: (r) => ago(r.finished_at ?? r.created_at) },
      { label: 'Tokens (in/out)', class: 'num', cell: (r) => tokens(r.tokens) },
    ],
    runs,
  );
}

function tokens(t) {
  if (!t) return '—';
  const input = (t.classify?.input ?? 0) + (t.synthesize?.input ?? 0);
  const output = (t.classify?.output ?? 0) + (t.synthesize?.output ?? 0);
  return `${input.toLocaleString()} / ${output.toLocaleString()}`;
}

async function renderRun(el, runId) {
  el.append(h('p', {}, h('a', { href: '#/skills' }, '← Skills')));
  const body = h('div', { style: 'min-height: 20rem' }, loading('Loading the run…', 6));
  el.append(body);
  let run;
  try {
    run = await api(`/skill-runs/${encodeURIComponent(runId)}`);
    // A queued or running run is polled until it ends, so "Run now" shows its result without a reload.
    while ((run.status === 'queued' || run.status === 'running') && el.isConnected) {
      replace(
        body,
        h(
          'p',
          { role: 'status' },
          badge(run.status, 'info'),
          ` ${run.skill_id}: ${run.progress?.phase ?? ''}…`,
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 700));
      run = await api(`/skill-runs/${encodeURIComponent(runId)}`);
    }
  } catch (err) {
    replace(body, errorBox(err));
    return;
  }
  const findings = run.result?.findings ?? [];
  const narrative = run.result?.narrative;
  const slack = h('div', {});
  replace(
    body,
    h('h1', {}, run.skill_id, ' ', badge(run.status, STATUS_TONE[run.status] ?? 'neutral')),
    h('p', { class: 'headline' }, headlineOf(run)),
    h(
      'p',
      { class: 'muted' },
      `Finished ${ago(run.finished_at)} · tokens in/out ${tokens(run.tokens)} · trigger ${run.trigger}`,
    ),
    narrative
      ? card(
          'Summary',
          h('p', {}, narrative.summary ?? ''),
          narrative.actions?.length
            ? h(
                'ol',
                {},
                narrative.actions.map((a) => h('li', {}, a)),
              )
            : null,
          h('p', { class: 'muted' }, `Written by ${narrative.model ?? 'unknown'}`),
        )
      : null,
    card(
      `Findings (${findings.length})`,
      findings.length
        ? h(
            'ul',
            { class: 'findings' },
            findings.map((f) =>
              h(
                'li',
                {},
                badge(
                  f.severity ?? 'info',
                  f.severity === 'high' ? 'bad' : f.severity === 'medium' ? 'warn' : 'neutral',
                ),
                ' ',
                f.title,
                f.evidence?.deals?.length
                  ? h(
                      'div',
                      { class: 'muted' },
                      'Deals: ',
                      f.evidence.deals
                        .slice(0, 5)
                        .map((id, i) => [i ? ', ' : '', h('a', { href: `#/deals/${id}` }, id.slice(0, 8))]),
                      f.evidence.deals.length > 5 ? ` and ${f.evidence.deals.length - 5} more` : '',
                    )
                  : null,
              ),
            ),
          )
        : empty(run.error ?? 'No findings.'),
    ),
    card('Slack', slack),
    card('Raw result', h('details', {}, h('summary', {}, 'JSON'), json(run.result ?? run.error))),
  );
  replace(
    slack,
    h(
      'button',
      {
        type: 'button',
        class: 'btn small',
        onclick: () =>
          section(
            slack,
            () => api(`/skill-runs/${run.id}/slack/preview`, { method: 'POST', body: {} }),
            slackPreview,
          ),
      },
      'Preview the Slack message',
    ),
  );
}

function slackPreview(preview) {
  const messages = preview.messages ?? [];
  if (messages.length === 0) return null;
  const blockText = (b) =>
    b.text?.text ??
    b.fields?.map((f) => f.text).join('  ') ??
    b.elements?.map((e) => e.text ?? '').join(' ') ??
    '';
  return h(
    'div',
    { class: 'slack-preview' },
    messages.map((m) =>
      h(
        'div',
        { class: 'slack-message' },
        m.channel ? h('p', { class: 'muted' }, `Channel ${m.channel}`) : null,
        (m.blocks ?? [])
          .map(blockText)
          .filter(Boolean)
          .map((t) => h('p', {}, t)),
        m.blocks ? null : json(m),
      ),
    ),
  );
}
