/** A small hand-built world for linker tests: each conversation exercises one rule. */
import type { Db } from '../../src/db/db.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';

export interface Fixture {
  ws: string;
  ids: Record<string, string>;
}

export async function insert(
  db: Db,
  table: string,
  ws: string,
  row: Record<string, unknown>,
): Promise<string> {
  const cols = Object.keys(row);
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO ${table} (workspace_id, ${cols.join(', ')}) VALUES ($1::uuid, ${cols.map((_, i) => `$${i + 2}`).join(', ')}) RETURNING id`,
    [
      ws,
      ...cols.map((c) => (typeof row[c] === 'object' && row[c] !== null ? JSON.stringify(row[c]) : row[c])),
    ] as string[],
  );
  return rows[0]!.id;
}

const rep = { name: 'Rita Rep', email: 'rita@acme-vendor.io', affiliation: 'internal' };
const rep2 = { name: 'Sam Seller', email: 'sam@acme-vendor.io', affiliation: 'internal' };
const person = (email: string | null, affiliation = 'unknown') => ({ name: 'P', email, affiliation });

export async function buildFixture(db: Db, name = 'linker'): Promise<Fixture> {
  const ws = (await createWorkspace(db, { name })).id;
  const ids: Record<string, string> = {};
  const acct = (key: string, domain: string, sid: string) =>
    insert(db, 'accounts', ws, {
      source: 'hubspot',
      source_id: sid,
      name: key,
      domain,
      owner_email: rep.email,
    }).then((id) => {
      ids[key] = id;
    });
  await acct('globex', 'https://www.Globex.com/', 'co-1');
  await acct('initech', 'initech.com', 'co-2');
  await acct('umbrella', 'umbrella.com', 'co-3');
  await acct('gmail_account', 'gmail.com', 'co-4');
  const contact = async (key: string, email: string, account: string, seniority = 'manager') => {
    ids[key] = await insert(db, 'contacts', ws, {
      source: 'hubspot',
      source_id: `ct-${key}`,
      email,
      account_id: ids[account],
      seniority,
      owner_email: rep.email,
    });
  };
  await contact('alice', 'alice@globex.com', 'globex', 'vp');
  await contact('bob', 'bob@globex.com', 'globex');
  await contact('carol', 'carol.private@gmail.com', 'globex');
  const deal = async (key: string, account: string, created: string, closed: string | null) => {
    ids[key] = await insert(db, 'deals', ws, {
      source: 'hubspot',
      source_id: `deal-${key}`,
      name: key,
      account_id: ids[account],
      source_created_at: created,
      closed_at: closed,
      is_closed: closed !== null,
      close_date: (closed ?? '2026-12-31').slice(0, 10),
      owner_email: rep.email,
    });
  };
  await deal('d1', 'globex', '2026-01-01T00:00:00Z', null);
  await deal('d2', 'globex', '2025-01-01T00:00:00Z', '2025-06-01T00:00:00Z');
  await deal('d3', 'umbrella', '2026-03-01T00:00:00Z', null);
  for (const [d, c] of [
    ['d1', 'alice'],
    ['d2', 'bob'],
    ['d1', 'carol'],
  ] as const)
    await insert(db, 'deal_contacts', ws, {
      deal_id: ids[d],
      contact_id: ids[c],
      source: 'hubspot_association',
    });

  const conv = async (key: string, row: Record<string, unknown>) => {
    ids[key] = await insert(db, 'conversations', ws, {
      source: 'gong',
      source_id: key,
      started_at: '2026-04-01T10:00:00Z',
      duration_seconds: 1800,
      organizer_email: rep.email,
      ...row,
    });
  };
  await conv('c1_email', {
    title: 'Globex: Demo',
    participants: [rep, person('ALICE@Globex.com ', 'external')],
  });
  await conv('c2_domain', { title: 'Intro', participants: [rep, person('dave@initech.com')] });
  await conv('c3_freemail', { title: 'Quick sync', participants: [rep, person('stranger@gmail.com')] });
  await conv('c4_crm', {
    title: 'Call',
    participants: [rep, person('x@unknown-co.com')],
    crm_context: { objects: [{ system: 'hubspot', object_type: 'deal', object_id: 'deal-d3' }] },
  });
  await conv('c5_inferred', { title: 'Umbrella check-in', participants: [rep, person('y@umbrella.com')] });
  await conv('c6_internal', { title: 'Pipeline stuff', participants: [rep, rep2] });
  await conv('c7_title', {
    title: 'Sprint retro',
    organizer_email: null,
    participants: [person(null), person(null)],
  });
  await conv('c8_title_vs_domain', {
    title: 'Weekly standup',
    participants: [rep, person('bob@globex.com')],
  });
  await conv('c9_crm_legacy', {
    title: 'Call',
    organizer_email: null,
    participants: [person(null), person(null)],
    crm_context: { hubspot: { deal_id: 'deal-d3', company_id: 'co-3' } },
  });
  await conv('c10_priority', {
    title: 'Globex pricing',
    participants: [rep, person('alice@globex.com')],
    crm_context: { hubspot: { deal_id: 'deal-d3', company_id: 'co-3' } },
  });
  await conv('c11_freemail_contact', {
    title: 'Follow-up',
    participants: [rep, person('carol.private@gmail.com')],
  });
  await conv('c12_closed_deal', {
    title: 'Globex renewal talk',
    started_at: '2025-03-01T10:00:00Z',
    participants: [rep, person('bob@globex.com')],
  });
  return { ws, ids };
}
