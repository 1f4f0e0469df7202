import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { confirmAndWait, upload } from './import-client.ts';

const ACCOUNTS = `Company Name,Website,Industry,Employees
"Acme, Inc.",www.acme.com,Manufacturing,"1,200"
Globex GmbH,globex.de,Energy,300
Initech LLC,initech.io,Software,45
`;

const DEALS_V1 = `Deal ID,Deal Name,Amount,Stage,Close Date,Company
D-1,Acme renewal,"$12,500.00",Qualification,2026-03-31,Acme
D-2,Globex expansion,"€ 8.000,50",Proposal,31/03/2026,Globex
D-3,"Initech pilot, phase 1",1500,Demo scheduled,2026-04-15,Initech Inc.
`;

const DEALS_V2 = `Deal ID,Deal Name,Amount,Stage,Close Date,Company
D-1,Acme renewal,"$15,000.00",Negotiation,2026-03-31,Acme
D-2,Globex expansion,"€ 8.000,50",Proposal,31/03/2026,Globex
D-4,Hooli new logo,99000,Closed Won,2026-05-01,Hooli
`;

const CONTACTS = `First Name,Last Name,Email,Phone,Company,Associated Deals
Ada,Lovelace,ada@acme.com,+44 (20) 7946-0958,Acme,Acme renewal
Grace,Hopper,grace@initech.io,,,"Initech pilot, phase 1"
Alan,Turing,alan@gmail.com,=1+2,Globex GmbH,
`;

// Scores are derived by the post-sync chain each import (and each rollback) runs, not written by the
// import: a rollback restores what the imports wrote, so comparisons leave the computed fields out.
const COMPUTED_DEAL_FIELDS = [
  'computed_at',
  'deal_risk',
  'deal_risk_reasons',
  'velocity_score',
  'velocity_reasons',
  'engagement_score',
  'engagement_reasons',
  'amount_baseline',
  'velocity_score_tenths',
  'engagement_score_tenths',
];

describe('file import over HTTP', () => {
  let app: TestApp;
  let ws: { id: string; key: string };
  const base = () => `/api/workspaces/${ws.id}`;
  const q = <T = any>(sql: string, params: unknown[] = []) =>
    app.db.query<T>(sql, params as never[]).then((r) => r.rows);
  /** The deals as the imports wrote them (computed fields left out), in source order. */
  const importedDeals = () =>
    q(`SELECT to_jsonb(d) - $1::text[] AS d FROM deals d ORDER BY source_id`, [COMPUTED_DEAL_FIELDS]);

  before(async () => {
    app = await startTestApp({ PANDORA_IMPORT_DIR: mkdtempSync(join(tmpdir(), 'pandora-import-')) });
    ws = await app.createWorkspace('Importers');
  });
  after(() => app.close());

  test('deals before accounts: preview warns, detects deals, parses money and dates', async () => {
    const up = await upload(app, ws, 'pipeline.csv', DEALS_V1);
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const p = up.body.preview;
    assert.equal(p.entity_type, 'deals');
    assert.equal(p.row_count, 3);
    assert.equal(p.error_rows, 0, JSON.stringify(p.errors));
    const field = (h: string) => p.mapping.find((c: any) => c.header === h);
    assert.equal(field('Deal ID').field, 'external_id');
    assert.equal(field('Amount').field, 'amount');
    assert.equal(field('Close Date').field, 'close_date');
    assert.equal(field('Company').field, 'account_name');
    assert.ok(field('Stage').confidence > 0.8);
    assert.equal(p.sample_rows[0].amount, 12500);
    assert.equal(p.sample_rows[1].amount, 8000.5);
    assert.equal(p.sample_rows[1].currency, 'EUR');
    assert.equal(p.sample_rows[1].close_date, '2026-03-31');
    assert.ok(p.warnings.some((w: string) => /before any accounts exist/.test(w)));
    const stages = Object.fromEntries(p.stage_values.map((s: any) => [s.value, s.proposed]));
    assert.equal(stages.Qualification, 'qualification');
    assert.equal(stages['Demo scheduled'], 'evaluation');
    assert.equal(p.dedup.recommended_strategy, 'merge');
    const done = await confirmAndWait(app, ws, up.body.batch.id, { strategy: 'merge' });
    assert.equal(done.body.batch.status, 'applied', JSON.stringify(done.body.batch));
    assert.equal(done.body.batch.counts.inserted, 3);
    const hist = await q(`SELECT source, count(*)::int AS n FROM deal_stage_history GROUP BY source`);
    assert.deepEqual(hist, [{ source: 'file_import_new', n: 3 }]);
    const conn = await q(
      `SELECT last_sync_at, metadata FROM connections WHERE connector_name = 'csv_import'`,
    );
    assert.ok(conn[0].last_sync_at);
    assert.equal(conn[0].metadata.last_imports.deals.batch_id, up.body.batch.id);
  });

  test('accounts import links the earlier deals workspace-wide', async () => {
    const up = await upload(app, ws, 'companies.csv', ACCOUNTS);
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.equal(up.body.preview.entity_type, 'accounts');
    assert.equal(up.body.preview.sample_rows[0].employee_count, 1200);
    assert.equal(up.body.preview.sample_rows[0].domain, 'acme.com');
    const done = await confirmAndWait(app, ws, up.body.batch.id, { strategy: 'merge' });
    assert.equal(done.body.batch.status, 'applied');
    assert.equal(done.body.batch.result.relink.deals_linked_to_accounts, 3);
    const linked = await q(
      `SELECT d.name, a.name AS account FROM deals d JOIN accounts a ON a.id = d.account_id ORDER BY d.name`,
    );
    assert.deepEqual(
      linked.map((r: any) => r.account),
      ['Acme, Inc.', 'Globex GmbH', 'Initech LLC'],
    );
  });

  test('contacts: accounts by name and email domain, deals from associated_deals and single-deal inference', async () => {
    const up = await upload(app, ws, 'people.csv', CONTACTS);
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.equal(up.body.preview.entity_type, 'contacts');
    assert.equal(
      up.body.preview.mapping.find((c: any) => c.header === 'Associated Deals').field,
      'associated_deals',
    );
    assert.equal(
      up.body.preview.warnings.some((w: string) => /before any accounts/.test(w)),
      false,
    );
    const done = await confirmAndWait(app, ws, up.body.batch.id, { strategy: 'merge' });
    assert.equal(done.body.batch.status, 'applied');
    const rows = await q(
      `SELECT c.email, c.phone, a.name AS account, d.name AS deal, dc.source
       FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id
       LEFT JOIN deal_contacts dc ON dc.contact_id = c.id LEFT JOIN deals d ON d.id = dc.deal_id ORDER BY c.email`,
    );
    assert.deepEqual(rows, [
      {
        email: 'ada@acme.com',
        phone: '+44 (20) 7946-0958',
        account: 'Acme, Inc.',
        deal: 'Acme renewal',
        source: 'file_import',
      },
      {
        email: 'alan@gmail.com',
        phone: `'=1+2`,
        account: 'Globex GmbH',
        deal: 'Globex expansion',
        source: 'inferred',
      },
      // A deal named with a comma, listed alone: the whole cell is its name.
      {
        email: 'grace@initech.io',
        phone: null,
        account: 'Initech LLC',
        deal: 'Initech pilot, phase 1',
        source: 'file_import',
      },
    ]);
    const again = await app.request('POST', `${base()}/import/relink`, { token: ws.key });
    assert.equal(again.status, 200);
    assert.deepEqual(again.body.relink, {
      deals_linked_to_accounts: 0,
      contacts_linked_to_accounts: 0,
      contact_deal_links_explicit: 0,
      contact_deal_links_inferred: 0,
      accounts_linked_to_parents: 0,
      activities_linked: 0,
    });
  });

  test('re-upload with merge: stage history diff, then rollback restores previous values exactly', async () => {
    const before = await importedDeals();
    const histBefore = await q(`SELECT id FROM deal_stage_history ORDER BY id`);
    const up = await upload(app, ws, 'pipeline.csv', DEALS_V2);
    assert.equal(up.status, 201);
    assert.equal(up.body.preview.dedup.existing_matches, 2);
    assert.match(
      up.body.preview.dedup.reason,
      /2 of 3 records in the file \(66.6 %\) match existing deals, 1 would be new/,
    );
    const done = await confirmAndWait(app, ws, up.body.batch.id, { strategy: 'merge' });
    assert.equal(done.body.batch.status, 'applied');
    assert.deepEqual(
      [done.body.batch.counts.inserted, done.body.batch.counts.updated, done.body.batch.counts.unchanged],
      [1, 1, 1],
    );
    assert.deepEqual(done.body.batch.result.stage_transitions, { file_import_diff: 1, file_import_new: 1 });
    const diff = await q(
      `SELECT from_stage, to_stage, to_stage_normalized FROM deal_stage_history WHERE source = 'file_import_diff'`,
    );
    assert.deepEqual(diff, [
      { from_stage: 'Qualification', to_stage: 'Negotiation', to_stage_normalized: 'negotiation' },
    ]);
    const won = await q(`SELECT is_closed, is_won, amount FROM deals WHERE name = 'Hooli new logo'`);
    assert.deepEqual(won, [{ is_closed: true, is_won: true, amount: 99000 }]);

    const rb = await app.request('POST', `${base()}/import/${up.body.batch.id}/rollback`, { token: ws.key });
    assert.equal(rb.status, 200, JSON.stringify(rb.body));
    assert.equal(rb.body.batch.status, 'rolled_back');
    // The deal the file matched unchanged is left alone; the updated one is restored, the new one removed.
    assert.equal(rb.body.rollback.restored, 1);
    assert.deepEqual(await importedDeals(), before);
    assert.deepEqual(await q(`SELECT id FROM deal_stage_history ORDER BY id`), histBefore);
    const twice = await app.request('POST', `${base()}/import/${up.body.batch.id}/rollback`, {
      token: ws.key,
    });
    assert.equal(twice.status, 409);
  });

  test('replace: missing deals reported, referenced ones kept, unreferenced deleted; rollback re-inserts', async () => {
    const before = await importedDeals();
    const up = await upload(app, ws, 'pipeline.csv', DEALS_V2);
    const done = await confirmAndWait(app, ws, up.body.batch.id, { strategy: 'replace' });
    assert.equal(done.body.batch.status, 'applied', JSON.stringify(done.body.batch));
    const missing = done.body.batch.result.missing;
    assert.equal(missing.missing, 1);
    // D-3 (Initech pilot, phase 1) has a contact linked: kept and reported.
    assert.equal(missing.kept_referenced, 1);
    assert.equal(missing.records[0].name, 'Initech pilot, phase 1');
    const rb = await app.request('POST', `${base()}/import/${up.body.batch.id}/rollback`, { token: ws.key });
    assert.equal(rb.status, 200);
    assert.deepEqual(await importedDeals(), before);
  });

  test('append inserts only new records; cancel removes a pending batch', async () => {
    const up = await upload(app, ws, 'pipeline.csv', DEALS_V2);
    const done = await confirmAndWait(app, ws, up.body.batch.id, { strategy: 'append' });
    assert.equal(done.body.batch.counts.inserted, 1);
    assert.equal(done.body.batch.counts.skipped, 2);
    const rb = await app.request('POST', `${base()}/import/${up.body.batch.id}/rollback`, { token: ws.key });
    assert.equal(rb.status, 200);

    const pending = await upload(app, ws, 'pipeline.csv', DEALS_V2);
    const cancel = await app.request('POST', `${base()}/import/cancel/${pending.body.batch.id}`, {
      token: ws.key,
    });
    assert.equal(cancel.status, 200);
    assert.equal(cancel.body.batch.status, 'cancelled');
    const confirmCancelled = await app.request('POST', `${base()}/import/${pending.body.batch.id}/confirm`, {
      token: ws.key,
      body: { strategy: 'merge' },
    });
    assert.equal(confirmCancelled.status, 409);
    const list = await app.request('GET', `${base()}/import/batches`, { token: ws.key });
    assert.equal(list.status, 200);
    assert.ok(list.body.data.length >= 7);
    assert.equal(list.body.data[0].temp_path, undefined);
  });

  test('leads and activities import with a mapping override', async () => {
    const leads = await upload(
      app,
      ws,
      'leads.csv',
      'Lead Name,Email,Company,Lead Status,Lead Owner\nJo Bloggs,jo@x.io,X Corp,New,Jane Roe\n',
    );
    assert.equal(leads.body.preview.entity_type, 'leads');
    // Leads keep no owner name: the preview says where an unmatched one goes.
    assert.ok(
      leads.body.preview.warnings.some((w: string) =>
        /owners match no known owner and are kept as a custom field \(no owner is set\): Jane Roe/.test(w),
      ),
      JSON.stringify(leads.body.preview.warnings),
    );
    const l = await confirmAndWait(app, ws, leads.body.batch.id, { strategy: 'merge' });
    assert.equal(l.body.batch.status, 'applied');
    assert.deepEqual(await q(`SELECT first_name, last_name, status FROM leads`), [
      { first_name: 'Jo', last_name: 'Bloggs', status: 'New' },
    ]);
    const acts = await upload(
      app,
      ws,
      'log.csv',
      'Type,Subject,Date,Notes\nEmail,Intro,2026-01-05 10:00,hello\nCall,Demo,2026-01-06T09:30:15.123456+01:00,notes\n',
      {
        entity_type: 'activities',
      },
    );
    assert.equal(acts.status, 201, JSON.stringify(acts.body));
    const a = await confirmAndWait(app, ws, acts.body.batch.id, {
      strategy: 'append',
      mapping: { Notes: 'body' },
    });
    assert.equal(a.body.batch.status, 'applied', JSON.stringify(a.body));
    // Timestamps keep what the file wrote, down to the microsecond.
    const utc = `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;
    assert.deepEqual(
      await q(`SELECT activity_type, subject, body, ${utc} AS at FROM activities ORDER BY occurred_at`),
      [
        { activity_type: 'email', subject: 'Intro', body: 'hello', at: '2026-01-05 10:00:00.000000' },
        { activity_type: 'meeting', subject: 'Demo', body: 'notes', at: '2026-01-06 08:30:15.123456' },
      ],
    );
    const bad = await app.request('POST', `${base()}/import/${acts.body.batch.id}/confirm`, {
      token: ws.key,
      body: { strategy: 'merge', mapping: { Notes: 'no_such_field' } },
    });
    assert.equal(bad.status, 409);
  });

  test('unseen stage labels go to the classifier once; the answer is stored and reused', async () => {
    const csv = 'Deal ID,Deal Name,Stage\nV-1,Verbal one,Verbal commit\nV-2,Odd one,Zzz\n';
    const first = await upload(app, ws, 'more-deals.csv', csv);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const stages = Object.fromEntries(first.body.preview.stage_values.map((s: any) => [s.value, s]));
    assert.equal(stages['Verbal commit'].decided_by, 'classifier');
    assert.equal(stages['Verbal commit'].proposed, 'decision');
    // Nothing knows "Zzz": the offline fallback proposes a stage with a low confidence, a question.
    assert.equal(stages.Zzz.decided_by, 'default');
    assert.ok(stages.Zzz.confidence < 0.5);
    assert.deepEqual(
      first.body.preview.questions.map((x: any) => x.value),
      ['Zzz'],
    );
    assert.ok(
      first.body.preview.warnings.some((w: string) => /need an answer before confirming: Zzz/.test(w)),
    );
    const done = await confirmAndWait(app, ws, first.body.batch.id, {
      strategy: 'merge',
      stage_mappings: { Zzz: 'awareness' },
    });
    assert.equal(done.body.batch.status, 'applied');
    const stored = await q(
      `SELECT raw_stage, stage_normalized FROM stage_mappings WHERE source = 'csv_import' ORDER BY raw_stage`,
    );
    assert.deepEqual(stored, [
      { raw_stage: 'Verbal commit', stage_normalized: 'decision' },
      { raw_stage: 'Zzz', stage_normalized: 'awareness' },
    ]);
    const again = await upload(app, ws, 'more-deals.csv', csv);
    assert.deepEqual(
      again.body.preview.stage_values.map((s: any) => s.decided_by),
      ['stored', 'stored'],
    );
    await app.request('POST', `${base()}/import/cancel/${again.body.batch.id}`, { token: ws.key });
  });

  test('rolling back an accounts import also undoes the links it inferred', async () => {
    const other = await app.createWorkspace('Rollback links');
    const deals = await upload(app, other, 'pipeline.csv', DEALS_V1);
    await confirmAndWait(app, other, deals.body.batch.id, { strategy: 'merge' });
    const contacts = await upload(app, other, 'people.csv', CONTACTS);
    await confirmAndWait(app, other, contacts.body.batch.id, { strategy: 'merge' });
    const snapshot = async () => ({
      deals: await q(
        `SELECT to_jsonb(d) - $2::text[] AS d FROM deals d WHERE workspace_id = $1 ORDER BY id`,
        [other.id, COMPUTED_DEAL_FIELDS],
      ),
      contacts: await q(`SELECT * FROM contacts WHERE workspace_id = $1 ORDER BY id`, [other.id]),
      links: await q(`SELECT * FROM deal_contacts WHERE workspace_id = $1 ORDER BY id`, [other.id]),
    });
    const before = await snapshot();
    const accounts = await upload(app, other, 'companies.csv', ACCOUNTS);
    const done = await confirmAndWait(app, other, accounts.body.batch.id, { strategy: 'merge' });
    assert.equal(done.body.batch.result.relink.deals_linked_to_accounts, 3);
    assert.ok(done.body.batch.result.relink.contact_deal_links_inferred > 0);
    const rb = await app.request(
      'POST',
      `/api/workspaces/${other.id}/import/${accounts.body.batch.id}/rollback`,
      {
        token: other.key,
      },
    );
    assert.equal(rb.status, 200, JSON.stringify(rb.body));
    assert.deepEqual(await snapshot(), before);
    assert.equal(
      (await q(`SELECT count(*)::int AS n FROM accounts WHERE workspace_id = $1`, [other.id]))[0].n,
      0,
    );
  });

  test('deals without a stage import as open deals, and the pipeline summary counts them', async () => {
    const other = await app.createWorkspace('No stage');
    const csv = `Deal ID,Deal Name,Amount,Stage,Close Date
S-1,Staged,1000,Negotiation,2026-03-31
S-2,Stageless,2500,,2026-04-30
S-3,Won,700,Closed Won,2026-02-28
`;
    const up = await upload(app, other, 'pipeline.csv', csv);
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const done = await confirmAndWait(app, other, up.body.batch.id, { strategy: 'merge' });
    assert.equal(done.body.batch.status, 'applied', JSON.stringify(done.body.batch));
    const rows = await q(
      `SELECT source_id, stage, is_closed, is_won FROM deals WHERE workspace_id = $1 ORDER BY source_id`,
      [other.id],
    );
    assert.deepEqual(rows[1], { source_id: 'id:S-2', stage: null, is_closed: false, is_won: false });
    // Open deals: the staged one and the stageless one (in the null stage bucket).
    const summary = await app.request('GET', `/api/workspaces/${other.id}/pipeline/summary`, {
      token: other.key,
    });
    assert.deepEqual(summary.body.totals, {
      count: 2,
      amount: 3500,
      weighted_amount: summary.body.totals.weighted_amount,
      not_converted: 0,
    });
    const { rows: rollups } = await app.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM deal_pipeline_rollups WHERE workspace_id = $1::uuid',
      [other.id],
    );
    assert.equal(rollups[0]!.n, 3, 'the apply folds its rollup deltas: one row per group');
  });

  test('imported activities link to the contact, deal and account they name; an undecided name stays unlinked', async () => {
    const other = await app.createWorkspace('Activity links');
    const apply = async (name: string, csv: string, extra: Record<string, string> = {}) => {
      const up = await upload(app, other, name, csv, extra);
      assert.equal(up.status, 201, JSON.stringify(up.body));
      const done = await confirmAndWait(app, other, up.body.batch.id, { strategy: 'append' });
      assert.equal(done.body.batch.status, 'applied', JSON.stringify(done.body.batch));
      return done.body.batch;
    };
    await apply('companies.csv', ACCOUNTS);
    await apply('pipeline.csv', DEALS_V1);
    await apply('renewals.csv', 'Deal ID,Deal Name,Company\nR-1,Renewal,Acme\nR-2,Renewal,Globex\n');
    await apply('people.csv', CONTACTS);
    const activities = [
      'Date,Type,Subject,Contact Email,Deal,Company',
      '2026-01-05 10:00,Call,Kick-off,ada@acme.com,Acme renewal,',
      '2026-01-06 10:00,Email,Pilot scope,,"Initech pilot, phase 1",',
      '2026-01-07 10:00,Email,Intro,alan@gmail.com,,',
      '2026-01-08 10:00,Meeting,Renewal call,ada@acme.com,Renewal,',
      '2026-01-09 10:00,Meeting,Which renewal,,Renewal,',
      '2026-01-10 10:00,Note,Named company,,,Globex GmbH',
      '2026-01-11 10:00,Note,Before its deal,,Late deal,',
    ].join('\n');
    const batch = await apply('log.csv', activities, { entity_type: 'activities' });
    assert.equal(batch.result.relink.activities_linked, 5);
    const links = () =>
      q(
        `SELECT a.subject, c.email AS contact, d.name AS deal, ac.name AS account FROM activities a
         LEFT JOIN contacts c ON c.workspace_id = a.workspace_id AND c.id = a.contact_id
         LEFT JOIN deals d ON d.workspace_id = a.workspace_id AND d.id = a.deal_id
         LEFT JOIN accounts ac ON ac.workspace_id = a.workspace_id AND ac.id = a.account_id
         WHERE a.workspace_id = $1 ORDER BY a.occurred_at`,
        [other.id],
      );
    const before = [
      { subject: 'Kick-off', contact: 'ada@acme.com', deal: 'Acme renewal', account: 'Acme, Inc.' },
      { subject: 'Pilot scope', contact: null, deal: 'Initech pilot, phase 1', account: 'Initech LLC' },
      { subject: 'Intro', contact: 'alan@gmail.com', deal: null, account: 'Globex GmbH' },
      // Two deals are named Renewal: the contact's account says which.
      { subject: 'Renewal call', contact: 'ada@acme.com', deal: 'Renewal', account: 'Acme, Inc.' },
      { subject: 'Which renewal', contact: null, deal: null, account: null },
      { subject: 'Named company', contact: null, deal: null, account: 'Globex GmbH' },
      { subject: 'Before its deal', contact: null, deal: null, account: null },
    ];
    assert.deepEqual(await links(), before);
    // A deal that arrives later takes its activity; rolling that import back takes the link back.
    const late = await upload(app, other, 'late.csv', 'Deal ID,Deal Name,Company\nL-1,Late deal,Initech\n');
    const lateDone = await confirmAndWait(app, other, late.body.batch.id, { strategy: 'append' });
    assert.equal(lateDone.body.batch.result.relink.activities_linked, 1);
    assert.deepEqual((await links()).at(-1), {
      subject: 'Before its deal',
      contact: null,
      deal: 'Late deal',
      account: 'Initech LLC',
    });
    const rb = await app.request(
      'POST',
      `/api/workspaces/${other.id}/import/${late.body.batch.id}/rollback`,
      {
        token: other.key,
      },
    );
    assert.equal(rb.status, 200, JSON.stringify(rb.body));
    assert.deepEqual(await links(), before);
  });
});
