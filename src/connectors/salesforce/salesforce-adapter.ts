/**
 * The Salesforce connector (REST + SOQL). Each object is queried ordered by SystemModstamp, so both the
 * incremental start and a resume after a crash are "SystemModstamp >= the last value committed"
 * (re-reading ties writes nothing), and no query locator has to outlive a run. Parents go first
 * (Account, Contact, Opportunity, Lead) so references and converted-lead keys resolve. Then QueryAll
 * reads what was deleted since (IsDeleted = true; MasterRecordId names a merge's survivor) and marks it.
 */
import { z } from 'zod';
import type { EntityName } from '../../entities/entity-tables.ts';
import type {
  ConnectorAdapter,
  ConnectorContext,
  DealContactLink,
  DealFieldChange,
  NormalisedRecord,
  SoftDeletableEntity,
  SourceDeletion,
  SourceMerge,
  StageTransition,
  SyncPage,
} from '../adapter.ts';
import {
  buildSoql,
  customFields,
  DATA_PATH,
  fetchUserEmails,
  query,
  queryAll,
  queryMore,
  type SfRecord,
} from './salesforce-api.ts';
import { postRefreshGrant } from '../oauth-tokens.ts';
import { countSalesforceObjects, readSalesforceAssociations } from './salesforce-associations.ts';
import { DESCRIBED, normaliseSf, SF_FIELDS, type SfLookups } from './salesforce-normalise.ts';

const credentialsSchema = z
  .object({
    access_token: z.string().min(10).max(4000),
    instance_url: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL'),
    // OAuth: refreshed with the deployment's connected app (PANDORA_SALESFORCE_CLIENT_ID).
    refresh_token: z.string().min(10).max(4000).optional(),
    expires_at: z.union([z.string().datetime({ offset: true }), z.number().int().positive()]).optional(),
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

/** Objects whose deletions are read back with QueryAll, and the entity each marks. */
const DELETABLE: Readonly<Record<string, SoftDeletableEntity>> = {
  Account: 'accounts',
  Contact: 'contacts',
  Opportunity: 'deals',
  Lead: 'leads',
};
/** Objects Salesforce can merge; a merged-away record carries its survivor in MasterRecordId. */
const MERGEABLE = new Set(['Account', 'Contact', 'Lead']);

/** What one phase of a sync reads: an object's live records, or the ones deleted from it. */
interface SfPhase {
  object: string;
  kind: 'records' | 'field_history' | 'deleted';
  /** The cursor's watermark key. */
  key: string;
}

export const SF_PHASES: readonly SfPhase[] = [
  ...SF_OBJECTS.map((object) => ({ object, kind: 'records' as const, key: object })),
  { object: 'OpportunityFieldHistory', kind: 'field_history', key: 'OpportunityFieldHistory' },
  ...Object.keys(DELETABLE).map((object) => ({ object, kind: 'deleted' as const, key: `${object}:deleted` })),
];

interface SfCursor {
  phase: number;
  /** The greatest SystemModstamp committed in the current phase: where a resumed run restarts it. */
  floor?: string;
  /** Per object: the greatest SystemModstamp seen; the next incremental starts here. */
  watermarks: Partial<Record<string, string>>;
  initial_done?: boolean;
  started_at?: string;
}

// History rows are never modified, so they have CreatedDate and no SystemModstamp.
const stampField = (phase: SfPhase) => (phase.kind === 'field_history' ? 'CreatedDate' : 'SystemModstamp');

function phaseSoql(phase: SfPhase, lookups: SfLookups, since: string | undefined): string {
  if (phase.kind === 'field_history') {
    return buildSoql(
      phase.object,
      ['Id', 'OpportunityId', 'Field', 'OldValue', 'NewValue', 'CreatedDate'],
      since,
      {
        conditions: ["Field IN ('CloseDate', 'Amount')"],
        stampField: 'CreatedDate',
      },
    );
  }
  if (phase.kind === 'deleted') {
    const fields = ['Id', 'SystemModstamp', ...(MERGEABLE.has(phase.object) ? ['MasterRecordId'] : [])];
    return buildSoql(phase.object, fields, since, { conditions: ['IsDeleted = true'] });
  }
  return buildSoql(
    phase.object,
    [...SF_FIELDS[phase.object]!, ...(lookups.custom.get(phase.object) ?? [])],
    since,
  );
}

const FIELD_NAMES: Readonly<Record<string, DealFieldChange['field']>> = {
  CloseDate: 'close_date',
  Amount: 'amount',
};

function historyValue(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  return typeof v === 'number' ? String(v) : typeof v === 'string' ? v.slice(0, 100) : null;
}

/** OpportunityFieldHistory rows as close-date and amount changes. */
function fieldHistoryPage(records: SfRecord[], resume: SfCursor): SyncPage {
  const dealFieldChanges: DealFieldChange[] = [];
  for (const r of records) {
    const field = typeof r.Field === 'string' ? FIELD_NAMES[r.Field] : undefined;
    const at = typeof r.CreatedDate === 'string' ? new Date(r.CreatedDate.replace(/\+0000$/, 'Z')) : null;
    if (!field || typeof r.OpportunityId !== 'string' || !at || Number.isNaN(at.getTime())) continue;
    dealFieldChanges.push({
      deal_source_id: r.OpportunityId,
      field,
      old_value: historyValue(r.OldValue),
      new_value: historyValue(r.NewValue),
      changed_at: at.toISOString(),
      source: 'salesforce_field_history',
    });
  }
  return {
    ...(dealFieldChanges.length ? { dealFieldChanges } : {}),
    cursor: structuredClone(resume) as unknown as Record<string, unknown>,
    progress: { phase: 'OpportunityFieldHistory' },
  };
}

/** Deleted records as marks: a merge when Salesforce names the survivor, else a deletion. */
function deletedPage(object: string, records: SfRecord[], resume: SfCursor): SyncPage {
  const entity = DELETABLE[object]!;
  const deletions: SourceDeletion[] = [];
  const merges: SourceMerge[] = [];
  for (const r of records) {
    const at =
      typeof r.SystemModstamp === 'string'
        ? new Date(r.SystemModstamp.replace(/\+0000$/, 'Z')).toISOString()
        : new Date().toISOString();
    if (typeof r.MasterRecordId === 'string' && r.MasterRecordId)
      merges.push({ entity, source_id: r.Id, into_source_id: r.MasterRecordId, merged_at: at });
    else deletions.push({ entity, source_id: r.Id, deleted_at: at });
  }
  return {
    ...(deletions.length ? { deletions } : {}),
    ...(merges.length ? { merges } : {}),
    cursor: structuredClone(resume) as unknown as Record<string, unknown>,
    progress: { phase: `${object} deleted` },
  };
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
  if (cursor.phase >= SF_PHASES.length) Object.assign(cursor, { phase: 0, floor: undefined });
  if (!incremental && cursor.phase === 0 && !cursor.floor) cursor.started_at = new Date().toISOString();
  const lookups = await loadLookups(ctx);

  for (; cursor.phase < SF_PHASES.length; cursor.phase++, cursor.floor = undefined) {
    const phase = SF_PHASES[cursor.phase]!;
    const since = cursor.floor ?? (incremental ? cursor.watermarks[phase.key] : undefined);
    const soql = phaseSoql(phase, lookups, since);
    let page = phase.kind === 'deleted' ? await queryAll(ctx.http, soql) : await query(ctx.http, soql);
    for (;;) {
      for (const r of page.records) {
        const raw = r[stampField(phase)];
        const stamp =
          typeof raw === 'string' ? new Date(raw.replace(/\+0000$/, 'Z')).toISOString() : undefined;
        if (stamp && (!cursor.floor || stamp > cursor.floor)) cursor.floor = stamp;
        if (stamp && (!cursor.watermarks[phase.key] || stamp > cursor.watermarks[phase.key]!))
          cursor.watermarks[phase.key] = stamp;
      }
      const last = page.done || !page.nextRecordsUrl;
      const resume: SfCursor = last
        ? { ...cursor, phase: cursor.phase + 1, floor: undefined }
        : { ...cursor };
      yield phase.kind === 'deleted'
        ? deletedPage(phase.object, page.records, resume)
        : phase.kind === 'field_history'
          ? fieldHistoryPage(page.records, resume)
          : toPage(phase.object, page.records, lookups, resume);
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
    // Salesforce's refresh response has no expiry: the session lasts as the org's policy says, and a
    // 401 (INVALID_SESSION_ID) triggers the next refresh.
    async refreshAccessToken(c, client, baseUrl) {
      const body = await postRefreshGrant(
        'salesforce',
        new URL('/services/oauth2/token', baseUrl).toString(),
        {
          grant_type: 'refresh_token',
          client_id: client.clientId,
          client_secret: client.clientSecret,
          refresh_token: c.refresh_token ?? '',
        },
      );
      return {
        access_token: String(body.access_token),
        instance_url: typeof body.instance_url === 'string' ? body.instance_url : c.instance_url,
        refresh_token: c.refresh_token,
      };
    },
  },
  entities: () => ['accounts', 'contacts', 'deals', 'leads', 'calls', 'activities', 'tasks'],
  async testConnection(ctx) {
    await ctx.http.get(`${DATA_PATH}/limits`);
    return undefined;
  },
  sync: syncSalesforce,
  readAssociations: readSalesforceAssociations,
  countAtSource: countSalesforceObjects,
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
