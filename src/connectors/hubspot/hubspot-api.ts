/**
 * HubSpot CRM v3 calls and payload schemas: object lists (`after` paging), search on the last-modified
 * property, association batch reads, owners, deal pipelines and property definitions.
 */
import { z } from 'zod';
import type { HttpClient } from '../http-client.ts';
import { parseUpstream } from '../upstream-payload.ts';

export const HUBSPOT_OBJECTS = [
  'companies',
  'contacts',
  'deals',
  'calls',
  'emails',
  'meetings',
  'notes',
  'tasks',
] as const;
export type HubspotObject = (typeof HUBSPOT_OBJECTS)[number];

const association = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  type: z.string().optional(),
});
export const hubspotRecord = z
  .object({
    id: z.string(),
    properties: z.record(z.string(), z.string().nullable()).default({}),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
    archived: z.boolean().optional(),
    archivedAt: z.string().optional(),
    associations: z.record(z.string(), z.object({ results: z.array(association) })).optional(),
  })
  .passthrough();
export type HubspotRecord = z.infer<typeof hubspotRecord>;

const pageSchema = z.object({
  // Each record is checked on its own: one malformed record is skipped with its reason, not the page.
  results: z.array(z.unknown()),
  paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
  total: z.number().optional(),
});
export interface HubspotPage {
  results: HubspotRecord[];
  paging?: { next?: { after: string } };
  total?: number;
  /** Records in the page that do not have HubSpot's record shape, with why. */
  rejected?: Array<{ source_id: string; reason: string }>;
}

function parsePage(value: unknown, what: string): HubspotPage {
  const page = parse(pageSchema, value, what);
  const results: HubspotRecord[] = [];
  const rejected: Array<{ source_id: string; reason: string }> = [];
  for (const raw of page.results) {
    const r = hubspotRecord.safeParse(raw);
    if (r.success) {
      results.push(r.data);
      continue;
    }
    const id = (raw as { id?: unknown } | null)?.id;
    const issue = r.error.issues[0];
    rejected.push({
      source_id: typeof id === 'string' || typeof id === 'number' ? String(id) : '(no id)',
      reason: `${issue?.path.join('.') || 'record'}: ${issue?.message ?? 'invalid'}`,
    });
  }
  return { ...page, results, ...(rejected.length ? { rejected } : {}) };
}

const ownersSchema = z.object({
  results: z.array(
    z
      .object({
        id: z.string(),
        email: z.string().nullable().optional(),
        firstName: z.string().nullable().optional(),
        lastName: z.string().nullable().optional(),
      })
      .passthrough(),
  ),
  paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
});

const pipelinesSchema = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      label: z.string(),
      stages: z.array(
        z.object({
          id: z.string(),
          label: z.string(),
          metadata: z
            .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).nullable())
            .default({}),
        }),
      ),
    }),
  ),
});

const propertiesSchema = z.object({
  results: z.array(z.object({ name: z.string(), hubspotDefined: z.boolean().optional() }).passthrough()),
});

const associationBatchSchema = z.object({
  results: z.array(z.object({ from: z.object({ id: z.string() }), to: z.array(association) })),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  return parseUpstream('hubspot', what, schema, value);
}

export const PAGE_LIMIT = 100;
/** The search endpoint returns at most 10,000 results per query; past that, restart from the last value. */
export const SEARCH_CAP = 10_000;

/** The property search sorts and filters on: contacts name it differently from every other object. */
export function modifiedProperty(object: HubspotObject): string {
  return object === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate';
}

export async function listObjects(
  http: HttpClient,
  object: HubspotObject,
  opts: {
    after?: string;
    properties: readonly string[];
    associations: readonly string[];
    archived?: boolean;
  },
): Promise<HubspotPage> {
  const body = await http.get(`/crm/v3/objects/${object}`, {
    limit: PAGE_LIMIT,
    after: opts.after,
    properties: opts.properties,
    associations: opts.associations.length ? opts.associations : undefined,
    archived: opts.archived ? 'true' : 'false',
  });
  return parsePage(body, `${object} list`);
}

export async function searchModifiedSince(
  http: HttpClient,
  object: HubspotObject,
  opts: { sinceMs: number; after?: string; properties: readonly string[] },
): Promise<HubspotPage> {
  const prop = modifiedProperty(object);
  const body = await http.post(`/crm/v3/objects/${object}/search`, {
    filterGroups: [{ filters: [{ propertyName: prop, operator: 'GTE', value: String(opts.sinceMs) }] }],
    sorts: [{ propertyName: prop, direction: 'ASCENDING' }],
    properties: opts.properties,
    limit: PAGE_LIMIT,
    ...(opts.after ? { after: opts.after } : {}),
  });
  return parsePage(body, `${object} search`);
}

/** from id → associated ids, for records the search endpoint returned without associations. */
export async function readAssociations(
  http: HttpClient,
  from: HubspotObject,
  to: string,
  ids: readonly string[],
): Promise<Map<string, Array<{ id: string; type?: string }>>> {
  const out = new Map<string, Array<{ id: string; type?: string }>>();
  if (ids.length === 0) return out;
  const body = await http.post(`/crm/v3/associations/${from}/${to}/batch/read`, {
    inputs: ids.map((id) => ({ id })),
  });
  for (const r of parse(associationBatchSchema, body, 'associations').results) out.set(r.from.id, r.to);
  return out;
}

const historySchema = z.object({
  results: z.array(
    z
      .object({
        id: z.string(),
        propertiesWithHistory: z
          .record(
            z.string(),
            z.array(z.object({ value: z.string().nullable(), timestamp: z.string() }).passthrough()),
          )
          .default({}),
      })
      .passthrough(),
  ),
});
export type PropertyHistory = Record<string, Array<{ value: string | null; timestamp: string }>>;

/** HubSpot answers at most 50 records per batch read that asks for property history. */
export const HISTORY_BATCH = 50;

/** id → each property's past values (newest first, as HubSpot lists them). */
export async function readPropertyHistory(
  http: HttpClient,
  object: HubspotObject,
  ids: readonly string[],
  properties: readonly string[],
): Promise<Map<string, PropertyHistory>> {
  const out = new Map<string, PropertyHistory>();
  for (let i = 0; i < ids.length; i += HISTORY_BATCH) {
    const body = await http.post(`/crm/v3/objects/${object}/batch/read`, {
      inputs: ids.slice(i, i + HISTORY_BATCH).map((id) => ({ id })),
      properties: [],
      propertiesWithHistory: properties,
    });
    for (const r of parse(historySchema, body, `${object} history`).results)
      out.set(r.id, r.propertiesWithHistory);
  }
  return out;
}

export interface HubspotOwner {
  id: string;
  /** Lower-cased; null when HubSpot has none. */
  email: string | null;
  name: string | null;
  archived: boolean;
}

/**
 * Every owner, current and former: `/crm/v3/owners` lists archived owners only with `archived=true`, and
 * without them each deal of a rep who left would lose its owner.
 */
export async function fetchOwners(http: HttpClient): Promise<HubspotOwner[]> {
  const owners = new Map<string, HubspotOwner>();
  for (const archived of [false, true]) {
    let after: string | undefined;
    do {
      const page = parse(
        ownersSchema,
        await http.get('/crm/v3/owners', { limit: PAGE_LIMIT, after, archived }),
        'owners',
      );
      for (const o of page.results) {
        if (owners.has(o.id)) continue;
        const name = [o.firstName, o.lastName].filter(Boolean).join(' ');
        owners.set(o.id, { id: o.id, email: o.email?.toLowerCase() || null, name: name || null, archived });
      }
      after = page.paging?.next?.after;
    } while (after);
  }
  return [...owners.values()];
}

/** Owner id → email, for normalising `hubspot_owner_id` on every object. */
export async function fetchOwnerEmails(http: HttpClient): Promise<Map<string, string>> {
  const emails = new Map<string, string>();
  for (const o of await fetchOwners(http)) if (o.email) emails.set(o.id, o.email);
  return emails;
}

export interface StageInfo {
  label: string;
  pipelineLabel: string;
  /** 0–100. */
  probability: number | null;
  isClosed: boolean | null;
}

export async function fetchDealStages(http: HttpClient): Promise<Map<string, StageInfo>> {
  const stages = new Map<string, StageInfo>();
  const body = parse(pipelinesSchema, await http.get('/crm/v3/pipelines/deals'), 'pipelines');
  for (const p of body.results) {
    for (const s of p.stages) {
      const prob = s.metadata.probability;
      const closed = s.metadata.isClosed;
      stages.set(s.id, {
        label: s.label,
        pipelineLabel: p.label,
        probability: prob === null || prob === undefined || prob === '' ? null : Number(prob) * 100,
        isClosed: closed === null || closed === undefined ? null : String(closed) === 'true',
      });
    }
  }
  return stages;
}

/** Names of the properties the portal defined itself (not hubspotDefined): they go to custom_fields. */
export async function fetchCustomProperties(http: HttpClient, object: HubspotObject): Promise<string[]> {
  const body = parse(
    propertiesSchema,
    await http.get(`/crm/v3/properties/${object}`),
    `${object} properties`,
  );
  return body.results.filter((p) => p.hubspotDefined !== true).map((p) => p.name);
}
