/**
 * The universal connector interface. A source implements ConnectorAdapter in its own folder and adds one
 * line to registry.ts; the orchestrator (src/sync/) does the writing, cursors, logging and retries.
 *
 * An adapter never touches the database: it yields pages of normalised rows (shaped for bulkUpsert with
 * the src/entities/entity-tables.ts specs) whose cross-entity references are given by source id, and the
 * orchestrator resolves those to uuids, writes the page in one transaction and stores the page's cursor.
 */
import type { z } from 'zod';
import type { UpsertRow } from '../db/bulk-upsert.ts';
import type { EntityName } from '../entities/entity-tables.ts';
import type { Logger } from '../logger.ts';
import type { StageInput, StageNormalized } from '../compute/stage-normalisation.ts';
import type { ErrorResponseClassifier, ErrorVerdict, HttpClient, RateLimit } from './http-client.ts';

/** A reference to another entity row by its source id; `source` defaults to the connector's source. */
export interface SourceRef {
  entity: EntityName;
  source_id: string;
  source?: string;
}

/**
 * One normalised row. `row` holds the table's own columns (never workspace_id, never uuid foreign keys);
 * `refs` maps a uuid foreign-key column (account_id, deal_id, converted_contact_id, …) to the row it
 * points at. An unresolvable ref writes NULL: the source said "this", and we do not have "this".
 */
export interface NormalisedRecord {
  row: UpsertRow;
  refs?: Readonly<Record<string, SourceRef | null>>;
}

/** A deal↔contact link by source ids; written to deal_contacts once both ends exist. */
export interface DealContactLink {
  deal_source_id: string;
  contact_source_id: string;
  /** deal_contacts.source, e.g. hubspot_association, salesforce_contact_role. */
  source: string;
  role?: string | null;
  role_source?: string | null;
  role_confidence?: number | null;
  is_primary?: boolean;
}

/** A stage transition the source itself reports (e.g. Salesforce OpportunityHistory). */
export interface StageTransition {
  deal_source_id: string;
  to_stage: string;
  from_stage?: string | null;
  changed_at: string;
  /** deal_stage_history.source, e.g. salesforce_history. */
  source: string;
  from_stage_normalized?: string | null;
  to_stage_normalized?: string | null;
}

/** A close-date or amount change the source recorded (values as text: a date, a number). */
export interface DealFieldChange {
  deal_source_id: string;
  field: 'close_date' | 'amount';
  old_value: string | null;
  new_value: string | null;
  changed_at: string;
  /** deal_field_history.source, e.g. hubspot_history. */
  source: string;
}

/** The entities that keep rows the source deleted (deleted_at) or merged (merged_into_id). */
export type SoftDeletableEntity = 'accounts' | 'contacts' | 'deals' | 'leads';

/** A record the source deleted, known by id only (e.g. Salesforce queryAll with IsDeleted = true). */
export interface SourceDeletion {
  entity: SoftDeletableEntity;
  source_id: string;
  deleted_at: string;
}

/** A record the source merged into another (HubSpot hs_merged_object_ids, Salesforce MasterRecordId). */
export interface SourceMerge {
  entity: SoftDeletableEntity;
  /** The record that no longer exists on its own. */
  source_id: string;
  /** The survivor. */
  into_source_id: string;
  merged_at: string;
}

/** A record the normaliser could not turn into a row: skipped, kept on the health ledger with why. */
export interface SourceRejection {
  entity: EntityName;
  source_id: string;
  reason: string;
}

/** deal↔contact (deal_contacts), deal↔company (deals.account_id), contact↔company (contacts.account_id). */
export type AssociationKind = 'deal_contact' | 'deal_account' | 'contact_account';

/**
 * The source's associations of one kind for a batch of records, read independent of the sync cursor.
 * The batch is the whole truth for every record in `from_source_ids`: one listed without links has none
 * at the source. Single-valued kinds (the account) list candidates in the source's order of preference.
 */
export type AssociationBatch =
  | {
      kind: 'deal_contact';
      from_source_ids: readonly string[];
      /** The deal_contacts.source this adapter writes; only rows of that source are reconciled. */
      link_source: string;
      links: readonly DealContactLink[];
    }
  | {
      kind: 'deal_account' | 'contact_account';
      from_source_ids: readonly string[];
      links: ReadonlyArray<{ from_source_id: string; to_source_id: string }>;
    };

/** Opaque, JSON-serialisable adapter state; persisted after every committed page. */
export type SyncCursor = Readonly<Record<string, unknown>>;

export interface SyncPage {
  /** Rows per entity; the orchestrator writes entities in ENTITY_WRITE_ORDER (parents first). */
  records?: Partial<Record<EntityName, NormalisedRecord[]>>;
  dealContacts?: DealContactLink[];
  stageTransitions?: StageTransition[];
  dealFieldChanges?: DealFieldChange[];
  /** Applied after the page's rows, so a survivor written in the same page resolves. */
  deletions?: SourceDeletion[];
  merges?: SourceMerge[];
  /** Records read but refused by the normaliser; a later page writing the same record clears them. */
  rejections?: SourceRejection[];
  /** State to resume from after this page. The last page's cursor is the next incremental start. */
  cursor: SyncCursor;
  /** Shown on sync_log.progress, e.g. { phase: 'deals', fetched: 1200 }. */
  progress?: Readonly<Record<string, unknown>>;
}

export type SyncMode = 'initial' | 'incremental';

export interface SyncRequest {
  mode: SyncMode;
  /** The cursor stored after the last committed page; {} at the very first sync. */
  cursor: SyncCursor;
}

/** What an adapter may use while it runs; everything else stays with the orchestrator. */
export interface ConnectorContext<Credentials = unknown> {
  workspaceId: string;
  connectionId: string;
  connectorName: string;
  credentials: Credentials;
  /** connections.metadata: selection (boards, folders…), owner directories an onConnected hook stored. */
  metadata: Readonly<Record<string, unknown>>;
  /** Configured with the resolved base URL, auth headers, rate limit and timeouts. */
  http: HttpClient;
  log: Logger;
  signal: AbortSignal;
  /** Workspace overrides (stage_mappings) first, then the built-in rules. */
  normaliseStage(input: StageInput): StageNormalized | null;
}

export interface UserDirectoryEntry {
  source_user_id: string;
  email: string | null;
  name: string | null;
  title?: string | null;
  is_active?: boolean;
}

/** A transcript in one shape whatever the source: segments in order, times in seconds. */
export interface Transcript {
  segments: Array<{
    speaker_id: string | null;
    speaker_name: string | null;
    start: number | null;
    end: number | null;
    text: string;
    topic?: string | null;
  }>;
}

export interface ConnectorHttpProfile<Credentials> {
  /** Service name on UpstreamError and in logs, e.g. 'hubspot'. */
  service: string;
  /** Used when neither the connection's base_url nor PANDORA_<NAME>_BASE_URL is set. */
  defaultBaseUrl(credentials: Credentials): string;
  /**
   * Set when defaultBaseUrl comes from the tenant's credentials (Salesforce's instance_url): names the
   * field, and the URL is then held to the outbound policy like a connection's own base_url.
   */
  baseUrlFromCredentials?: string;
  authHeaders(credentials: Credentials): Record<string, string>;
  /** The published limit, e.g. HubSpot 100 requests / 10 s per app. */
  rateLimit: RateLimit;
  /** GraphQL sources: decide which `errors[]` payloads are worth a retry (complexity, rate). */
  classifyGraphqlErrors?: (errors: readonly unknown[]) => ErrorVerdict;
  /** Sources whose error statuses mean something else, e.g. Google's 403 for a rate limit. */
  classifyErrorResponse?: ErrorResponseClassifier;
  /**
   * OAuth sources: exchanges the credentials' refresh_token for a new access token (the refresh grant of
   * the deployment's OAuth app). Throws UpstreamAuthError when the source refuses.
   */
  refreshAccessToken?(
    credentials: Credentials,
    client: { clientId: string; clientSecret: string },
    baseUrl: string,
  ): Promise<Credentials>;
}

export interface ConnectorAdapter<Credentials = unknown> {
  /** connections.connector_name and the default `source` of the rows it yields. */
  readonly name: string;
  /** Validated on connect and again before every sync. */
  readonly credentialsSchema: z.ZodType<Credentials>;
  readonly http: ConnectorHttpProfile<Credentials>;
  /** Which tables it writes (for status counts and purge). */
  entities(): readonly EntityName[];
  /** A cheap authenticated call; throws UpstreamAuthError on bad credentials. */
  testConnection(ctx: ConnectorContext<Credentials>): Promise<{ account?: string } | undefined>;
  sync(ctx: ConnectorContext<Credentials>, request: SyncRequest): AsyncGenerator<SyncPage, void, undefined>;

  /** Runs once after connect; whatever it returns is merged into connections.metadata. */
  onConnected?(ctx: ConnectorContext<Credentials>): Promise<Record<string, unknown> | undefined>;
  /**
   * Why a sync cannot start yet (e.g. no tracked users selected), as a message telling the user what to
   * do; null when it can. Absent means always ready. The sync request answers 409 with the message.
   */
  readyToSync?(metadata: Readonly<Record<string, unknown>>): string | null;
  /** Checks a selection (boards, folders…) before it is stored in metadata.selection. */
  validateSelection?(ctx: ConnectorContext<Credentials>, selection: unknown): Promise<unknown>;
  fetchUserDirectory?(ctx: ConnectorContext<Credentials>): Promise<UserDirectoryEntry[]>;
  /** The recording's transcript; null when the source no longer has it (deleted, retention expired). */
  fetchTranscript?(ctx: ConnectorContext<Credentials>, sourceId: string): Promise<Transcript | null>;
  /**
   * Every association the source holds now (all records, in batches), for the reconciliation pass:
   * associations change without moving the modified times the incremental cursor watches.
   */
  readAssociations?(ctx: ConnectorContext<Credentials>): AsyncGenerator<AssociationBatch, void, undefined>;
  /** Records per entity as the source's own totals say (HubSpot search total, Salesforce COUNT()). */
  countAtSource?(ctx: ConnectorContext<Credentials>): Promise<Partial<Record<EntityName, number>>>;
  /** The file as text; null when it has no text form (a binary); throws GoneError when the source lost it. */
  fetchDocumentContent?(
    ctx: ConnectorContext<Credentials>,
    sourceId: string,
  ): Promise<{ mimeType: string; text: string } | null>;
}

/** Parents before children, so refs in a page resolve against rows written earlier in the same page. */
export const ENTITY_WRITE_ORDER: readonly EntityName[] = [
  'accounts',
  'contacts',
  'deals',
  'leads',
  'activities',
  'calls',
  'conversations',
  'tasks',
  'documents',
];

/** Type-erased adapter for the registry. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds adapters of every credential type.
export type AnyConnectorAdapter = ConnectorAdapter<any>;
