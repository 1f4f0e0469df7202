/**
 * A workspace with two accounts and closed deals whose contacts exercise each role source: a CRM contact
 * role, a deal field naming a person, a role held on another deal at the account, a title only, and a
 * stakeholder named on a call.
 */
import type { Db, Queryable } from '../../src/db/db.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';

export interface EnrichmentWorld {
  workspaceId: string;
  acmeId: string;
  globexId: string;
  wonDealId: string;
  lostDealId: string;
  openDealId: string;
  priorDealId: string;
  contacts: Record<'cfo' | 'champ' | 'eng' | 'analyst' | 'nomail' | 'locked' | 'globex', string>;
}

async function insertOne(q: Queryable, sql: string, params: unknown[]): Promise<string> {
  const { rows } = await q.query<{ id: string }>(sql, params as never);
  return rows[0]!.id;
}

export async function seedEnrichmentWorld(db: Db): Promise<EnrichmentWorld> {
  const ws = (await db.transaction((tx) => createWorkspace(tx, { name: 'enrichment' }))).id;
  return withWorkspace(db, ws, async (tx) => {
    const account = (sid: string, name: string, domain: string) =>
      insertOne(
        tx,
        `INSERT INTO accounts (workspace_id, source, source_id, name, domain) VALUES ($1, 'test', $2, $3, $4) RETURNING id`,
        [ws, sid, name, domain],
      );
    const acmeId = await account('a1', 'Acme Corp', 'www.acme.test');
    const globexId = await account('a2', 'Globex', 'globex.test');
    const contact = (
      sid: string,
      first: string,
      last: string,
      email: string | null,
      title: string,
      accountId: string,
    ) =>
      insertOne(
        tx,
        `INSERT INTO contacts (workspace_id, source, source_id, first_name, last_name, email, title, seniority, account_id)
         VALUES ($1, 'test', $2, $3, $4, $5, $6, 'manager', $7) RETURNING id`,
        [ws, sid, first, last, email, title, accountId],
      );
    const contacts = {
      cfo: await contact('c1', 'Carla', 'Finch', 'carla.finch@acme.test', 'Chief Financial Officer', acmeId),
      champ: await contact('c2', 'Dan', 'Moss', 'dan.moss@acme.test', 'Operations Manager', acmeId),
      eng: await contact('c3', 'Eve', 'Stone', 'eve.stone@acme.test', 'Sales Manager', acmeId),
      analyst: await contact('c4', 'Finn', 'Hale', 'finn.hale@acme.test', 'Revenue Analyst', acmeId),
      nomail: await contact('c5', 'Gia', 'Rossi', null, 'Procurement Lead', acmeId),
      locked: await contact('c6', 'Hal', 'Berg', 'hal.berg@acme.test', 'Director of IT', acmeId),
      globex: await contact('c7', 'Ivy', 'Lane', 'ivy.lane@globex.test', 'VP Sales', globexId),
    };
    const deal = (sid: string, name: string, accountId: string, stage: string, fields: object = {}) =>
      insertOne(
        tx,
        `INSERT INTO deals (workspace_id, source, source_id, name, account_id, stage_normalized, is_closed, is_won,
           amount, currency, close_date, closed_at, source_created_at, custom_fields)
         VALUES ($1, 'test', $2, $3, $4, $5, $5 LIKE 'closed%', $5 = 'closed_won', 60000, 'USD', '2025-06-30',
           '2025-06-30T12:00:00Z', '2025-03-02T00:00:00Z', $6::jsonb) RETURNING id`,
        [ws, sid, name, accountId, stage, JSON.stringify(fields)],
      );
    const wonDealId = await deal('d1', 'Acme platform', acmeId, 'closed_won', { champion: 'Dan Moss' });
    const priorDealId = await deal('d0', 'Acme pilot', acmeId, 'evaluation');
    const lostDealId = await deal('d2', 'Globex rollout', globexId, 'closed_lost');
    const openDealId = await deal('d3', 'Acme expansion', acmeId, 'evaluation');
    const link = (dealId: string, contactId: string, role: string | null = null) =>
      tx.query(
        `INSERT INTO deal_contacts (workspace_id, deal_id, contact_id, source, role, role_source)
         VALUES ($1, $2, $3, 'test', $4, CASE WHEN $4::text IS NULL THEN NULL ELSE 'crm_role' END)`,
        [ws, dealId, contactId, role],
      );
    await link(wonDealId, contacts.cfo, 'Economic Buyer');
    await link(wonDealId, contacts.champ);
    await link(wonDealId, contacts.eng);
    await link(wonDealId, contacts.analyst);
    await link(wonDealId, contacts.nomail);
    await link(wonDealId, contacts.locked);
    // Eve evaluated the pilot: her role there answers for the platform deal.
    await link(priorDealId, contacts.eng, 'Technical Evaluator');
    await link(lostDealId, contacts.globex);
    await link(openDealId, contacts.cfo);
    // A call on the won deal names Carla as the one who signs.
    const conv = await insertOne(
      tx,
      `INSERT INTO conversations (workspace_id, source, source_id, title, started_at, deal_id, link_method)
       VALUES ($1, 'gong', 'g1', 'Call', '2025-05-01T15:00:00Z', $2, 'manual') RETURNING id`,
      [ws, wonDealId],
    );
    await tx.query(
      `INSERT INTO deal_insights (workspace_id, deal_id, conversation_id, insight_type, value, value_key, quote,
         speaker_role, segment_index, quote_offset, confidence, extractor, extractor_version, transcript_hash)
       VALUES ($1, $2, $3, 'stakeholders', '{"name": "Carla Finch", "role": "CFO"}', 'carla finch',
         'Carla Finch, our CFO, signs off.', 'buyer', 0, 0, 0.8, 'offline-rules', '1', 'h')`,
      [ws, wonDealId, conv],
    );
    return { workspaceId: ws, acmeId, globexId, wonDealId, lostDealId, openDealId, priorDealId, contacts };
  });
}
