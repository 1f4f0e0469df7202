import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { confirmAndWait, upload } from './import-client.ts';

// An opportunity export whose stages are partly in no vocabulary ("Engaging"), partly numbered ("2 Framing"
// sits between a prospecting and a proposal stage), with owners given by name.
const OPPORTUNITIES = [
  'opportunity_id,sales_agent,product,account,deal_stage,close_value',
  'OP-001,Jane Doe,GTX Pro,Acme,Prospecting,',
  'OP-002,Jane Doe,GTX Basic,Acme,Engaging,',
  'OP-003,Moses Frase,MG Special,Globex,Engaging,',
  'OP-004,kim.lee@northwind.io,GTX Pro,Initech,Won,4514',
  'OP-005,Moses Frase,GTX Plus,Globex,Lost,0',
  'OP-006,Moses Frase,GTX Plus,Hooli,1 Prospecting,',
  'OP-007,Jane Doe,GTX Plus,Hooli,2 Framing,',
  'OP-008,Jane Doe,GTX Plus,Hooli,3 Proposal,',
].join('\n');

// A company list with revenue in millions and a parent-company column naming other rows.
const ACCOUNTS = [
  'account,sector,year_established,revenue,employees,office_location,subsidiary_of',
  'Acme Corporation,technolgy,1996,1100.04,2822,United States,',
  'Acme Labs,technolgy,2001,18.5,120,United States,Acme Corporation',
  'Globex,retail,1990,4540.1,9000,Germany,',
  'Globex Nordic,retail,2010,310.2,400,Sweden,"Globex, Inc."',
  'Initech,software,2005,655.3,1500,United States,',
].join('\n');

describe('file import: unknown stage words, owner names, money units, parent accounts, probabilities', () => {
  let app: TestApp;
  let ws: { id: string; key: string };
  const base = () => `/api/workspaces/${ws.id}`;
  const q = <T = any>(sql: string, params: unknown[] = []) =>
    app.db.query<T>(sql, params as never[]).then((r) => r.rows);

  before(async () => {
    app = await startTestApp({ PANDORA_IMPORT_DIR: mkdtempSync(join(tmpdir(), 'pandora-import-')) });
    ws = await app.createWorkspace('Unknown values');
    // A known owner: a deal owned by jane.doe@northwind.io (the address spells her name).
    const known = await upload(
      app,
      ws,
      'pipeline.csv',
      'Deal ID,Deal Name,Stage,Deal Owner\nK-1,Known deal,Qualification,jane.doe@northwind.io\n',
    );
    const done = await confirmAndWait(app, ws, known.body.batch.id, { strategy: 'merge' });
    assert.equal(done.body.batch.status, 'applied', JSON.stringify(done.body));
  });
  after(() => app.close());

  let batchId = '';
  test('every stage value gets a proposal with confidence; unsure ones are questions', async () => {
    const up = await upload(app, ws, 'opportunities.csv', OPPORTUNITIES);
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const p = up.body.preview;
    batchId = up.body.batch.id;
    const stage = (v: string) => p.stage_values.find((s: any) => s.value === v);
    for (const s of p.stage_values) {
      assert.ok(s.proposed, `${s.value} has a proposal`);
      assert.equal(typeof s.confidence, 'number');
    }
    assert.deepEqual(
      { ...stage('Engaging'), mean_probability: undefined },
      {
        value: 'Engaging',
        rows: 2,
        proposed: 'qualification',
        decided_by: 'stem',
        confidence: 0.6,
        mean_probability: undefined,
      },
    );
    assert.equal(stage('2 Framing').decided_by, 'position');
    assert.equal(stage('2 Framing').proposed, 'qualification');
    assert.equal(stage('Won').proposed, 'closed_won');
    assert.ok(stage('Won').confidence >= 0.9);
    assert.deepEqual(
      p.questions.map((x: any) => x.value),
      ['Engaging', '2 Framing'],
    );
    assert.match(p.questions[0].question, /Which stage is "Engaging"/);
  });

  test('confirming with open questions is a 422 naming them, unless answered or accepted', async () => {
    const refused = await app.request('POST', `${base()}/import/${batchId}/confirm`, {
      token: ws.key,
      body: { strategy: 'merge', stage_mappings: { Engaging: 'evaluation' } },
    });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.match(refused.body.error.message, /"2 Framing"/);
    assert.doesNotMatch(refused.body.error.message, /"Engaging"/);
    const done = await confirmAndWait(app, ws, batchId, {
      strategy: 'merge',
      stage_mappings: { Engaging: 'evaluation' },
      accept_proposed_stages: true,
    });
    assert.equal(done.body.batch.status, 'applied', JSON.stringify(done.body.batch));
    const rows = await q(
      `SELECT stage, stage_normalized, count(*)::int AS n FROM deals
       WHERE workspace_id = $1 AND stage IN ('Engaging', '2 Framing') GROUP BY 1, 2 ORDER BY 1`,
      [ws.id],
    );
    assert.deepEqual(rows, [
      { stage: '2 Framing', stage_normalized: 'qualification', n: 1 },
      { stage: 'Engaging', stage_normalized: 'evaluation', n: 2 },
    ]);
    assert.equal(
      (
        await q(`SELECT count(*)::int AS n FROM deals WHERE workspace_id = $1 AND stage_normalized IS NULL`, [
          ws.id,
        ])
      )[0].n,
      0,
    );
  });

  test('changing a stage mapping later updates the deals and the stage history rows it produced', async () => {
    const put = await app.request('PUT', `${base()}/stage-mappings`, {
      token: ws.key,
      body: { mappings: [{ source: 'csv_import', raw_stage: 'Engaging', stage_normalized: 'decision' }] },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const history = await q(
      `SELECT h.to_stage_normalized, count(*)::int AS n FROM deal_stage_history h
       WHERE h.workspace_id = $1 AND h.to_stage = 'Engaging' GROUP BY 1`,
      [ws.id],
    );
    assert.deepEqual(history, [{ to_stage_normalized: 'decision', n: 2 }]);
  });

  test('owners match by email or by name; unmatched names are kept, listed and in the roster', async () => {
    const batch = await app.request('GET', `${base()}/import/batches/${batchId}`, { token: ws.key });
    const owners = Object.fromEntries(batch.body.preview.owners.map((o: any) => [o.value, o]));
    assert.deepEqual(owners['Jane Doe'], {
      value: 'Jane Doe',
      rows: 4,
      email: 'jane.doe@northwind.io',
      name: 'Jane Doe',
      matched_by: 'name',
    });
    assert.equal(owners['kim.lee@northwind.io'].matched_by, 'email');
    assert.equal(owners['Moses Frase'].matched_by, 'unmatched');
    assert.ok(batch.body.preview.warnings.some((w: string) => /kept by name: Moses Frase/.test(w)));
    const deals = await q(
      `SELECT source_id, owner_email, owner_name, custom_fields FROM deals
       WHERE workspace_id = $1 AND source_id IN ('id:OP-001', 'id:OP-003', 'id:OP-004') ORDER BY source_id`,
      [ws.id],
    );
    assert.deepEqual(
      deals.map((d: any) => [d.source_id, d.owner_email, d.owner_name, d.custom_fields.sales_agent ?? null]),
      [
        ['id:OP-001', 'jane.doe@northwind.io', null, null],
        ['id:OP-003', null, 'Moses Frase', null],
        ['id:OP-004', 'kim.lee@northwind.io', null, null],
      ],
    );
    const roster = await app.request('GET', `${base()}/sales-roster`, { token: ws.key });
    assert.equal(roster.status, 200);
    const moses = roster.body.data.find((r: any) => r.name === 'Moses Frase');
    assert.equal(moses.email, null);
    assert.equal(moses.crm_owners[0].deal_count, 3);
    assert.ok(roster.body.data.some((r: any) => r.email === 'jane.doe@northwind.io'));
  });

  test('revenue in millions is flagged; money_units scales it; a parent column links accounts', async () => {
    const up = await upload(app, ws, 'accounts.csv', ACCOUNTS);
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const p = up.body.preview;
    assert.equal(p.entity_type, 'accounts');
    const field = (h: string) => p.mapping.find((c: any) => c.header === h)?.field;
    assert.equal(field('revenue'), 'annual_revenue');
    assert.equal(field('subsidiary_of'), 'parent_account_name');
    assert.deepEqual(p.money_columns, [
      {
        header: 'revenue',
        field: 'annual_revenue',
        median: 655.3,
        suggested_multiplier: 1_000_000,
        unit: 'millions',
      },
    ]);
    assert.ok(p.warnings.some((w: string) => /"revenue".*looks like millions/.test(w)));
    const bad = await app.request('POST', `${base()}/import/${up.body.batch.id}/confirm`, {
      token: ws.key,
      body: { strategy: 'merge', money_units: { sector: 1000 } },
    });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    const done = await confirmAndWait(app, ws, up.body.batch.id, {
      strategy: 'merge',
      money_units: { revenue: 1_000_000 },
    });
    assert.equal(done.body.batch.status, 'applied', JSON.stringify(done.body.batch));
    assert.equal(done.body.batch.result.relink.accounts_linked_to_parents, 2);
    const rows = await q(
      `SELECT a.name, a.annual_revenue::text AS revenue, p.name AS parent FROM accounts a
       LEFT JOIN accounts p ON p.workspace_id = a.workspace_id AND p.id = a.parent_account_id
       WHERE a.workspace_id = $1 ORDER BY a.name`,
      [ws.id],
    );
    assert.deepEqual(rows, [
      { name: 'Acme Corporation', revenue: '1100040000.00', parent: null },
      { name: 'Acme Labs', revenue: '18500000.00', parent: 'Acme Corporation' },
      { name: 'Globex', revenue: '4540100000.00', parent: null },
      { name: 'Globex Nordic', revenue: '310200000.00', parent: 'Globex' },
      { name: 'Initech', revenue: '655300000.00', parent: null },
    ]);
    // New deals naming these accounts are written linked by the insert itself: nothing left to relink.
    const deals = await upload(
      app,
      ws,
      'opportunities.csv',
      'opportunity_id,account,deal_stage\nNEW-1,ACME LABS,Prospecting\nNEW-2,Nobody Ltd,Prospecting\n',
    );
    const linked = await confirmAndWait(app, ws, deals.body.batch.id, { strategy: 'merge' });
    assert.equal(linked.body.batch.status, 'applied', JSON.stringify(linked.body.batch));
    assert.equal(linked.body.batch.result.relink.deals_linked_to_accounts, 0);
    assert.deepEqual(
      await q(
        `SELECT d.source_id, a.name FROM deals d LEFT JOIN accounts a ON a.workspace_id = d.workspace_id AND a.id = d.account_id
         WHERE d.workspace_id = $1 AND d.source_id LIKE 'id:NEW-%' ORDER BY 1`,
        [ws.id],
      ),
      [
        { source_id: 'id:NEW-1', name: 'Acme Labs' },
        { source_id: 'id:NEW-2', name: null },
      ],
    );
    const undo = await app.request('POST', `${base()}/import/${deals.body.batch.id}/rollback`, {
      token: ws.key,
    });
    assert.equal(undo.status, 200, JSON.stringify(undo.body));
    // The rollback takes the parent links back with the accounts.
    const rolled = await app.request('POST', `${base()}/import/${up.body.batch.id}/rollback`, {
      token: ws.key,
    });
    assert.equal(rolled.status, 200, JSON.stringify(rolled.body));
    assert.equal(
      (await q(`SELECT count(*)::int AS n FROM accounts WHERE workspace_id = $1`, [ws.id]))[0].n,
      0,
    );
  });

  test('probabilities written as fractions (HubSpot) and as percentages (Salesforce) store the same 0–100', async () => {
    const fractions = await upload(
      app,
      ws,
      'hubspot-deals.csv',
      'Record ID,Deal Name,Deal Stage,Deal probability\nHS-1,Fraction a,Qualification,0.9\nHS-2,Fraction b,Qualification,0.29\nHS-3,Fraction c,Closed Lost,0\nHS-4,Fraction d,Closed Won,1\n',
    );
    assert.equal(fractions.status, 201, JSON.stringify(fractions.body));
    const p = fractions.body.preview;
    assert.equal(p.mapping.find((c: any) => c.header === 'Deal probability')?.field, 'probability');
    assert.deepEqual(p.percent_scales, { 'Deal probability': 100 });
    assert.ok(p.warnings.some((w: string) => /"Deal probability" \(probability\) holds fractions/.test(w)));
    const percents = await upload(
      app,
      ws,
      'salesforce-opportunities.csv',
      'Opportunity ID,Opportunity Name,Stage,Probability (%)\nSF-1,Percent a,Qualification,90\nSF-2,Percent b,Qualification,29%\nSF-3,Percent c,Closed Lost,0\nSF-4,Percent d,Closed Won,1\n',
    );
    assert.deepEqual(percents.body.preview.percent_scales, {});
    for (const up of [fractions, percents]) {
      const done = await confirmAndWait(app, ws, up.body.batch.id, { strategy: 'append' });
      assert.equal(done.body.batch.status, 'applied', JSON.stringify(done.body.batch));
    }
    const stored = await q(
      `SELECT name, probability::text AS p FROM deals
       WHERE workspace_id = $1 AND (name LIKE 'Fraction %' OR name LIKE 'Percent %') ORDER BY name`,
      [ws.id],
    );
    assert.deepEqual(stored, [
      { name: 'Fraction a', p: '90.00' },
      { name: 'Fraction b', p: '29.00' },
      { name: 'Fraction c', p: '0.00' },
      { name: 'Fraction d', p: '100.00' },
      { name: 'Percent a', p: '90.00' },
      { name: 'Percent b', p: '29.00' },
      { name: 'Percent c', p: '0.00' },
      // A percentage column is read as written: 1 there is 1 %.
      { name: 'Percent d', p: '1.00' },
    ]);
  });

  test('a German export (Latin-1, semicolons, dot dates with times) maps, proposes its stages and keeps its times', async () => {
    const csv = [
      'Titel;Wert;Währung;Phase;Erwartetes Abschlussdatum;Organisation;Besitzer;Erstellt;Kundennummer',
      'Müller GmbH Lizenz;12.500,50;EUR;Angebot gemacht;31.03.2025;Müller GmbH;Jürgen Weiß;15.01.2025 09:30;DE-100',
      'Schäfer AG Rollout;1.200.000;EUR;Verhandlung;30.06.2025;Schäfer AG;Anna Groß;02.02.2025 14:00;DE-200',
      'Köhler KG Pilot;;EUR;Gewonnen;10.01.2025;Köhler KG;Jürgen Weiß;01.12.2024 08:00;DE-300',
    ].join('\n');
    const up = await upload(app, ws, 'deals-de.csv', Buffer.from(csv, 'latin1'));
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const p = up.body.preview;
    assert.equal(p.entity_type, 'deals');
    assert.equal(p.delimiter, ';');
    const field = (h: string) => p.mapping.find((c: any) => c.header === h)?.field;
    assert.deepEqual(
      [
        'Titel',
        'Wert',
        'Währung',
        'Phase',
        'Erwartetes Abschlussdatum',
        'Organisation',
        'Besitzer',
        'Erstellt',
      ].map(field),
      [
        'name',
        'amount',
        'currency',
        'stage',
        'close_date',
        'account_name',
        'owner_email',
        'source_created_at',
      ],
    );
    assert.deepEqual(
      p.stage_values.map((v: any) => [v.value, v.proposed]),
      [
        ['Angebot gemacht', 'decision'],
        ['Verhandlung', 'negotiation'],
        ['Gewonnen', 'closed_won'],
      ],
    );
    assert.deepEqual(p.questions, []);
    // A column no vocabulary knows is mapped at upload; a bad mapping is refused before anything is kept.
    const badJson = await upload(app, ws, 'deals-de.csv', Buffer.from(csv, 'latin1'), { mapping: '{nope' });
    assert.equal(badJson.status, 400, JSON.stringify(badJson.body));
    assert.match(badJson.body.error.message, /mapping/);
    const badField = await upload(app, ws, 'deals-de.csv', Buffer.from(csv, 'latin1'), {
      mapping: JSON.stringify({ Kundennummer: 'customer_number' }),
    });
    assert.equal(badField.status, 400, JSON.stringify(badField.body));
    assert.match(badField.body.error.message, /"customer_number" is not a field of deals/);
    const mapped = await upload(app, ws, 'deals-de.csv', Buffer.from(csv, 'latin1'), {
      mapping: JSON.stringify({ Kundennummer: 'external_id' }),
    });
    assert.equal(mapped.status, 201, JSON.stringify(mapped.body));
    assert.equal(
      mapped.body.preview.mapping.find((c: any) => c.header === 'Kundennummer').field,
      'external_id',
    );
    const done = await confirmAndWait(app, ws, mapped.body.batch.id, { strategy: 'append' });
    assert.equal(done.body.batch.status, 'applied', JSON.stringify(done.body.batch));
    const rows = await q(
      `SELECT source_id, name, amount::text, stage_normalized, owner_name,
              to_char(source_created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS created
       FROM deals WHERE workspace_id = $1 AND source_id LIKE 'id:DE-%' ORDER BY source_id`,
      [ws.id],
    );
    assert.deepEqual(rows, [
      {
        source_id: 'id:DE-100',
        name: 'Müller GmbH Lizenz',
        amount: '12500.50',
        stage_normalized: 'decision',
        owner_name: 'Jürgen Weiß',
        created: '2025-01-15 09:30',
      },
      {
        source_id: 'id:DE-200',
        name: 'Schäfer AG Rollout',
        amount: '1200000.00',
        stage_normalized: 'negotiation',
        owner_name: 'Anna Groß',
        created: '2025-02-02 14:00',
      },
      {
        source_id: 'id:DE-300',
        name: 'Köhler KG Pilot',
        amount: null,
        stage_normalized: 'closed_won',
        owner_name: 'Jürgen Weiß',
        created: '2024-12-01 08:00',
      },
    ]);
  });

  test('a status column (Pipedrive) or Closed and Won flags (Salesforce) close deals whatever their stage', async () => {
    const pipedrive = [
      'Deal - ID,Deal - Title,Deal - Stage,Deal - Status,Deal - Value',
      'PD-1,Seats,Proposal Made,open,100',
      'PD-2,License,Negotiations Started,won,200',
      'PD-3,Advisory,Qualified,lost,300',
    ].join('\n');
    const up = await upload(app, ws, 'pipedrive-deals.csv', pipedrive);
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.equal(up.body.preview.mapping.find((c: any) => c.header === 'Deal - Status').field, 'outcome');
    const salesforce = [
      'Opportunity ID,Opportunity Name,Stage,Closed,Won',
      'SFC-1,Open one,Negotiation/Review,0,0',
      'SFC-2,Won in proposal,Proposal/Price Quote,1,1',
      'SFC-3,Lost early,Prospecting,1,0',
    ].join('\n');
    const flags = await upload(app, ws, 'opportunities.csv', salesforce);
    const field = (h: string) => flags.body.preview.mapping.find((c: any) => c.header === h).field;
    assert.deepEqual([field('Closed'), field('Won')], ['is_closed', 'is_won']);
    const hubspot = await upload(
      app,
      ws,
      'hubspot-flags.csv',
      'Record ID,Deal Name,Deal Stage,Is Closed Won\nHF-1,Lost one,Closed Lost,false\nHF-2,Won one,Closed Won,true\nHF-3,Open one,Appointment Scheduled,false\n',
    );
    assert.equal(hubspot.body.preview.mapping.find((c: any) => c.header === 'Is Closed Won').field, 'is_won');
    // A status column of stage names is the stage.
    const named = await upload(
      app,
      ws,
      'status-deals.csv',
      'Deal ID,Deal Name,Status\nST-1,Named,Closed Won\n',
    );
    assert.equal(named.body.preview.mapping.find((c: any) => c.header === 'Status').field, 'stage');
    for (const u of [up, flags, hubspot, named]) {
      const done = await confirmAndWait(app, ws, u.body.batch.id, { strategy: 'append' });
      assert.equal(done.body.batch.status, 'applied', JSON.stringify(done.body.batch));
    }
    const deals = () =>
      q(
        `SELECT source_id, stage, stage_normalized, is_closed, is_won FROM deals
         WHERE workspace_id = $1 AND source_id ~ '^id:(PD|SFC|ST|HF)-' ORDER BY source_id`,
        [ws.id],
      );
    const expected = [
      {
        source_id: 'id:HF-1',
        stage: 'Closed Lost',
        stage_normalized: 'closed_lost',
        is_closed: true,
        is_won: false,
      },
      {
        source_id: 'id:HF-2',
        stage: 'Closed Won',
        stage_normalized: 'closed_won',
        is_closed: true,
        is_won: true,
      },
      {
        source_id: 'id:HF-3',
        stage: 'Appointment Scheduled',
        stage_normalized: 'qualification',
        is_closed: false,
        is_won: false,
      },
      {
        source_id: 'id:PD-1',
        stage: 'Proposal Made',
        stage_normalized: 'decision',
        is_closed: false,
        is_won: false,
      },
      {
        source_id: 'id:PD-2',
        stage: 'Negotiations Started',
        stage_normalized: 'closed_won',
        is_closed: true,
        is_won: true,
      },
      {
        source_id: 'id:PD-3',
        stage: 'Qualified',
        stage_normalized: 'closed_lost',
        is_closed: true,
        is_won: false,
      },
      {
        source_id: 'id:SFC-1',
        stage: 'Negotiation/Review',
        stage_normalized: 'negotiation',
        is_closed: false,
        is_won: false,
      },
      {
        source_id: 'id:SFC-2',
        stage: 'Proposal/Price Quote',
        stage_normalized: 'closed_won',
        is_closed: true,
        is_won: true,
      },
      {
        source_id: 'id:SFC-3',
        stage: 'Prospecting',
        stage_normalized: 'closed_lost',
        is_closed: true,
        is_won: false,
      },
      {
        source_id: 'id:ST-1',
        stage: 'Closed Won',
        stage_normalized: 'closed_won',
        is_closed: true,
        is_won: true,
      },
    ];
    assert.deepEqual(await deals(), expected);
    // Mapping the won deal's stage name later moves the open deals of that name, never the closed one.
    const mapped = await app.request('PUT', `${base()}/stage-mappings`, {
      token: ws.key,
      body: {
        mappings: [
          { source: 'csv_import', raw_stage: 'Negotiations Started', stage_normalized: 'evaluation' },
        ],
      },
    });
    assert.ok(mapped.status < 300, JSON.stringify(mapped.body));
    assert.deepEqual(await deals(), expected);
  });
});
