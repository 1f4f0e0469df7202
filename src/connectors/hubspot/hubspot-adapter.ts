/**
 * The HubSpot connector. Initial sync walks each object list with `after` paging (associations
 * included); incremental sync searches each object on its last-modified property from the stored
 * watermark (restarting from the last value seen at the 10,000-result search cap), reads the
 * associations the search endpoint leaves out, and picks up archived records from the archived list.
 * Objects go parents first (companies, contacts, deals, engagements) so references resolve.
 */
import { z } from 'zod';
import type { EntityName } from '../../entities/entity-tables.ts';
import type {
  ConnectorAdapter,
  ConnectorContext,
  DealContactLink,
  NormalisedRecord,
  SourceMerge,
  SourceRejection,
  SyncPage,
} from '../adapter.ts';
import { postRefreshGrant } from '../oauth-tokens.ts';
import { countHubspotObjects, readHubspotAssociations } from './hubspot-associations.ts';
import { readDealHistory } from './hubspot-deal-history.ts';
import { type ListWalker, startListWalker } from './hubspot-list-walker.ts';
import { ARCHIVABLE, type NormalisedPage, normalisePage } from './hubspot-pages.ts';
import {
  fetchCustomProperties,
  fetchDealStages,
  fetchOwnerEmails,
  fetchOwners,
  HUBSPOT_OBJECTS,
  type HubspotObject,
  type HubspotPage,
  type HubspotRecord,
  listObjects,
  readAssociations,
  SEARCH_CAP,
  searchModifiedSince,
} from './hubspot-api.ts';
import type { HubspotLookups } from './hubspot-normalise.ts';
import { ASSOCIATIONS, BASE_PROPERTIES, TARGET_ENTITY } from './hubspot-objects.ts';

// A private-app token, or an OAuth token set (refreshed with the deployment's PANDORA_HUBSPOT_CLIENT_ID).
const credentialsSchema = z
  .object({
    access_token: z.string().min(10).max(2000),
    refresh_token: z.string().min(10).max(2000).optional(),
    expires_at: z.union([z.string().datetime({ offset: true }), z.number().int().positive()]).optional(),
  })
  .strict();
type HubspotCredentials = z.infer<typeof credentialsSchema>;

/** Records per yielded page (one transaction); several API pages of 100 are batched into one. */
export const HUBSPOT_PAGE_RECORDS = 5000;
/** API pages (100 records each) fetched ahead of the writer per object walk. */
const READ_AHEAD_PAGES = 60;

interface HubspotCursor {
  /** Index into HUBSPOT_OBJECTS of the object being synced. */
  phase: number;
  /** List paging token (initial) or search paging token (incremental). */
  after?: string;
  /** Incremental: the last-modified floor of the current search window (epoch ms). */
  floor?: number;
  /** Incremental: archived-list paging token once the search part of a phase is done. */
  archived_after?: string;
  archived_stage?: boolean;
  /** Per object: the greatest last-modified time seen (epoch ms); where the next incremental starts. */
  watermarks: Partial<Record<HubspotObject, number>>;
  /** The initial walk finished. */
  initial_done?: boolean;
  /** When the initial walk began (epoch ms): changes made during the walk are re-read next time. */
  started_ms?: number;
}

function nextPhase(cursor: HubspotCursor): HubspotCursor {
  return {
    ...cursor,
    phase: cursor.phase + 1,
    after: undefined,
    floor: undefined,
    archived_after: undefined,
    archived_stage: undefined,
  };
}

/** Where a restart continues once an object's live records are written: its archived list, or the next object. */
function afterLiveRecords(object: HubspotObject, cursor: HubspotCursor): HubspotCursor {
  return ARCHIVABLE.has(object)
    ? { ...cursor, after: undefined, floor: undefined, archived_stage: true }
    : nextPhase(cursor);
}

async function loadLookups(ctx: ConnectorContext<HubspotCredentials>): Promise<HubspotLookups> {
  const customProperties = new Map<HubspotObject, Set<string>>();
  for (const object of HUBSPOT_OBJECTS) {
    customProperties.set(object, new Set(await fetchCustomProperties(ctx.http, object)));
  }
  return {
    owners: await fetchOwnerEmails(ctx.http),
    stages: await fetchDealStages(ctx.http),
    customProperties,
    normaliseStage: ctx.normaliseStage,
  };
}

class PageBuffer {
  records: NormalisedRecord[] = [];
  dealContacts: DealContactLink[] = [];
  merges: SourceMerge[] = [];
  rejections: SourceRejection[] = [];
  add(object: HubspotObject, page: HubspotPage, lookups: HubspotLookups, cursor: HubspotCursor) {
    this.addNormalised(object, normalisePage(object, page, lookups), cursor);
  }
  addNormalised(object: HubspotObject, page: NormalisedPage, cursor: HubspotCursor) {
    for (const r of page.records) this.records.push(r);
    for (const l of page.dealContacts) this.dealContacts.push(l);
    for (const m of page.merges) this.merges.push(m);
    for (const r of page.rejections) this.rejections.push(r);
    if (page.newestMs !== null && page.newestMs > (cursor.watermarks[object] ?? 0))
      cursor.watermarks[object] = page.newestMs;
  }
  get size() {
    return this.records.length;
  }
  /** `resume` is where a restart continues after this page: the same position, or the next stage. */
  flush(object: HubspotObject, resume: HubspotCursor): SyncPage {
    const entity: EntityName = TARGET_ENTITY[object];
    const page: SyncPage = {
      records: { [entity]: this.records },
      ...(this.dealContacts.length ? { dealContacts: this.dealContacts } : {}),
      ...(this.merges.length ? { merges: this.merges } : {}),
      ...(this.rejections.length ? { rejections: this.rejections } : {}),
      cursor: structuredClone(resume) as unknown as Record<string, unknown>,
      progress: { phase: object },
    };
    this.records = [];
    this.dealContacts = [];
    this.merges = [];
    this.rejections = [];
    return page;
  }
}

async function* syncHubspot(
  ctx: ConnectorContext<HubspotCredentials>,
  request: { mode: 'initial' | 'incremental'; cursor: Record<string, unknown> },
): AsyncGenerator<SyncPage> {
  const start = request.cursor as Partial<HubspotCursor>;
  const incremental = request.mode === 'incremental' && start.initial_done === true;
  const cursor: HubspotCursor = {
    phase: start.phase ?? 0,
    after: start.after,
    floor: start.floor,
    archived_after: start.archived_after,
    archived_stage: start.archived_stage,
    watermarks: { ...(start.watermarks ?? {}) },
    initial_done: start.initial_done,
    started_ms: start.started_ms,
  };
  if (!incremental && cursor.phase === 0 && !cursor.after) cursor.started_ms = Date.now();
  // A finished cursor (from the end of the last sync) restarts at the first object.
  if (cursor.phase >= HUBSPOT_OBJECTS.length)
    Object.assign(cursor, { phase: 0, after: undefined, floor: undefined });
  const lookups = await loadLookups(ctx);
  const buffer = new PageBuffer();
  const sinceAtStart = { ...cursor.watermarks };
  const walkers = new Map<number, ListWalker<NormalisedPage>>();
  const walk = (object: HubspotObject, after: string | undefined) =>
    startListWalker(ctx.http, object, {
      after,
      properties: [...BASE_PROPERTIES[object], ...(lookups.customProperties.get(object) ?? [])],
      associations: ASSOCIATIONS[object],
      maxBuffered: READ_AHEAD_PAGES,
      prepare: (page) => normalisePage(object, page, lookups),
    });
  try {
    for (; cursor.phase < HUBSPOT_OBJECTS.length; cursor.phase++) {
      const object = HUBSPOT_OBJECTS[cursor.phase]!;
      const properties = [...BASE_PROPERTIES[object], ...(lookups.customProperties.get(object) ?? [])];
      if (!incremental) {
        // This object's walk (maybe started ahead while the previous object was written) and the next one's.
        const nextObject = HUBSPOT_OBJECTS[cursor.phase + 1];
        if (nextObject && !walkers.has(cursor.phase + 1))
          walkers.set(cursor.phase + 1, walk(nextObject, undefined));
        if (!cursor.archived_stage) {
          const walker = walkers.get(cursor.phase) ?? walk(object, cursor.after);
          walkers.delete(cursor.phase);
          for (;;) {
            const page = await walker.next();
            if (!page) break;
            cursor.after = page.after;
            buffer.addNormalised(object, page, cursor);
            if (buffer.size >= HUBSPOT_PAGE_RECORDS || !cursor.after)
              yield await withHistory(
                ctx,
                lookups,
                buffer.flush(object, cursor.after ? cursor : afterLiveRecords(object, cursor)),
              );
          }
        }
        // A full read takes in every archived record too: deletions it missed are marked, whenever they were.
        if (ARCHIVABLE.has(object)) {
          cursor.archived_stage = true;
          yield* syncArchived(ctx, object, properties, lookups, buffer, cursor, 0);
        }
      } else {
        if (!cursor.archived_stage) {
          let floor = cursor.floor ?? sinceAtStart[object] ?? 0;
          cursor.floor = floor;
          for (;;) {
            const page = await searchModifiedSince(ctx.http, object, {
              sinceMs: floor,
              after: cursor.after,
              properties,
            });
            await attachAssociations(ctx, object, page.results);
            buffer.add(object, page, lookups, cursor);
            const next = page.paging?.next?.after;
            if (next && Number(next) >= SEARCH_CAP) {
              // The search cap: start a new window at the newest value seen (re-reading its ties is harmless).
              const newest: number = cursor.watermarks[object] ?? floor;
              if (newest <= floor)
                throw new Error(`hubspot: more than ${SEARCH_CAP} ${object} share one modification time`);
              floor = newest;
              cursor.floor = floor;
              cursor.after = undefined;
            } else {
              cursor.after = next;
            }
            const done = !cursor.after && !(next && Number(next) >= SEARCH_CAP);
            if (buffer.size >= HUBSPOT_PAGE_RECORDS || done) {
              const resume = !done ? cursor : afterLiveRecords(object, cursor);
              yield await withHistory(ctx, lookups, buffer.flush(object, resume));
            }
            if (done) break;
          }
        }
        if (ARCHIVABLE.has(object)) {
          cursor.archived_stage = true;
          yield* syncArchived(ctx, object, properties, lookups, buffer, cursor, sinceAtStart[object] ?? 0);
        }
      }
      cursor.after = undefined;
      cursor.floor = undefined;
      cursor.archived_after = undefined;
      cursor.archived_stage = undefined;
    }
    if (!incremental && cursor.started_ms) {
      for (const object of HUBSPOT_OBJECTS) {
        const seen = cursor.watermarks[object];
        if (seen !== undefined) cursor.watermarks[object] = Math.min(seen, cursor.started_ms);
      }
    }
    cursor.initial_done = true;
    yield {
      cursor: structuredClone(cursor) as unknown as Record<string, unknown>,
      progress: { phase: 'done' },
    };
  } finally {
    for (const w of walkers.values()) w.stop();
  }
}

/**
 * Records archived since `sinceMs`: kept, marked deleted (deleted_at), source_data saying archived. HubSpot
 * can restore them; a restored record comes back through search with deleted_at cleared.
 */
async function* syncArchived(
  ctx: ConnectorContext<HubspotCredentials>,
  object: HubspotObject,
  properties: string[],
  lookups: HubspotLookups,
  buffer: PageBuffer,
  cursor: HubspotCursor,
  sinceMs: number,
): AsyncGenerator<SyncPage> {
  do {
    const page = await listObjects(ctx.http, object, {
      after: cursor.archived_after,
      properties,
      associations: ASSOCIATIONS[object],
      archived: true,
    });
    cursor.archived_after = page.paging?.next?.after;
    const recent = page.results.filter((r) => !r.archivedAt || Date.parse(r.archivedAt) >= sinceMs);
    buffer.add(object, { results: recent, rejected: page.rejected }, lookups, cursor);
    // An empty last page is not yielded: the next object's first page carries the cursor on.
    if (buffer.size >= HUBSPOT_PAGE_RECORDS || (!cursor.archived_after && buffer.size > 0))
      yield await withHistory(
        ctx,
        lookups,
        buffer.flush(object, cursor.archived_after ? cursor : nextPhase(cursor)),
      );
  } while (cursor.archived_after);
}

/**
 * A deals page with the stage, close-date and amount history of its live deals (one batch read per 50):
 * the first sync brings what happened before it, later ones what changed since.
 */
async function withHistory(
  ctx: ConnectorContext<HubspotCredentials>,
  lookups: HubspotLookups,
  page: SyncPage,
): Promise<SyncPage> {
  const deals = page.records?.deals;
  if (!deals?.length) return page;
  const ids = deals.filter((d) => !d.row.deleted_at).map((d) => String(d.row.source_id));
  const history = await readDealHistory(ctx.http, ids, lookups);
  if (history.transitions.length) page.stageTransitions = history.transitions;
  if (history.changes.length) page.dealFieldChanges = history.changes;
  return page;
}

/** Search results carry no associations: read them in batches, in the list endpoint's shape. */
async function attachAssociations(
  ctx: ConnectorContext<HubspotCredentials>,
  object: HubspotObject,
  records: HubspotRecord[],
) {
  if (records.length === 0) return;
  const ids = records.map((r) => r.id);
  for (const to of ASSOCIATIONS[object]) {
    const found = await readAssociations(ctx.http, object, to, ids);
    for (const r of records) {
      const list = found.get(r.id);
      if (!list || list.length === 0) continue;
      r.associations = { ...(r.associations ?? {}), [to]: { results: list } };
    }
  }
}

export const hubspotAdapter: ConnectorAdapter<HubspotCredentials> = {
  name: 'hubspot',
  credentialsSchema,
  http: {
    service: 'hubspot',
    defaultBaseUrl: () => 'https://api.hubapi.com',
    authHeaders: (c) => ({ authorization: `Bearer ${c.access_token}` }),
    // Private apps: 100 requests per 10 seconds (search: 4 per second) per account.
    rateLimit: { capacity: 100, refillPerSecond: 10 },
    async refreshAccessToken(c, client, baseUrl) {
      const body = await postRefreshGrant('hubspot', new URL('/oauth/v1/token', baseUrl).toString(), {
        grant_type: 'refresh_token',
        client_id: client.clientId,
        client_secret: client.clientSecret,
        refresh_token: c.refresh_token ?? '',
      });
      const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 1800;
      return {
        access_token: String(body.access_token),
        refresh_token: typeof body.refresh_token === 'string' ? body.refresh_token : c.refresh_token,
        expires_at: new Date(Date.now() + expiresIn * 1000).toISOString(),
      };
    },
  },
  entities: () => ['accounts', 'contacts', 'deals', 'calls', 'activities', 'tasks'],
  async testConnection(ctx) {
    await ctx.http.get('/crm/v3/owners', { limit: 1 });
    return undefined;
  },
  sync: syncHubspot,
  readAssociations: readHubspotAssociations,
  countAtSource: countHubspotObjects,
  async fetchUserDirectory(ctx) {
    return (await fetchOwners(ctx.http)).map((o) => ({
      source_user_id: o.id,
      email: o.email,
      name: o.name,
      is_active: !o.archived,
    }));
  },
};
