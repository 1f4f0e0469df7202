/**
 * The Salesforce connector (REST + SOQL). Each object is queried ordered by SystemModstamp, so both the
 * incremental start and a resume after a crash are "SystemModstamp >= the last value committed"
 * (re-reading ties writes nothing), and no query locator has to outlive a run. Parents go first
 * (Account, Contact, Opportunity, Lead) so references and converted-lead keys resolve.
 */
import { z } from 'zod';
import type { EntityName } from '../../entities/entity-tables.ts';
import type {
  ConnectorAdapter,
  ConnectorContext,
  DealContactLink,
  NormalisedRecord,
  StageTransition,
  SyncPage,
} from '../adapter.ts';
import {
  buildSoql,
  customFields,
  DATA_PATH,
  fetchUserEmails,
  query,
  queryMore,
  type SfRecord,
} from './salesforce-api.ts';
import { DESCRIBED, normaliseSf, SF_FIELDS, type SfLookups } from './salesforce-normalise.ts';

const credentialsSchema = z
  .object({
    access_token: z.string().min(10).max(4000),
    instance_url: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL'),
  })
  .strict();
type SalesforceCredentials = z.infer<typeof credentialsSchema>;

export const SF_OBJECTS = [
  'Account',
  'Contact',
  'Opportunity',
  'Lead',
  'OpportunityContactRole',
  'OpportunityHistory',
  'Task',
  'Event',
] as const;

interface SfCursor {
  phase: number;
  /** The greatest SystemModstamp committed in the current phase: where a resumed run restarts it. */
  floor?: string;
  /** Per object: the greatest SystemModstamp seen; the next incremental starts here. */
  watermarks: Partial<Record<string, string>>;
  initial_done?: boolean;
  started_at?: string;
}

async function loadLookups(ctx: ConnectorContext<SalesforceCredentials>): Promise<SfLookups> {
  const custom = new Map<string, string[]>();
  for (const object of DESCRIBED) custom.set(object, await customFields(ctx.http, object));
  return { users: await fetchUserEmails(ctx.http), custom, normaliseStage: ctx.normaliseStage };
}

function toPage(object: string, records: SfRecord[], lookups: SfLookups, resume: SfCursor): SyncPage {
  const byEntity: Partial<Record<EntityName, NormalisedRecord[]>> = {};
  const dealContacts: DealContactLink[] = [];
  const stageTransitions: StageTransition[] = [];
  for (const r of records) {
    const out = normaliseSf(object, r, lookups);
    if (out.entity && out.record) {
      const list = byEntity[out.entity] ?? [];
      list.push(out.record);
      byEntity[out.entity] = list;
    }
    if (out.dealContact) dealContacts.push(out.dealContact);
    if (out.transition) stageTransitions.push(out.transition);
  }
  return {
    records: byEntity,
    ...(dealContacts.length ? { dealContacts } : {}),
    ...(stageTransitions.length ? { stageTransitions } : {}),
    cursor: structuredClone(resume) as unknown as Record<string, unknown>,
    progress: { phase: object },
  };
}

async function* syncSalesforce(
  ctx: ConnectorContext<SalesforceCredentials>,
  request: { mode: 'initial' | 'incremental'; cursor: Record<string, unknown> },
): AsyncGenerator<SyncPage> {
  const start = request.cursor as Partial<SfCursor>;
  const incremental = request.mode === 'incremental' && start.initial_done === true;
  const cursor: SfCursor = {
    phase: start.phase ?? 0,
    floor: start.floor,
    watermarks: { ...(start.watermarks ?? {}) },
    initial_done: start.initial_done,
    started_at: start.started_at,
  };
  if (cursor.phase >= SF_OBJECTS.length) Object.assign(cursor, { phase: 0, floor: undefined });
  if (!incremental && cursor.phase === 0 && !cursor.floor) cursor.started_at = new Date().toISOString();
  const lookups = await loadLookups(ctx);

  for (; cursor.phase < SF_OBJECTS.length; cursor.phase++, cursor.floor = undefined) {
    const object = SF_OBJECTS[cursor.phase]!;
    const since = cursor.floor ?? (incremental ? cursor.watermarks[object] : undefined);
    const fields = [...SF_FIELDS[object]!, ...(lookups.custom.get(object) ?? [])];
    let page = await query(ctx.http, buildSoql(object, fields, since));
    for (;;) {
      for (const r of page.records) {
        const stamp =
          typeof r.SystemModstamp === 'string'
            ? new Date(r.SystemModstamp.replace(/\+0000$/, 'Z')).toISOString()
            : undefined;
        if (stamp && (!cursor.floor || stamp > cursor.floor)) cursor.floor = stamp;
        if (stamp && (!cursor.watermarks[object] || stamp > cursor.watermarks[object]!))
          cursor.watermarks[object] = stamp;
      }
      const last = page.done || !page.nextRecordsUrl;
      const resume: SfCursor = last
        ? { ...cursor, phase: cursor.phase + 1, floor: undefined }
        : { ...cursor };
      yield toPage(object, page.records, lookups, resume);
      if (last) break;
      page = await queryMore(ctx.http, page.nextRecordsUrl!);
    }
  }
  if (!incremental && cursor.started_at) {
    for (const [object, mark] of Object.entries(cursor.watermarks)) {
      if (mark && mark > cursor.started_at) cursor.watermarks[object] = cursor.started_at;
    }
  }
  cursor.initial_done = true;
  yield {
    cursor: structuredClone(cursor) as unknown as Record<string, unknown>,
    progress: { phase: 'done' },
  };
}

export const salesforceAdapter: ConnectorAdapter<SalesforceCredentials> = {
  name: 'salesforce',
  credentialsSchema,
  http: {
    service: 'salesforce',
    defaultBaseUrl: (c) => c.instance_url,
    baseUrlFromCredentials: 'instance_url',
    authHeaders: (c) => ({ authorization: `Bearer ${c.access_token}` }),
    // The daily API allowance is per org; this keeps one connection from bursting through it.
    rateLimit: { capacity: 25, refillPerSecond: 10 },
  },
  entities: () => ['accounts', 'contacts', 'deals', 'leads', 'calls', 'activities', 'tasks'],
  async testConnection(ctx) {
    await ctx.http.get(`${DATA_PATH}/limits`);
    return undefined;
  },
  sync: syncSalesforce,
  async fetchUserDirectory(ctx) {
    const users = await fetchUserEmails(ctx.http);
    return [...users].map(([id, u]) => ({
      source_user_id: id,
      email: u.email,
      name: u.name,
      is_active: u.active,
    }));
  },
};
