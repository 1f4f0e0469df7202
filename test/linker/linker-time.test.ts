import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Db } from '../../src/db/db.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { listConversationsWithoutDeals } from '../../src/linker/conversations-without-deals.ts';
import { runLinker } from '../../src/linker/linker-run.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { type TestDb, createTestDb } from '../helpers/test-db.ts';
import { insert } from './linker-fixture.ts';

// A world where time, shared contacts, stale CRM context, second domains, companyless contacts and a job
// mover decide the links. Every call is on 2026-04-01.
let t: TestDb;
let ws: string;
const ids: Record<string, string> = {};
const rita = { name: 'Rita', email: 'rita@acme-vendor.io', affiliation: 'internal' };
const sam = { name: 'Sam', email: 'sam@acme-vendor.io', affiliation: 'internal' };
const tom = { name: 'Tom', email: 'tom@acme-vendor.io', affiliation: 'internal' };
const guest = (email: string) => ({ name: 'G', email, affiliation: 'unknown' });

async function build(db: Db) {
  ws = (await createWorkspace(db, { name: 'linker time' })).id;
  const acct = async (key: string, domain: string, extra: string[] | null = null) => {
    ids[key] = await insert(db, 'accounts', ws, {
      source: 'hubspot',
      source_id: `co-${key}`,
      name: key,
      domain,
      owner_email: rita.email,
    });
    if (extra)
      await db.query('UPDATE accounts SET additional_domains = $2::text[] WHERE id = $1::uuid', [
        ids[key]!,
        extra,
      ]);
  };
  await acct('hooli', 'hooli.com', ['hooli-group.com']);
  await acct('pied', 'piedpiper.com');
  const contact = async (key: string, email: string, account: string | null) => {
    ids[key] = await insert(db, 'contacts', ws, {
      source: 'hubspot',
      source_id: `ct-${key}`,
      email,
      ...(account ? { account_id: ids[account] } : {}),
      owner_email: rita.email,
    });
  };
  await contact('h1', 'h1@hooli.com', 'hooli');
  await contact('h2', 'h2@hooli.com', 'hooli');
  await contact('gavin', 'gavin.private@gmail.com', 'hooli');
  await contact('nocomp', 'nc@hooli.com', null);
  // Moved from Hooli to Pied Piper: the address is new, the company association is not.
  await contact('mover', 'mover@piedpiper.com', 'hooli');
  const deal = async (
    key: string,
    account: string,
    owner: string,
    created: string,
    closed: string | null,
  ) => {
    ids[key] = await insert(db, 'deals', ws, {
      source: 'hubspot',
      source_id: `deal-${key}`,
      name: key,
      account_id: ids[account],
      owner_email: owner,
      source_created_at: created,
      closed_at: closed,
      is_closed: closed !== null,
      close_date: (closed ?? '2026-12-31').slice(0, 10),
    });
  };
  await deal('dA', 'hooli', rita.email, '2026-01-01T00:00:00Z', '2026-05-01T00:00:00Z');
  await deal('dB', 'hooli', sam.email, '2026-02-01T00:00:00Z', null);
  await deal('dOld', 'hooli', rita.email, '2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z');
  // Closed since the call: its close is known only from the stage history.
  await deal('dP', 'pied', rita.email, '2026-01-01T00:00:00Z', null);
  await db.query(
    `UPDATE deals SET is_closed = true, is_won = true, closed_at = NULL, close_date = NULL WHERE id = $1::uuid`,
    [ids.dP!],
  );
  await insert(db, 'deal_stage_history', ws, {
    deal_id: ids.dP,
    to_stage: 'closedwon',
    to_stage_normalized: 'closed_won',
    changed_at: '2026-06-01T00:00:00Z',
    source: 'hubspot',
  });
  for (const [d, c] of [
    ['dA', 'h1'],
    ['dA', 'h2'],
    ['dB', 'h1'],
    ['dOld', 'h2'],
    ['dA', 'gavin'],
  ] as const)
    await insert(db, 'deal_contacts', ws, {
      deal_id: ids[d],
      contact_id: ids[c],
      source: 'hubspot_association',
    });
  const conv = async (key: string, participants: unknown[], extra: Record<string, unknown> = {}) => {
    ids[key] = await insert(db, 'conversations', ws, {
      source: 'fireflies',
      source_id: key,
      title: 'Call',
      started_at: '2026-04-01T10:00:00Z',
      duration_seconds: 1800,
      organizer_email: (participants[0] as { email: string }).email,
      participants,
      ...extra,
    });
  };
  await conv('closed_since', [rita, guest('x@piedpiper.com')]);
  await conv('shared', [tom, guest('h1@hooli.com')]);
  await conv('specific', [tom, guest('h1@hooli.com'), guest('h2@hooli.com')]);
  await conv('crm_live', [tom, guest('h2@hooli.com')], {
    source: 'gong',
    crm_context: { hubspot: { deal_id: 'deal-dB', company_id: 'co-hooli' } },
  });
  await conv('crm_stale', [tom, guest('h2@hooli.com')], {
    source: 'gong',
    crm_context: { hubspot: { deal_id: 'deal-dOld', company_id: 'co-hooli' } },
  });
  await conv('additional', [tom, guest('y@hooli-group.com')]);
  await conv('companyless', [tom, guest('nc@hooli.com')]);
  await conv('moved', [rita, guest('mover@piedpiper.com')]);
  await conv('owner', [sam, guest('h1@hooli.com')]);
  await conv('free_mail_title', [tom, guest('gavin.private@gmail.com')], { title: 'Q3 planning' });
}

interface Row {
  contact_id: string | null;
  account_id: string | null;
  deal_id: string | null;
  link_method: string | null;
  is_internal: boolean | null;
  internal_classification_reason: string | null;
}
const conv = async (key: string) =>
  (
    await t.db.query<Row>(
      `SELECT contact_id, account_id, deal_id, link_method, is_internal, internal_classification_reason
         FROM conversations WHERE workspace_id = $1::uuid AND id = $2::uuid`,
      [ws, ids[key]!],
    )
  ).rows[0]!;
const link = async (key: string) => {
  const r = await conv(key);
  return [r.account_id, r.deal_id, r.link_method];
};

before(async () => {
  t = await createTestDb();
  await build(t.db);
  await withWorkspace(t.db, ws, (tx) => runLinker(tx, ws));
});
after(() => t.close());

test('a deal closed since the call is the one live at it (close from the stage history)', async () => {
  assert.deepEqual(await link('closed_since'), [ids.pied, ids.dP, 'single_deal_inference']);
});

test('several live deals sharing the contact: the account, no deal; a contact on one alone decides', async () => {
  assert.deepEqual(await link('shared'), [ids.hooli, null, 'email_match']);
  assert.deepEqual(await link('specific'), [ids.hooli, ids.dA, 'email_match']);
  assert.deepEqual(await link('owner'), [ids.hooli, ids.dB, 'single_deal_inference'], "the organiser's deal");
});

test("a live deal's CRM id wins over contacts; a long-closed deal's does not", async () => {
  assert.deepEqual(await link('crm_live'), [ids.hooli, ids.dB, 'crm_native_id']);
  assert.deepEqual(await link('crm_stale'), [ids.hooli, ids.dA, 'email_match']);
});

test('accounts by additional domain, companyless contacts and job movers', async () => {
  assert.deepEqual(await link('additional'), [ids.hooli, null, 'domain_match']);
  const companyless = await conv('companyless');
  assert.deepEqual(
    [companyless.contact_id, companyless.account_id, companyless.link_method],
    [ids.nocomp, ids.hooli, 'domain_match'],
  );
  const mover = await conv('moved');
  assert.deepEqual(
    [mover.contact_id, mover.account_id, mover.deal_id],
    [ids.mover, ids.pied, ids.dP],
    'the new domain outvotes the stale association',
  );
});

test('a known contact on a free-mail address outweighs an internal-sounding title', async () => {
  const r = await conv('free_mail_title');
  assert.deepEqual([r.is_internal, r.internal_classification_reason], [false, 'known_contact_participant']);
  assert.equal(r.deal_id, ids.dA);
});

test('an undecided call lists as ambiguous with its live candidates; a second run changes nothing', async () => {
  const page = await withWorkspace(t.db, ws, (tx) =>
    listConversationsWithoutDeals(tx, ws, { sort: '-started_at', limit: 50, as_of: '2026-04-10T00:00:00Z' }),
  );
  const shared = page.data.find((i) => i.conversation_id === ids.shared)!;
  assert.equal(shared.ambiguous, true);
  assert.deepEqual(
    shared.deal_candidates.map((d) => d.id),
    [ids.dA, ids.dB],
  );
  const again = await withWorkspace(t.db, ws, async (tx) => {
    const run = await runLinker(tx, ws);
    const { rows } = await tx.query<{ s: string }>(`SELECT current_setting('enable_nestloop') AS s`);
    assert.equal(rows[0]!.s, 'on', 'the rest of the transaction plans as usual');
    return run;
  });
  assert.equal(again.links_changed, 0);
});
