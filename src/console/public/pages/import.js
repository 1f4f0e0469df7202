// The import wizard: upload a CSV or Excel file, review the proposed column and stage mappings and the
// open questions, pick a strategy (the preview recommends one), confirm, watch it apply, roll it back.
import { api } from '../api.js';
import { ago, badge, card, errorBox, h, replace, section, table } from '../ui.js';
import { STAGES } from '../stages.js';

const ENTITY_TYPES = ['deals', 'accounts', 'contacts', 'activities', 'leads'];
const DONE = new Set(['applied', 'failed', 'rolled_back', 'cancelled']);

export async function render(el) {
  const step = h('div', { style: 'min-height: 18rem' });
  const batches = h('div', { style: 'min-height: 8rem' });
  el.append(h('h1', {}, 'Import a file'), step, card('Earlier imports', batches));
  uploadStep(step);
  await section(
    batches,
    () => api('/import/batches?limit=20'),
    (list) => batchTable(list.data),
    {
      emptyText: 'No file imported yet.',
    },
  );
}

function uploadStep(step) {
  const file = h('input', {
    type: 'file',
    name: 'file',
    accept: '.csv,.tsv,.txt,.xlsx',
    required: true,
    id: 'import-file',
  });
  const type = h(
    'select',
    { name: 'entity_type', id: 'import-type' },
    h('option', { value: '' }, 'Detect from the file'),
    ENTITY_TYPES.map((t) => h('option', { value: t }, t)),
  );
  const status = h('div', { role: 'status', 'aria-live': 'polite' });
  const send = async (mapping) => {
    const form = new FormData();
    if (type.value) form.append('entity_type', type.value);
    if (mapping) form.append('mapping', JSON.stringify(mapping));
    form.append('file', file.files[0]);
    replace(status, 'Reading the file…');
    try {
      const answer = await api('/import/upload', { method: 'POST', form });
      previewStep(step, answer.batch, answer.preview);
    } catch (err) {
      // Columns no vocabulary knows: the user names them, and the file goes up again with that mapping.
      if (err.details?.headers) await mapColumnsStep(status, type, err, send);
      else replace(status, errorBox(err));
    }
  };
  replace(
    step,
    h(
      'form',
      {
        class: 'card',
        onsubmit: async (event) => {
          event.preventDefault();
          if (!file.files?.[0]) return;
          await send(null);
        },
      },
      h('h2', {}, '1. Upload'),
      h('label', { for: 'import-file' }, 'CSV or Excel file (a CRM export is fine)'),
      file,
      h('label', { for: 'import-type' }, 'Records in the file'),
      type,
      h('button', { type: 'submit', class: 'btn' }, 'Upload and preview'),
      status,
    ),
  );
}

/** The file's columns, each with a field of the chosen record type, when the importer could not tell. */
async function mapColumnsStep(status, type, err, send) {
  const fields = (await api('/import/fields')).data;
  const entity = type.value || 'deals';
  if (!type.value) type.value = entity;
  const selects = err.details.headers.map((header) =>
    h(
      'select',
      { 'aria-label': `Field for column ${header}`, 'data-map-header': header },
      h('option', { value: '' }, '(ignore this column)'),
      (fields[entity] ?? []).map((f) => h('option', { value: f.name }, `${f.name} (${f.kind})`)),
    ),
  );
  replace(
    status,
    errorBox(err),
    h(
      'p',
      {},
      `Name the columns for ${entity} (change "Records in the file" above for another type), then upload again.`,
    ),
    table(
      [
        { label: 'Column', cell: (i) => err.details.headers[i] },
        { label: 'Field', cell: (i) => selects[i] },
      ],
      err.details.headers.map((_header, i) => i),
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'btn',
        onclick: () =>
          send(Object.fromEntries(selects.map((s, i) => [err.details.headers[i], s.value || null]))),
      },
      'Upload with this mapping',
    ),
  );
}

async function previewStep(step, batch, preview) {
  const fields = (await api('/import/fields')).data[preview.entity_type] ?? [];
  const mapping = Object.fromEntries(preview.mapping.map((m) => [m.header, m.field]));
  const stageMappings = Object.fromEntries((preview.stage_values ?? []).map((s) => [s.value, s.proposed]));
  const recommended = preview.dedup?.recommended_strategy ?? 'merge';
  let strategy = recommended;
  const status = h('div', { role: 'status', 'aria-live': 'polite' });

  const mappingRows = preview.mapping.map((m) => {
    const select = h(
      'select',
      { 'aria-label': `Field for column ${m.header}`, 'data-header': m.header },
      h('option', { value: '' }, '(ignore this column)'),
      fields.map((f) =>
        h('option', { value: f.name, selected: f.name === m.field }, `${f.name} (${f.kind})`),
      ),
    );
    select.addEventListener('change', () => {
      mapping[m.header] = select.value || null;
    });
    return { ...m, select };
  });

  const stageRows = (preview.stage_values ?? []).map((s) => {
    const select = h(
      'select',
      { 'aria-label': `Stage for ${s.value}`, 'data-stage': s.value },
      h('option', { value: '' }, '(choose a stage)'),
      STAGES.map((st) => h('option', { value: st, selected: st === s.proposed }, st.replace('_', ' '))),
    );
    select.addEventListener('change', () => {
      stageMappings[s.value] = select.value || null;
    });
    return { ...s, select };
  });

  // The preview's questions (unsure stage proposals) first: each is answered by its stage select below,
  // which starts at the proposal; confirming sends every stage choice.
  const questions = [
    ...(preview.questions ?? []).map((q) => q.question ?? `Which stage is "${q.value}"? (${q.rows} rows)`),
    ...(preview.stage_values ?? [])
      .filter((s) => !s.proposed)
      .map((s) => `Which stage is "${s.value}"? (${s.rows} rows)`),
    ...(preview.warnings ?? []),
  ];

  const strategies = ['merge', 'append', 'replace'].map((value) =>
    h(
      'label',
      { class: 'radio' },
      h('input', {
        type: 'radio',
        name: 'strategy',
        value,
        checked: value === recommended,
        onchange: () => {
          strategy = value;
        },
      }),
      ` ${value}${value === recommended ? ' (recommended)' : ''}`,
    ),
  );

  replace(
    step,
    card(
      `2. Review ${batch.file_name}`,
      h(
        'p',
        {},
        `${preview.row_count.toLocaleString()} rows of ${preview.entity_type} (confidence ${Math.round(preview.entity_confidence * 100)}%) · `,
        `${preview.valid_rows.toLocaleString()} importable, ${preview.error_rows.toLocaleString()} with errors`,
      ),
      questions.length
        ? h(
            'div',
            { class: 'questions' },
            h('h3', {}, 'Open questions'),
            h(
              'ul',
              {},
              questions.map((q) => h('li', {}, q)),
            ),
          )
        : null,
      h('h3', {}, 'Columns'),
      table(
        [
          { label: 'Column', cell: (m) => m.header },
          { label: 'Maps to', cell: (m) => m.select },
          {
            label: 'Why',
            cell: (m) =>
              `${m.reason ?? ''}${m.confidence !== undefined ? ` (${Math.round(m.confidence * 100)}%)` : ''}`,
          },
        ],
        mappingRows,
      ),
      stageRows.length
        ? [
            h('h3', {}, 'Stages'),
            table(
              [
                { label: 'Value in the file', cell: (s) => s.value },
                { label: 'Rows', class: 'num', cell: (s) => s.rows },
                { label: 'Pandora stage', cell: (s) => s.select },
                {
                  label: 'Decided by',
                  cell: (s) =>
                    `${s.decided_by}${s.confidence !== undefined ? ` (${Math.round(s.confidence * 100)}%)` : ''}`,
                },
              ],
              stageRows,
            ),
          ]
        : null,
      preview.errors?.length
        ? h(
            'details',
            {},
            h('summary', {}, `${preview.errors.length} row errors`),
            h(
              'ul',
              {},
              preview.errors
                .slice(0, 50)
                .map((e) => h('li', {}, `row ${e.row}: ${e.message ?? e.error ?? JSON.stringify(e)}`)),
            ),
          )
        : null,
      h('h3', {}, 'Strategy'),
      h('p', { class: 'muted' }, preview.dedup?.reason ?? ''),
      h('fieldset', { class: 'radios' }, h('legend', { class: 'sr' }, 'Strategy'), strategies),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'btn',
            onclick: async (event) => {
              event.target.disabled = true;
              replace(status, 'Confirming…');
              const stages = Object.fromEntries(Object.entries(stageMappings).filter(([, v]) => v));
              try {
                await api(`/import/${batch.id}/confirm`, {
                  method: 'POST',
                  body: {
                    strategy,
                    mapping,
                    ...(Object.keys(stages).length ? { stage_mappings: stages } : {}),
                  },
                });
                progressStep(step, batch.id);
              } catch (err) {
                event.target.disabled = false;
                replace(status, errorBox(err));
              }
            },
          },
          'Confirm and import',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'btn ghost',
            onclick: async () => {
              await api(`/import/cancel/${batch.id}`, { method: 'POST' }).catch(() => {});
              uploadStep(step);
            },
          },
          'Cancel',
        ),
      ),
      status,
    ),
  );
}

async function progressStep(step, batchId) {
  const status = h('div', { role: 'status', 'aria-live': 'polite' }, 'Importing…');
  replace(step, card('3. Import', status));
  let batch;
  try {
    do {
      ({ batch } = await api(`/import/batches/${batchId}`));
      replace(
        status,
        badge(batch.status, 'info'),
        ` ${batch.progress?.phase ?? ''} ${progressText(batch.progress)}`,
      );
      if (!DONE.has(batch.status)) await new Promise((resolve) => setTimeout(resolve, 600));
    } while (!DONE.has(batch.status) && step.isConnected);
  } catch (err) {
    replace(status, errorBox(err));
    return;
  }
  resultStep(step, batch);
}

function progressText(p) {
  if (!p || p.rows_done === undefined) return '';
  return `${p.rows_done.toLocaleString()}${p.rows_total ? ` of ${p.rows_total.toLocaleString()}` : ''} rows`;
}

function resultStep(step, batch) {
  const status = h('div', { role: 'status', 'aria-live': 'polite' });
  const counts = batch.counts ?? {};
  replace(
    step,
    card(
      '4. Result',
      h('p', {}, badge(batch.status, batch.status === 'applied' ? 'good' : 'bad'), ` ${batch.file_name}`),
      batch.error ? errorBox({ message: batch.error }) : null,
      h(
        'details',
        { open: true },
        h('summary', {}, 'Counts'),
        h('pre', { class: 'json' }, JSON.stringify(counts, null, 2)),
      ),
      h(
        'div',
        { class: 'actions' },
        batch.status === 'applied'
          ? h(
              'button',
              {
                type: 'button',
                class: 'btn ghost',
                onclick: async (event) => {
                  event.target.disabled = true;
                  try {
                    await api(`/import/${batch.id}/rollback`, { method: 'POST' });
                    replace(status, badge('rolled back', 'warn'), ' every row this import wrote was undone.');
                  } catch (err) {
                    event.target.disabled = false;
                    replace(status, errorBox(err));
                  }
                },
              },
              'Roll back this import',
            )
          : null,
        h('button', { type: 'button', class: 'btn', onclick: () => uploadStep(step) }, 'Import another file'),
      ),
      status,
    ),
  );
}

function batchTable(batches) {
  if (batches.length === 0) return null;
  return table(
    [
      { label: 'File', cell: (b) => b.file_name },
      { label: 'Records', cell: (b) => b.entity_type },
      { label: 'Rows', class: 'num', cell: (b) => (b.row_count ?? 0).toLocaleString() },
      {
        label: 'Status',
        cell: (b) =>
          badge(b.status, b.status === 'applied' ? 'good' : b.status === 'failed' ? 'bad' : 'neutral'),
      },
      { label: 'When', cell: (b) => ago(b.created_at) },
    ],
    batches,
  );
}
