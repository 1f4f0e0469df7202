/**
 * A fake HubSpot CRM v3 API over an in-memory dataset: object lists with `after` paging, associations
 * and archived; search on the last-modified property (sorts, GTE filter, the 10,000-result cap);
 * association batch reads (v3, and v4 with per-record paging and the "Primary" label); owners; deal pipelines; property definitions. Bearer token checked (401).
 */
import { type FakeServer, startFakeServer } from './fake-server.ts';

export type HsObjectType =
  | 'companies'
  | 'contacts'
  | 'deals'
  | 'calls'
  | 'emails'
  | 'meetings'
  | 'notes'
  | 'tasks';

export interface HsObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
  /** type → associated ids */
  assoc: Partial<Record<HsObjectType, string[]>>;
  /** property → past values, newest first (what propertiesWithHistory returns); none unless a test sets it. */
  history?: Record<string, Array<{ value: string | null; timestamp: string }>>;
}

export interface HubspotDataset {
  token: string;
  /** The OAuth app and refresh token /oauth/v1/token accepts; each refresh issues a new access token. */
  oauth?: { clientId: string; clientSecret: string; refreshToken: string; refreshes: number };
  /** The current access token stops working after this many more authorised requests. */
  expireTokenAfter?: number;
  objects: Record<HsObjectType, HsObject[]>;
  /** An archived owner (a rep who left) is listed only with `archived=true`, as HubSpot does. */
  owners: Array<{ id: string; email: string; firstName: string; lastName: string; archived?: boolean }>;
  customProperties: Partial<Record<HsObjectType, string[]>>;
  /** v4 association reads page each record's list past this many (HubSpot: 500). */
  associationPageSize?: number;
  /** Every v4 association batch read, as `from/to:inputs`. */
  v4Reads?: string[];
}

export const PIPELINES = {
  results: [
    {
      id: 'default',
      label: 'Sales Pipeline',
      displayOrder: 0,
      stages: [
        ['appointmentscheduled', 'Appointment Scheduled', '0.2', 'false'],
        ['qualifiedtobuy', 'Qualified To Buy', '0.4', 'false'],
        ['presentationscheduled', 'Presentation Scheduled', '0.6', 'false'],
        ['decisionmakerboughtin', 'Decision Maker Bought-In', '0.8', 'false'],
        ['contractsent', 'Contract Sent', '0.9', 'false'],
        ['closedwon', 'Closed Won', '1.0', 'true'],
        ['closedlost', 'Closed Lost', '0.0', 'true'],
      ].map(([id, label, probability, isClosed], i) => ({
        id,
        label,
        displayOrder: i,
        metadata: { isClosed, probability },
        archived: false,
      })),
    },
  ],
};

const SEARCH_CAP = 10_000;
const modifiedProp = (t: HsObjectType) => (t === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate');
const SINGULAR: Record<HsObjectType, string> = {
  companies: 'company',
  contacts: 'contact',
  deals: 'deal',
  calls: 'call',
  emails: 'email',
  meetings: 'meeting',
  notes: 'note',
  tasks: 'task',
};

function present(o: HsObject, type: HsObjectType, properties: string[] | undefined, associations: string[]) {
  const props: Record<string, string | null> = { hs_object_id: o.id };
  const wanted = properties ?? Object.keys(o.properties);
  for (const p of wanted) if (p in o.properties) props[p] = o.properties[p] ?? null;
  const out: Record<string, unknown> = {
    id: o.id,
    properties: props,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    archived: o.archived,
  };
  if (o.archivedAt) out.archivedAt = o.archivedAt;
  const assoc: Record<string, unknown> = {};
  for (const a of associations as HsObjectType[]) {
    const ids = o.assoc[a];
    if (ids?.length)
      assoc[a] = { results: ids.map((id) => ({ id, type: `${SINGULAR[type]}_to_${SINGULAR[a]}` })) };
  }
  if (Object.keys(assoc).length) out.associations = assoc;
  return out;
}

function modifiedMs(o: HsObject, type: HsObjectType): number {
  return Date.parse(o.properties[modifiedProp(type)] ?? o.updatedAt);
}

export async function startFakeHubspot(data: HubspotDataset): Promise<FakeServer & { data: HubspotDataset }> {
  const listings = new Map<string, HsObject[]>();
  const server = await startFakeServer((req) => {
    if (req.path === '/oauth/v1/token' && req.method === 'POST') {
      const form = new URLSearchParams(String(req.body ?? ''));
      const o = data.oauth;
      if (
        !o ||
        form.get('grant_type') !== 'refresh_token' ||
        form.get('client_id') !== o.clientId ||
        form.get('client_secret') !== o.clientSecret ||
        form.get('refresh_token') !== o.refreshToken
      )
        return {
          status: 400,
          json: { status: 'BAD_REFRESH_TOKEN', message: 'missing or unknown refresh token' },
        };
      o.refreshes++;
      data.token = `hs-oauth-access-${o.refreshes}-0123456789`;
      return {
        json: {
          token_type: 'bearer',
          access_token: data.token,
          refresh_token: o.refreshToken,
          expires_in: 1800,
        },
      };
    }
    if (req.headers.authorization === `Bearer ${data.token}` && data.expireTokenAfter !== undefined) {
      if (data.expireTokenAfter-- <= 0) {
        data.token = 'expired-nobody-holds-this-token';
        delete data.expireTokenAfter;
      }
    }
    if (req.headers.authorization !== `Bearer ${data.token}`) {
      return {
        status: 401,
        json: {
          status: 'error',
          message: 'The OAuth token used to make this call expired.',
          category: 'EXPIRED_AUTHENTICATION',
        },
      };
    }
    let m = /^\/crm\/v3\/objects\/(\w+)$/.exec(req.path);
    if (m && req.method === 'GET') {
      const type = m[1] as HsObjectType;
      const archived = req.query.archived === 'true';
      const limit = Math.min(Number(req.query.limit ?? 10), 100);
      const offset = Number(req.query.after ?? 0);
      // A walk's first page snapshots the filtered list; later pages of the walk reuse it.
      const key = `${type}:${archived}`;
      let list = listings.get(key);
      if (!list || offset === 0) {
        list = data.objects[type].filter((o) => o.archived === archived);
        listings.set(key, list);
      }
      const slice = list.slice(offset, offset + limit);
      const props = req.query.properties?.split(',');
      const assoc = req.query.associations ? req.query.associations.split(',') : [];
      const next = offset + limit < list.length ? String(offset + limit) : undefined;
      return {
        json: {
          results: slice.map((o) => present(o, type, props, assoc)),
          ...(next
            ? { paging: { next: { after: next, link: `${req.url.origin}${req.path}?after=${next}` } } }
            : {}),
        },
      };
    }
    m = /^\/crm\/v3\/objects\/(\w+)\/search$/.exec(req.path);
    if (m && req.method === 'POST') {
      const type = m[1] as HsObjectType;
      const body = req.body as {
        filterGroups: Array<{ filters: Array<{ propertyName: string; operator: string; value: string }> }>;
        sorts: Array<{ propertyName: string; direction: string }>;
        properties: string[];
        limit: number;
        after?: string;
      };
      const filter = body.filterGroups[0]!.filters[0]!;
      if (filter.propertyName !== modifiedProp(type) || filter.operator !== 'GTE')
        return { status: 400, json: { message: 'unsupported filter in fake' } };
      const offset = Number(body.after ?? 0);
      if (offset >= SEARCH_CAP)
        return { status: 400, json: { status: 'error', message: 'paging past 10000' } };
      const since = Number(filter.value);
      const matches = data.objects[type]
        .filter((o) => !o.archived && modifiedMs(o, type) >= since)
        .sort((a, b) => modifiedMs(a, type) - modifiedMs(b, type) || Number(a.id) - Number(b.id));
      const limit = Math.min(body.limit ?? 10, 200);
      const slice = matches.slice(offset, offset + limit);
      const next = offset + limit < matches.length ? String(offset + limit) : undefined;
      return {
        json: {
          total: matches.length,
          results: slice.map((o) => present(o, type, body.properties, [])),
          ...(next ? { paging: { next: { after: next } } } : {}),
        },
      };
    }
    m = /^\/crm\/v3\/objects\/(\w+)\/batch\/read$/.exec(req.path);
    if (m && req.method === 'POST') {
      const type = m[1] as HsObjectType;
      const body = req.body as { inputs: Array<{ id: string }>; propertiesWithHistory?: string[] };
      if (body.inputs.length > 50 && body.propertiesWithHistory?.length)
        return { status: 400, json: { status: 'error', message: 'at most 50 inputs with history' } };
      const byId = new Map(data.objects[type].map((o) => [o.id, o]));
      const results = body.inputs
        .map((i) => byId.get(i.id))
        .filter((o): o is HsObject => !!o)
        .map((o) => ({
          id: o.id,
          properties: { hs_object_id: o.id },
          propertiesWithHistory: Object.fromEntries(
            (body.propertiesWithHistory ?? []).map((p) => [
              p,
              (o.history?.[p] ?? []).map((h) => ({ ...h, sourceType: 'CRM_UI' })),
            ]),
          ),
          createdAt: o.createdAt,
          updatedAt: o.updatedAt,
          archived: false,
        }));
      return { json: { status: 'COMPLETE', results } };
    }
    m = /^\/crm\/v3\/associations\/(\w+)\/(\w+)\/batch\/read$/.exec(req.path);
    if (m && req.method === 'POST') {
      const [from, to] = [m[1] as HsObjectType, m[2] as HsObjectType];
      const inputs = (req.body as { inputs: Array<{ id: string }> }).inputs;
      const byId = new Map(data.objects[from].map((o) => [o.id, o]));
      const results = inputs
        .map((i) => byId.get(i.id))
        .filter((o): o is HsObject => !!o && !!o.assoc[to]?.length)
        .map((o) => ({
          from: { id: o.id },
          to: o.assoc[to]!.map((id) => ({ id, type: `${SINGULAR[from]}_to_${SINGULAR[to]}` })),
        }));
      return { json: { status: 'COMPLETE', results } };
    }
    m = /^\/crm\/v4\/associations\/(\w+)\/(\w+)\/batch\/read$/.exec(req.path);
    if (m && req.method === 'POST') {
      const [from, to] = [m[1] as HsObjectType, m[2] as HsObjectType];
      const inputs = (req.body as { inputs: Array<{ id: string; after?: string }> }).inputs;
      if (inputs.length > 1000)
        return { status: 400, json: { status: 'error', message: 'at most 1000 inputs' } };
      data.v4Reads = [...(data.v4Reads ?? []), `${from}/${to}:${inputs.length}`];
      const pageSize = data.associationPageSize ?? 500;
      const byId = new Map(data.objects[from].filter((o) => !o.archived).map((o) => [o.id, o]));
      const results = [];
      for (const input of inputs) {
        const ids = byId.get(input.id)?.assoc[to] ?? [];
        if (ids.length === 0) continue;
        const offset = Number(input.after ?? 0);
        const next = offset + pageSize < ids.length ? String(offset + pageSize) : undefined;
        results.push({
          from: { id: input.id },
          to: ids.slice(offset, offset + pageSize).map((id, k) => ({
            toObjectId: Number(id),
            // The first company of a deal or contact is its primary one, as HubSpot labels it.
            associationTypes:
              to === 'companies' && offset + k === 0
                ? [
                    { category: 'HUBSPOT_DEFINED', typeId: from === 'deals' ? 5 : 1, label: 'Primary' },
                    { category: 'HUBSPOT_DEFINED', typeId: from === 'deals' ? 341 : 279, label: null },
                  ]
                : [{ category: 'HUBSPOT_DEFINED', typeId: 3, label: null }],
          })),
          ...(next ? { paging: { next: { after: next, link: null } } } : {}),
        });
      }
      return {
        json: {
          status: 'COMPLETE',
          results,
          startedAt: new Date().toISOString(),
          completedAt: new Date().toISOString(),
        },
      };
    }
    if (req.path === '/crm/v3/owners') {
      const limit = Number(req.query.limit ?? 100);
      const offset = Number(req.query.after ?? 0);
      const archived = req.query.archived === 'true';
      const listed = data.owners.filter((o) => (o.archived ?? false) === archived);
      const next = offset + limit < listed.length ? String(offset + limit) : undefined;
      return {
        json: {
          results: listed
            .slice(offset, offset + limit)
            .map((o) => ({ ...o, userId: Number(o.id), archived })),
          ...(next ? { paging: { next: { after: next } } } : {}),
        },
      };
    }
    if (req.path === '/crm/v3/pipelines/deals') return { json: PIPELINES };
    m = /^\/crm\/v3\/properties\/(\w+)$/.exec(req.path);
    if (m) {
      const type = m[1] as HsObjectType;
      const custom = data.customProperties[type] ?? [];
      return {
        json: {
          results: [
            { name: 'hs_object_id', label: 'Record ID', type: 'number', hubspotDefined: true },
            ...custom.map((name) => ({ name, label: name, type: 'string', fieldType: 'text' })),
          ],
        },
      };
    }
    return { status: 404, json: { status: 'error', message: `no route ${req.method} ${req.path}` } };
  });
  return Object.assign(server, { data });
}

/** A small, deterministic dataset; `n` deals, each with a company and two contacts, plus engagements. */
export function makeHubspotDataset(n: number, opts: { engagements?: boolean } = {}): HubspotDataset {
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  const iso = (i: number) => new Date(t0 + i * 60_000).toISOString();
  const objects: HubspotDataset['objects'] = {
    companies: [],
    contacts: [],
    deals: [],
    calls: [],
    emails: [],
    meetings: [],
    notes: [],
    tasks: [],
  };
  const stages = PIPELINES.results[0]!.stages.map((s) => s.id);
  for (let i = 1; i <= n; i++) {
    const company = `${1000 + i}`;
    objects.companies.push({
      id: company,
      properties: {
        name: `Company ${i}`,
        domain: `company${i}.example`,
        // HubSpot lists further domains in one semicolon-separated property.
        ...(i === 1 ? { hs_additional_domains: 'Company1-group.example; company1.io' } : {}),
        industry: 'SOFTWARE',
        numberofemployees: String(10 * i),
        hubspot_owner_id: '1',
        hs_lastmodifieddate: iso(i),
        tier__c: `T${i % 3}`,
      },
      createdAt: iso(i),
      updatedAt: iso(i),
      archived: false,
      assoc: {},
    });
    const contactIds = [`${5000 + 2 * i}`, `${5001 + 2 * i}`];
    for (const [k, id] of contactIds.entries()) {
      objects.contacts.push({
        id,
        properties: {
          firstname: `First${id}`,
          lastname: `Last${id}`,
          email: `person${id}@company${i}.example`,
          jobtitle: k === 0 ? 'VP Sales' : 'Engineer',
          hubspot_owner_id: '2',
          lastmodifieddate: iso(i),
        },
        createdAt: iso(i),
        updatedAt: iso(i),
        archived: false,
        assoc: { companies: [company] },
      });
    }
    const stage = stages[i % stages.length]!;
    objects.deals.push({
      id: `${9000 + i}`,
      properties: {
        dealname: `Deal ${i}`,
        amount: String(1000 * i),
        pipeline: 'default',
        dealstage: stage,
        closedate: '2025-06-30T00:00:00Z',
        // The first deal belongs to a rep who left (an archived owner).
        hubspot_owner_id: i === 1 ? '3' : '1',
        hs_lastmodifieddate: iso(i),
        createdate: iso(i),
        hs_is_closed: String(stage === 'closedwon' || stage === 'closedlost'),
        hs_is_closed_won: String(stage === 'closedwon'),
        deal_score__c: String(i),
      },
      createdAt: iso(i),
      updatedAt: iso(i),
      archived: false,
      assoc: { contacts: contactIds, companies: [company] },
    });
    if (opts.engagements) {
      const assoc = { contacts: [contactIds[0]!], companies: [company], deals: [`${9000 + i}`] };
      const base = { createdAt: iso(i), updatedAt: iso(i), archived: false, assoc };
      objects.calls.push({
        id: `${20000 + i}`,
        properties: {
          hs_call_title: `Call ${i}`,
          hs_call_direction: 'OUTBOUND',
          hs_call_duration: '125000',
          hs_timestamp: iso(i),
          hubspot_owner_id: '1',
          hs_lastmodifieddate: iso(i),
        },
        ...base,
      });
      objects.emails.push({
        id: `${30000 + i}`,
        properties: {
          hs_email_subject: `Email ${i}`,
          hs_email_text: 'hello',
          hs_email_direction: 'INCOMING_EMAIL',
          hs_timestamp: iso(i),
          hs_lastmodifieddate: iso(i),
        },
        ...base,
      });
      objects.meetings.push({
        id: `${40000 + i}`,
        properties: {
          hs_meeting_title: `Meeting ${i}`,
          hs_meeting_start_time: iso(i),
          hs_lastmodifieddate: iso(i),
        },
        ...base,
      });
      objects.notes.push({
        id: `${50000 + i}`,
        properties: { hs_note_body: `Note ${i}`, hs_timestamp: iso(i), hs_lastmodifieddate: iso(i) },
        ...base,
      });
      objects.tasks.push({
        id: `${60000 + i}`,
        properties: {
          hs_task_subject: `Task ${i}`,
          hs_task_status: i % 2 ? 'COMPLETED' : 'NOT_STARTED',
          hs_task_priority: 'HIGH',
          hs_task_type: 'TODO',
          hs_timestamp: iso(i),
          hs_lastmodifieddate: iso(i),
        },
        ...base,
      });
    }
  }
  return {
    token: 'hs-test-token-0123456789',
    objects,
    owners: [
      { id: '1', email: 'Alice@Vendor.example', firstName: 'Alice', lastName: 'Owner' },
      { id: '2', email: 'bob@vendor.example', firstName: 'Bob', lastName: 'Owner' },
      { id: '3', email: 'carol@vendor.example', firstName: 'Carol', lastName: 'Former', archived: true },
    ],
    customProperties: { companies: ['tier__c'], deals: ['deal_score__c'] },
  };
}

/** Bumps a record's last-modified time, as any change in HubSpot does, so search finds it. */
export function touchHubspot(data: HubspotDataset, type: HsObjectType, id: string, at: string) {
  const o = data.objects[type].find((x) => x.id === id);
  if (!o) throw new Error(`no ${type} ${id}`);
  o.properties[modifiedProp(type)] = at;
  o.updatedAt = at;
  return o;
}

/** Deletes (archives) a record: it leaves the live list and search and appears in the archived list. */
export function archiveHubspot(data: HubspotDataset, type: HsObjectType, id: string, at: string) {
  const o = touchHubspot(data, type, id, at);
  o.archived = true;
  o.archivedAt = at;
}

export function restoreHubspot(data: HubspotDataset, type: HsObjectType, id: string, at: string) {
  const o = touchHubspot(data, type, id, at);
  o.archived = false;
  delete o.archivedAt;
}

/**
 * Merges `loserId` into `survivorId` as HubSpot does: the loser disappears from every list (it is neither
 * live nor archived), the survivor lists it in hs_merged_object_ids and takes over its associations.
 */
export function mergeHubspot(
  data: HubspotDataset,
  type: HsObjectType,
  loserId: string,
  survivorId: string,
  at: string,
) {
  const list = data.objects[type];
  const loser = list.find((x) => x.id === loserId);
  if (!loser) throw new Error(`no ${type} ${loserId}`);
  data.objects[type] = list.filter((x) => x.id !== loserId);
  const survivor = touchHubspot(data, type, survivorId, at);
  const merged = survivor.properties.hs_merged_object_ids;
  survivor.properties.hs_merged_object_ids = merged ? `${merged};${loserId}` : loserId;
  for (const objects of Object.values(data.objects)) {
    for (const o of objects) {
      const ids = o.assoc[type];
      if (ids?.includes(loserId))
        o.assoc[type] = [...new Set(ids.map((x) => (x === loserId ? survivorId : x)))];
    }
  }
}

/**
 * Re-associates a record without touching its last-modified time, as HubSpot does: the incremental
 * search does not see it; only a re-read of the associations does.
 */
export function reassociateHubspot(
  data: HubspotDataset,
  type: HsObjectType,
  id: string,
  to: HsObjectType,
  ids: string[],
) {
  const o = data.objects[type].find((x) => x.id === id);
  if (!o) throw new Error(`no ${type} ${id}`);
  o.assoc[to] = [...ids];
}
