/**
 * Salesforce associations re-read for reconciliation, and object totals for the health ledger. Every
 * opportunity is read with its account and its contact roles (a child relationship subquery, so an
 * opportunity whose roles were all deleted says so), and every contact with its account, in query
 * batches, independent of the SystemModstamp cursor: a deleted OpportunityContactRole moves no
 * opportunity's modified time.
 */
import { z } from 'zod';
import type { EntityName } from '../../entities/entity-tables.ts';
import type { AssociationBatch, ConnectorContext, DealContactLink } from '../adapter.ts';
import type { HttpClient } from '../http-client.ts';
import { parseUpstream } from '../upstream-payload.ts';
import { query, queryMore, type SfQueryPage, type SfRecord } from './salesforce-api.ts';
import { contactRoleLink } from './salesforce-normalise.ts';

const OPPORTUNITIES_WITH_ROLES =
  'SELECT Id, AccountId, (SELECT ContactId, Role, IsPrimary FROM OpportunityContactRoles) FROM Opportunity ORDER BY Id ASC';
const CONTACT_ACCOUNTS = 'SELECT Id, AccountId FROM Contact ORDER BY Id ASC';

const childPage = z
  .object({
    done: z.boolean(),
    records: z.array(z.record(z.string(), z.unknown())),
    nextRecordsUrl: z.string().optional(),
  })
  .nullable()
  .optional();

/** Every page of a query, one at a time. */
async function* pages(http: HttpClient, soql: string): AsyncGenerator<SfQueryPage> {
  let page = await query(http, soql);
  for (;;) {
    yield page;
    if (page.done || !page.nextRecordsUrl) return;
    page = await queryMore(http, page.nextRecordsUrl);
  }
}

/** An opportunity's contact roles; more than a child batch holds continue at their own nextRecordsUrl. */
async function contactRoles(http: HttpClient, opportunity: SfRecord): Promise<DealContactLink[]> {
  let child = parseUpstream('salesforce', 'contact roles', childPage, opportunity.OpportunityContactRoles);
  const links: DealContactLink[] = [];
  while (child) {
    for (const r of child.records) {
      const link = contactRoleLink({ ...r, OpportunityId: opportunity.Id });
      if (link) links.push(link);
    }
    if (child.done || !child.nextRecordsUrl) break;
    child = parseUpstream('salesforce', 'contact roles', childPage, await http.get(child.nextRecordsUrl));
  }
  return links;
}

const accountId = (r: SfRecord) => (typeof r.AccountId === 'string' && r.AccountId ? r.AccountId : null);

export async function* readSalesforceAssociations(
  ctx: ConnectorContext<unknown>,
): AsyncGenerator<AssociationBatch> {
  for await (const page of pages(ctx.http, OPPORTUNITIES_WITH_ROLES)) {
    const ids = page.records.map((r) => r.Id);
    const links: DealContactLink[] = [];
    for (const r of page.records) for (const l of await contactRoles(ctx.http, r)) links.push(l);
    yield { kind: 'deal_contact', from_source_ids: ids, link_source: 'salesforce_contact_role', links };
    yield {
      kind: 'deal_account',
      from_source_ids: ids,
      links: page.records.flatMap((r) => {
        const to = accountId(r);
        return to ? [{ from_source_id: r.Id, to_source_id: to }] : [];
      }),
    };
  }
  for await (const page of pages(ctx.http, CONTACT_ACCOUNTS)) {
    yield {
      kind: 'contact_account',
      from_source_ids: page.records.map((r) => r.Id),
      links: page.records.flatMap((r) => {
        const to = accountId(r);
        return to ? [{ from_source_id: r.Id, to_source_id: to }] : [];
      }),
    };
  }
}

const COUNTED: ReadonlyArray<[string, EntityName]> = [
  ['Account', 'accounts'],
  ['Contact', 'contacts'],
  ['Opportunity', 'deals'],
  ['Lead', 'leads'],
];

/** Live records per object from `SELECT COUNT() FROM X` (the recycle bin is not counted). */
export async function countSalesforceObjects(
  ctx: ConnectorContext<unknown>,
): Promise<Partial<Record<EntityName, number>>> {
  const counts: Partial<Record<EntityName, number>> = {};
  for (const [object, entity] of COUNTED)
    counts[entity] = (await query(ctx.http, `SELECT COUNT() FROM ${object}`)).totalSize;
  return counts;
}
