import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readTruthFile } from '../../src/generator/ground-truth.ts';
import { HUBSPOT_PIPELINE, SALESFORCE_PIPELINE } from '../../src/generator/stages.ts';
import { type GenerateSummary, generateWorld } from '../../src/generator/world.ts';
import { LINKER_CASES } from '../../src/generator/linker-cases.ts';
import { PLAN_TABLES } from '../../src/generator/world-model.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { type TestDb, createTestDb } from '../helpers/test-db.ts';

const DEALS = 200;
let t: TestDb;
let ws: string;
let other: string;
let summary: GenerateSummary;
const truthPath = join(tmpdir(), `pandora-truth-${process.pid}.jsonl`);

before(async () => {
  t = await createTestDb();
  ws = (await createWorkspace(t.db, { name: 'generated' })).id;
  other = (await createWorkspace(t.db, { name: 'neighbour' })).id;
  summary = await generateWorld(t.db, ws, { deals: DEALS, seed: 11, truthFile: truthPath });
});
after(async () => {
  await rm(truthPath, { force: true });
  await t.close();
});

async function count(sql: string, params: unknown[] = [ws]): Promise<number> {
  const { rows } = await t.db.query<{ n: number }>(sql, params as string[]);
  return Number(rows[0]!.n);
}

test('writes exactly the requested deals and the counts the summary reports', async () => {
  assert.equal(await count('SELECT count(*) AS n FROM deals WHERE workspace_id = $1::uuid'), DEALS);
  for (const table of PLAN_TABLES) {
    const n = await count(`SELECT count(*) AS n FROM ${table} WHERE workspace_id = $1::uuid`);
    assert.equal(n, summary.tables[table].inserted, table);
    assert.ok(n > 0, `${table} has rows`);
  }
  assert.equal(summary.reps.length, 5, 'minimum team size');
  assert.match(summary.internalDomain, /-demo\.io$/);
  const owners = await count(
    `SELECT count(DISTINCT owner_email) AS n FROM deals WHERE workspace_id = $1::uuid AND owner_email LIKE '%@' || $2`,
    [ws, summary.internalDomain],
  );
  assert.equal(owners, 5, 'every rep owns deals at the internal domain');
});

test('foreign keys resolve inside the workspace and deals hang together', async () => {
  const orphans = await count(
    `SELECT count(*) AS n FROM deals d LEFT JOIN accounts a ON a.workspace_id = d.workspace_id AND a.id = d.account_id
      WHERE d.workspace_id = $1::uuid AND a.id IS NULL`,
  );
  assert.equal(orphans, 0);
  const foreignContacts = await count(
    `SELECT count(*) AS n FROM deal_contacts dc
       JOIN deals d ON d.workspace_id = dc.workspace_id AND d.id = dc.deal_id
       JOIN contacts c ON c.workspace_id = dc.workspace_id AND c.id = dc.contact_id
      WHERE dc.workspace_id = $1::uuid AND c.account_id IS NOT NULL AND c.account_id <> d.account_id`,
  );
  assert.equal(foreignContacts, 0, 'deal contacts work at the deal account (or at none)');
  const singleThreaded = await count(
    `SELECT count(*) AS n FROM (SELECT deal_id FROM deal_contacts WHERE workspace_id = $1::uuid
      GROUP BY deal_id HAVING count(*) = 1) s`,
  );
  assert.ok(singleThreaded > 0 && singleThreaded < DEALS / 2, `single-threaded deals: ${singleThreaded}`);

  // The last stage change is the deal's current stage, entered when the deal says.
  const inconsistent = await count(
    `SELECT count(*) AS n FROM deals d
       JOIN LATERAL (SELECT to_stage, changed_at FROM deal_stage_history h
                      WHERE h.workspace_id = d.workspace_id AND h.deal_id = d.id
                      ORDER BY changed_at DESC LIMIT 1) last ON true
      WHERE d.workspace_id = $1::uuid AND (last.to_stage <> d.stage OR last.changed_at <> d.stage_entered_at)`,
  );
  assert.equal(inconsistent, 0);

  const { rows } = await t.db.query<{ source: string; stage: string; stage_normalized: string }>(
    'SELECT DISTINCT source, stage, stage_normalized FROM deals WHERE workspace_id = $1::uuid',
    [ws],
  );
  const expected = new Map<string, string>(
    [HUBSPOT_PIPELINE, SALESFORCE_PIPELINE].flatMap((p) =>
      [...p.open, p.won, p.lost].map((s) => [`${p.crm}|${s.id}`, s.normalized] as const),
    ),
  );
  for (const r of rows) assert.equal(r.stage_normalized, expected.get(`${r.source}|${r.stage}`), r.stage);
  assert.ok(rows.some((r) => r.source === 'hubspot') && rows.some((r) => r.source === 'salesforce'));
  const pastDueOpen = await count(
    `SELECT count(*) AS n FROM deals WHERE workspace_id = $1::uuid AND NOT is_closed AND close_date < $2::date`,
    [ws, summary.asOf],
  );
  assert.ok(pastDueOpen > 0, 'some open deals have a close date in the past');
});

test('conversations carry the hard cases and no links; the ground truth matches them', async () => {
  const linked = await count(
    `SELECT count(*) AS n FROM conversations WHERE workspace_id = $1::uuid
        AND (deal_id IS NOT NULL OR account_id IS NOT NULL OR contact_id IS NOT NULL OR is_internal IS NOT NULL)`,
  );
  assert.equal(linked, 0, 'link columns are left for the linker');

  const truth = await readTruthFile(truthPath);
  const { rows } = await t.db.query<{
    source: string;
    source_id: string;
    participants: { email: string | null }[];
    crm_context: Record<string, Record<string, string | null>>;
  }>('SELECT source, source_id, participants, crm_context FROM conversations WHERE workspace_id = $1::uuid', [
    ws,
  ]);
  assert.equal(truth.length, rows.length);
  const byKey = new Map(truth.map((r) => [`${r.source}|${r.source_id}`, r]));
  const { rows: dealRows } = await t.db.query<{ source: string; source_id: string }>(
    'SELECT source, source_id FROM deals WHERE workspace_id = $1::uuid',
    [ws],
  );
  const deals = new Set(dealRows.map((d) => `${d.source}|${d.source_id}`));

  let internal = 0;
  let noDeal = 0;
  let freeMail = 0;
  let noEmails = 0;
  let withContext = 0;
  for (const c of rows) {
    const tr = byKey.get(`${c.source}|${c.source_id}`);
    assert.ok(tr, `truth for ${c.source_id}`);
    const emails = c.participants.map((p) => p.email).filter((e): e is string => e !== null);
    if (tr.is_internal) {
      internal++;
      assert.ok(
        emails.every((e) => e.endsWith(`@${summary.internalDomain}`)),
        'internal meetings are internal-only',
      );
    } else if (tr.deal_source_id === null) noDeal++;
    if (tr.deal_source_id !== null) assert.ok(deals.has(`${tr.deal_source}|${tr.deal_source_id}`));
    if (emails.some((e) => /@(gmail|outlook|yahoo|hotmail|icloud)\.com$/.test(e))) freeMail++;
    if (emails.length === 0) noEmails++;
    const ctx = c.crm_context.salesforce ?? c.crm_context.hubspot;
    if (ctx) {
      withContext++;
      const dealId = ctx.opportunity_id ?? ctx.deal_id;
      if (dealId && !tr.classes.includes('stale_crm_context'))
        assert.equal(dealId, tr.deal_source_id, 'recorder CRM context names the true deal');
      if (tr.classes.includes('stale_crm_context')) assert.notEqual(dealId, tr.deal_source_id);
      assert.equal(ctx.account_id ?? ctx.company_id, tr.account_source_id);
    }
  }
  const share = (n: number) => n / rows.length;
  assert.ok(share(internal) > 0.03 && share(internal) < 0.25, `internal share ${share(internal)}`);
  assert.ok(noDeal > 0, 'external calls at accounts without a deal');
  assert.ok(freeMail > 0, 'free-mail participants');
  assert.ok(noEmails > 0, 'calls without participant e-mails');
  assert.ok(withContext > 0 && withContext < rows.length, 'some calls carry CRM context');
  assert.equal(internal, summary.conversations.internal);
});

test('the linker hard cases are planted and named in the ground truth', async () => {
  const truth = await readTruthFile(truthPath);
  const seen = new Map<string, number>();
  for (const r of truth) for (const c of r.classes) seen.set(c, (seen.get(c) ?? 0) + 1);
  for (const c of LINKER_CASES) assert.ok((seen.get(c) ?? 0) > 0, `calls of case ${c}`);
  const extra = await count(
    `SELECT count(*) AS n FROM accounts WHERE workspace_id = $1::uuid AND source = 'hubspot'
        AND additional_domains[1] = source_data->'properties'->>'hs_additional_domains'`,
  );
  assert.ok(extra > 0, 'HubSpot companies with a second domain');
  const companyless = await count(
    `SELECT count(*) AS n FROM contacts WHERE workspace_id = $1::uuid AND account_id IS NULL`,
  );
  assert.ok(companyless > 0, 'contacts associated with no company');
  // A job mover's CRM record holds the next company's address while naming the old company.
  const movers = await count(
    `SELECT count(*) AS n FROM contacts c
       JOIN accounts old ON old.workspace_id = c.workspace_id AND old.id = c.account_id
       JOIN accounts cur ON cur.workspace_id = c.workspace_id AND cur.domain = split_part(c.email, '@', 2)
      WHERE c.workspace_id = $1::uuid AND cur.id <> old.id`,
  );
  assert.ok(movers > 0, 'job movers');
});

test('re-running the same seed reports every row unchanged', async () => {
  const again = await generateWorld(t.db, ws, { deals: DEALS, seed: 11 });
  for (const table of PLAN_TABLES) {
    const c = again.tables[table];
    assert.deepEqual([c.inserted, c.updated], [0, 0], table);
    assert.equal(c.unchanged, summary.tables[table].inserted, table);
  }
});

test('a second workspace generated beside the first shares nothing with it', async () => {
  const neighbour = await generateWorld(t.db, other, { deals: 60, seed: 11 });
  assert.equal(await count('SELECT count(*) AS n FROM deals WHERE workspace_id = $1::uuid', [other]), 60);
  assert.equal(await count('SELECT count(*) AS n FROM deals WHERE workspace_id = $1::uuid'), DEALS);
  assert.equal(
    neighbour.tables.accounts.unchanged,
    0,
    'the same source ids in another workspace are new rows',
  );
  const crossing = await count(
    `SELECT count(*) AS n FROM deal_contacts dc
       JOIN contacts c ON c.id = dc.contact_id
       JOIN deals d ON d.id = dc.deal_id
      WHERE c.workspace_id <> dc.workspace_id OR d.workspace_id <> dc.workspace_id`,
    [],
  );
  assert.equal(crossing, 0);
  const again = await generateWorld(t.db, ws, { deals: DEALS, seed: 11 });
  assert.equal(again.tables.deals.unchanged, DEALS, 'the first workspace is untouched');
});
