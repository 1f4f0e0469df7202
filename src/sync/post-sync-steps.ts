/**
 * The post-sync step registry. A step declares the entities whose changes it reacts to (the linker reads
 * conversations, contacts, accounts and deals); after a sync, the demo's world or an applied import, the
 * chain runs the steps whose inputs changed, whatever wrote them. Capabilities register their steps from
 * their own modules (loaded by all-post-sync-steps.ts); stage normalisation is the registry's own.
 */
import { applyStageOverrides } from '../compute/stage-mappings.ts';
import type { Db } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import type { Logger } from '../logger.ts';

/** What a write can change, as a step's input: the core entities. */
export const CHANGE_KINDS = [
  'accounts',
  'contacts',
  'deals',
  'activities',
  'calls',
  'conversations',
  'tasks',
  'documents',
  'leads',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

// Tables written beside an entity count as a change of that entity (deal contacts move the linker's
// contact votes and the engagement scores; stage history moves velocity).
const CHANGE_KIND_OF_TABLE: Readonly<Record<string, ChangeKind>> = {
  deal_contacts: 'deals',
  deal_stage_history: 'deals',
  // Calls of a deal deleted at the source lose their link: the linker must look at them again.
  conversations_released: 'conversations',
  deal_field_history: 'deals',
};

export interface PostSyncContext {
  db: Db;
  log: Logger;
  workspaceId: string;
  connectorName: string;
  syncLogId: string;
  /** The entities the write changed; the chain ran the steps reacting to any of them. */
  changed: ReadonlySet<ChangeKind>;
}

export interface PostSyncStep {
  /** Unique; shown in sync_log.progress.post_sync. */
  name: string;
  /** Lower runs first: 100 internal-meeting filter, 200 linker, 300 stage normalisation, 400 computed fields, 450 rollups. */
  order: number;
  /** The step runs when any of these changed. */
  reactsTo: readonly ChangeKind[];
  /** Returns a small summary for the log, e.g. { deals_updated: 3 }. */
  run(ctx: PostSyncContext): Promise<Record<string, unknown> | undefined>;
}

const steps = new Map<string, PostSyncStep>();

export function registerPostSyncStep(step: PostSyncStep): void {
  steps.set(step.name, step);
}

export function unregisterPostSyncStep(name: string): void {
  steps.delete(name);
}

/** Every registered step in run order; with `changed`, only those reacting to one of those entities. */
export function postSyncSteps(changed?: Iterable<ChangeKind>): PostSyncStep[] {
  const set = changed ? new Set(changed) : null;
  return [...steps.values()]
    .filter((s) => !set || s.reactsTo.some((kind) => set.has(kind)))
    .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}

/**
 * The entities a write changed, from its per-table counts (`{deals: {inserted, updated, …}}`, the shape
 * of sync_log.counts, the generator's tables and an import's counts): any row inserted, updated or deleted.
 */
export function changedEntities(
  counts: Readonly<
    Record<string, { inserted?: number; updated?: number; unchanged?: number; deleted?: number }>
  >,
): ChangeKind[] {
  const changed = new Set<ChangeKind>();
  for (const [table, c] of Object.entries(counts)) {
    const kind = CHANGE_KIND_OF_TABLE[table] ?? table;
    if (!isChangeKind(kind)) continue;
    if ((c.inserted ?? 0) + (c.updated ?? 0) + (c.deleted ?? 0) > 0) changed.add(kind);
  }
  return CHANGE_KINDS.filter((k) => changed.has(k));
}

export function isChangeKind(value: string): value is ChangeKind {
  return (CHANGE_KINDS as readonly string[]).includes(value);
}

registerPostSyncStep({
  name: 'stage-normalisation',
  order: 300,
  reactsTo: ['deals'],
  async run(ctx) {
    const updated = await withWorkspace(ctx.db, ctx.workspaceId, (tx) =>
      applyStageOverrides(tx, ctx.workspaceId),
    );
    return { deals_updated: updated };
  },
});
