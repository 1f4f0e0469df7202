/**
 * A small deterministic GTM world for query tests, written through the bulk upsert: accounts, contacts,
 * deals (with null amounts and close dates on purpose), deal contacts, stage history, activities, calls,
 * conversations, tasks, documents and leads.
 */
import { bulkUpsert } from '../../src/db/bulk-upsert.ts';
import type { Db } from '../../src/db/db.ts';
import {
  DEAL_CONTACTS_TABLE as DC,
  DEAL_STAGE_HISTORY_TABLE as DSH,
  ENTITY_TABLES,
} from '../../src/entities/entity-tables.ts';

export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  return { next, pick, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)) };
}

export const STAGES = [
  'awareness',
  'qualification',
  'evaluation',
  'decision',
  'negotiation',
  'closed_won',
  'closed_lost',
];
const OWNERS = ['ana@acme.test', 'bo@acme.test', 'cy@acme.test', 'di@acme.test'];
const FORECAST = ['commit', 'best_case', 'pipeline', 'omitted'];

export interface SeededWorld {
  accountIds: string[];
  contactIds: string[];
  dealIds: string[];
}

function day(offset: number): string {
  return new Date(Date.UTC(2026, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);
}

function ts(offset: number, r: ReturnType<typeof seededRandom>): string {
  return new Date(Date.UTC(2025, 6, 1) + offset * 86_400_000 + r.int(0, 86_399_999)).toISOString();
}

async function idsOf(db: Db, table: string, workspaceId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM ${table} WHERE workspace_id = $1::uuid ORDER BY source_id`,
    [workspaceId],
  );
  return rows.map((r) => r.id);
}

export async function seedGtmWorld(
  db: Db,
  workspaceId: string,
  opts: { deals?: number; seed?: number; prefix?: string } = {},
): Promise<SeededWorld> {
  const r = seededRandom(opts.seed ?? 1);
  const p = opts.prefix ?? '';
  const nDeals = opts.deals ?? 120;
  const nAccounts = Math.max(3, Math.ceil(nDeals / 4));
  const words = [
    'Acme',
    'Globex',
    'Initech',
    'Umbrella',
    'Hooli',
    'Stark',
    'Wayne',
    'Tyrell',
    "O'Brien",
    '50%_Off',
  ];
  await bulkUpsert(
    db,
    ENTITY_TABLES.accounts,
    workspaceId,
    Array.from({ length: nAccounts }, (_, i) => ({
      source: 'hubspot',
      source_id: `${p}a${String(i).padStart(5, '0')}`,
      name: `${r.pick(words)} ${i}`,
      domain: `acct${i}.example`,
      industry: r.pick(['saas', 'fintech', 'retail', null]),
      employee_count: r.next() < 0.2 ? null : r.int(5, 5000),
      annual_revenue: r.next() < 0.2 ? null : r.int(1, 900) * 10000,
      country: r.pick(['US', 'DE', 'FR']),
      city: r.pick(['Paris', 'Berlin', null]),
      owner_email: r.pick(OWNERS),
    })),
  );
  const accountIds = await idsOf(db, 'accounts', workspaceId);
  await bulkUpsert(
    db,
    ENTITY_TABLES.contacts,
    workspaceId,
    Array.from({ length: nAccounts * 2 }, (_, i) => ({
      source: 'hubspot',
      source_id: `${p}c${String(i).padStart(5, '0')}`,
      first_name: r.pick(['Ann', 'Bob', 'Cleo', 'Dmitri', null]),
      last_name: r.pick(['Smith', 'Jones', 'García', 'Nguyen']),
      email:
        r.next() < 0.1 ? null : `person${i}@${r.next() < 0.2 ? 'gmail.com' : `acct${i % nAccounts}.example`}`,
      title: r.pick(['VP Sales', 'CFO', 'Engineer']),
      seniority: r.pick(['vp', 'c_level', 'individual_contributor']),
      department: r.pick(['sales', 'finance', null]),
      lifecycle_stage: r.pick(['lead', 'customer']),
      account_id: r.next() < 0.15 ? null : accountIds[i % nAccounts],
      owner_email: r.pick(OWNERS),
    })),
  );
  const contactIds = await idsOf(db, 'contacts', workspaceId);
  await bulkUpsert(
    db,
    ENTITY_TABLES.deals,
    workspaceId,
    Array.from({ length: nDeals }, (_, i) => {
      const stage = r.pick(STAGES);
      const closed = stage.startsWith('closed');
      return {
        source: r.pick(['hubspot', 'salesforce']),
        source_id: `${p}d${String(i).padStart(5, '0')}`,
        name: `${r.pick(words)} renewal ${i}`,
        amount: r.next() < 0.1 ? null : r.int(1, 400) * 250 + (r.next() < 0.3 ? 0.5 : 0),
        currency: 'USD',
        pipeline: r.pick(['new_business', 'renewals']),
        stage: `raw_${stage}`,
        stage_normalized: stage,
        probability: r.next() < 0.1 ? null : r.int(0, 100),
        forecast_category: closed ? 'closed' : r.pick(FORECAST),
        close_date: r.next() < 0.1 ? null : day(r.int(-120, 240)),
        is_closed: closed,
        is_won: stage === 'closed_won',
        owner_email: r.next() < 0.05 ? null : r.pick(OWNERS),
        account_id: r.next() < 0.1 ? null : r.pick(accountIds),
        deal_type: r.pick(['new', 'expansion']),
        lead_source: r.pick(['web', 'referral', null]),
        stage_entered_at: ts(r.int(0, 150), r),
      };
    }),
  );
  const dealIds = await idsOf(db, 'deals', workspaceId);
  await bulkUpsert(
    db,
    DC,
    workspaceId,
    dealIds.flatMap((dealId, i) =>
      [0, 1].map((k) => ({
        deal_id: dealId,
        contact_id: contactIds[(i * 2 + k) % contactIds.length],
        source: 'hubspot_association',
        role: k === 0 ? 'champion' : 'economic_buyer',
        is_primary: k === 0,
      })),
    ),
  );
  await bulkUpsert(
    db,
    DSH,
    workspaceId,
    dealIds.slice(0, 30).flatMap((dealId, i) =>
      [0, 1].map((k) => ({
        deal_id: dealId,
        changed_at: ts(i + k * 10, r),
        from_stage: k === 0 ? null : 'raw_awareness',
        to_stage: k === 0 ? 'raw_awareness' : 'raw_evaluation',
        source: 'hubspot',
      })),
    ),
  );
  const linked = (i: number) => ({
    owner_email: r.pick(OWNERS),
    deal_id: r.next() < 0.3 ? null : dealIds[i % dealIds.length],
    account_id: r.next() < 0.3 ? null : r.pick(accountIds),
    contact_id: r.next() < 0.5 ? null : r.pick(contactIds),
  });
  await bulkUpsert(
    db,
    ENTITY_TABLES.activities,
    workspaceId,
    Array.from({ length: nDeals }, (_, i) => ({
      source: 'hubspot',
      source_id: `${p}act${i}`,
      activity_type: r.pick(['email', 'meeting', 'note', 'other']),
      subject: `${r.pick(words)} follow-up ${i}`,
      direction: r.pick(['inbound', 'outbound', null]),
      occurred_at: r.next() < 0.1 ? null : ts(r.int(0, 150), r),
      ...linked(i),
    })),
  );
  await bulkUpsert(
    db,
    ENTITY_TABLES.calls,
    workspaceId,
    Array.from({ length: Math.ceil(nDeals / 2) }, (_, i) => ({
      source: 'hubspot',
      source_id: `${p}call${i}`,
      title: `Call with ${r.pick(words)}`,
      direction: r.pick(['inbound', 'outbound']),
      disposition: r.pick(['connected', 'voicemail']),
      duration_seconds: r.int(0, 3600),
      occurred_at: ts(r.int(0, 150), r),
      ...linked(i),
    })),
  );
  await bulkUpsert(
    db,
    ENTITY_TABLES.conversations,
    workspaceId,
    Array.from({ length: Math.ceil(nDeals / 2) }, (_, i) => ({
      source: 'gong',
      source_id: `${p}conv${i}`,
      title: `${r.pick(words)} discovery ${i}`,
      started_at: ts(r.int(0, 150), r),
      duration_seconds: r.int(60, 3600),
      organizer_email: r.pick(OWNERS),
      participants: [{ email: r.pick(OWNERS), affiliation: 'internal' }],
    })),
  );
  // Links and classifications are set by the linker in production; set some here to filter on.
  await db.query(
    /* sql */ `UPDATE conversations c SET deal_id = d.id, account_id = d.account_id, link_method = 'email_match', contact_id = CASE WHEN c.duration_seconds % 2 = 0 THEN (SELECT min(id::text)::uuid FROM contacts WHERE workspace_id = $1::uuid) END,
        is_internal = (c.duration_seconds % 3 = 0)
     FROM (SELECT id, account_id, row_number() OVER (ORDER BY source_id) AS n FROM deals WHERE workspace_id = $1::uuid) d
     WHERE c.workspace_id = $1::uuid AND d.n = (c.duration_seconds % 40) + 1 AND c.duration_seconds % 5 <> 0`,
    [workspaceId],
  );
  await bulkUpsert(
    db,
    ENTITY_TABLES.tasks,
    workspaceId,
    Array.from({ length: Math.ceil(nDeals / 2) }, (_, i) => ({
      source: 'monday',
      source_id: `${p}t${i}`,
      title: `Task ${r.pick(words)} ${i}`,
      status: r.pick(['open', 'done', 'stuck']),
      priority: r.pick(['high', 'low', null]),
      due_date: r.next() < 0.2 ? null : day(r.int(-30, 60)),
      ...(r.next() < 0.4
        ? { is_completed: true, completed_at: ts(r.int(0, 150), r) }
        : { is_completed: false }),
      board: r.pick(['Deals', 'Onboarding']),
      task_type: r.pick(['call', 'email']),
      group_name: r.pick(['This week', 'Later']),
      ...linked(i),
    })),
  );
  await bulkUpsert(
    db,
    ENTITY_TABLES.documents,
    workspaceId,
    Array.from({ length: Math.ceil(nDeals / 3) }, (_, i) => ({
      source: 'gdrive',
      source_id: `${p}doc${i}`,
      name: `${r.pick(words)} proposal ${i}.pdf`,
      mime_type: r.pick(['application/pdf', 'application/vnd.google-apps.document']),
      owner_email: r.pick(OWNERS),
      modified_at: ts(r.int(0, 150), r),
      deal_id: r.next() < 0.5 ? null : r.pick(dealIds),
      account_id: r.next() < 0.5 ? null : r.pick(accountIds),
    })),
  );
  await bulkUpsert(
    db,
    ENTITY_TABLES.leads,
    workspaceId,
    Array.from({ length: Math.ceil(nDeals / 3) }, (_, i) => {
      const converted = r.next() < 0.3;
      return {
        source: 'salesforce',
        source_id: `${p}l${i}`,
        first_name: r.pick(['Eve', 'Finn', 'Gus']),
        last_name: r.pick(['Lee', 'Park', 'Diaz']),
        email: `lead${i}@lead${i % 7}.example`,
        company: `${r.pick(words)} Ltd`,
        status: r.pick(['new', 'working', 'converted']),
        lead_source: r.pick(['web', 'event']),
        owner_email: r.pick(OWNERS),
        is_converted: converted,
        converted_at: converted ? ts(r.int(0, 150), r) : null,
        converted_deal_id: converted ? r.pick(dealIds) : null,
        converted_account_id: converted ? r.pick(accountIds) : null,
      };
    }),
  );
  return { accountIds, contactIds, dealIds };
}
