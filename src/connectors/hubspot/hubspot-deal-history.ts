/**
 * Deal history from HubSpot's property history (batch read with propertiesWithHistory): every stage a
 * deal went through with HubSpot's own timestamps, and each close-date and amount change, so stage
 * velocity and close-date slips are real from the first sync.
 */
import type { DealFieldChange, StageTransition } from '../adapter.ts';
import type { HttpClient } from '../http-client.ts';
import { type PropertyHistory, readPropertyHistory } from './hubspot-api.ts';
import type { HubspotLookups } from './hubspot-normalise.ts';

const HISTORY_PROPERTIES = ['dealstage', 'closedate', 'amount'] as const;
const SOURCE = 'hubspot_history';

function oldestFirst(entries: PropertyHistory[string] | undefined) {
  return [...(entries ?? [])]
    .map((e) => ({ value: e.value === '' ? null : e.value, at: new Date(e.timestamp) }))
    .filter((e) => !Number.isNaN(e.at.getTime()))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}

const dayOf = (v: string | null) => {
  if (v === null) return null;
  const d = /^\d{11,}$/.test(v) ? new Date(Number(v)) : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().slice(0, 10);
};

export function dealHistoryOf(
  dealId: string,
  history: PropertyHistory,
  lookups: HubspotLookups,
): { transitions: StageTransition[]; changes: DealFieldChange[] } {
  const transitions: StageTransition[] = [];
  let previous = null as { label: string; normalized: string | null } | null;
  for (const e of oldestFirst(history.dealstage)) {
    if (e.value === null) continue;
    const info = lookups.stages.get(e.value);
    const label = info?.label ?? e.value;
    if (previous?.label === label) continue;
    const normalized = lookups.normaliseStage({
      source: 'hubspot',
      rawStage: label,
      alias: e.value,
      probability: info?.probability ?? null,
      isClosed: info?.isClosed ?? null,
      isWon: info?.isClosed ? (info.probability ?? 0) >= 100 : false,
    });
    transitions.push({
      deal_source_id: dealId,
      to_stage: label,
      from_stage: previous?.label ?? null,
      to_stage_normalized: normalized,
      from_stage_normalized: previous?.normalized ?? null,
      changed_at: e.at.toISOString(),
      source: SOURCE,
    });
    previous = { label, normalized };
  }
  const changes: DealFieldChange[] = [];
  for (const [property, field, read] of [
    ['closedate', 'close_date', dayOf],
    ['amount', 'amount', (v: string | null) => v],
  ] as const) {
    const entries = oldestFirst(history[property]);
    for (let i = 1; i < entries.length; i++) {
      const before = read(entries[i - 1]!.value);
      const after = read(entries[i]!.value);
      if (before === after) continue;
      changes.push({
        deal_source_id: dealId,
        field,
        old_value: before,
        new_value: after,
        changed_at: entries[i]!.at.toISOString(),
        source: SOURCE,
      });
    }
  }
  return { transitions, changes };
}

/** The history of the given deals, read in batches of 50. */
export async function readDealHistory(
  http: HttpClient,
  dealIds: readonly string[],
  lookups: HubspotLookups,
): Promise<{ transitions: StageTransition[]; changes: DealFieldChange[] }> {
  const out = { transitions: [] as StageTransition[], changes: [] as DealFieldChange[] };
  const histories = await readPropertyHistory(http, 'deals', dealIds, HISTORY_PROPERTIES);
  for (const [id, history] of histories) {
    const one = dealHistoryOf(id, history, lookups);
    out.transitions.push(...one.transitions);
    out.changes.push(...one.changes);
  }
  return out;
}
