/**
 * Batched classification on the cheap tier: items go in batches, each answer is validated against the
 * category list, and the offline provider classifies by keyword rules over the item text.
 */
import { z } from 'zod';
import type { LlmSession } from './llm-client.ts';
import type { DataBlock } from './llm-types.ts';

export interface Category {
  id: string;
  description: string;
  /** Lower-case keywords the offline rules look for; the first category with a hit wins. */
  keywords: readonly string[];
}

export interface ClassifyItem {
  id: string;
  text: string;
}

export interface ClassifyOutcome {
  labels: Map<string, string>;
  inputTokens: number;
  outputTokens: number;
  providers: Set<string>;
  notes: string[];
}

export function offlineCategory(text: string, categories: readonly Category[], fallback: string): string {
  const lower = text.toLowerCase();
  for (const c of categories) if (c.keywords.some((k) => lower.includes(k))) return c.id;
  return fallback;
}

export async function classifyItems(
  llm: LlmSession,
  task: string,
  items: readonly ClassifyItem[],
  categories: readonly Category[],
  opts: { fallback: string; batchSize?: number; onBatch?: (done: number, total: number) => void },
): Promise<ClassifyOutcome> {
  const ids = categories.map((c) => c.id) as [string, ...string[]];
  const output = z.object({
    labels: z.array(z.object({ id: z.string(), category: z.enum(ids) }).strict()).max(500),
  });
  const outcome: ClassifyOutcome = {
    labels: new Map(),
    inputTokens: 0,
    outputTokens: 0,
    providers: new Set(),
    notes: [],
  };
  const size = opts.batchSize ?? 25;
  const instructions =
    `Classify each record of the "items" block into exactly one category id from the "categories" block. ` +
    `Answer {"labels": [{"id": <item id>, "category": <category id>}]} with one entry per item. ` +
    `When no category fits, use "${opts.fallback}".`;
  for (let start = 0; start < items.length; start += size) {
    const batch = items.slice(start, start + size);
    const data: DataBlock[] = [
      { label: 'categories', records: categories.map((c) => ({ id: c.id, description: c.description })) },
      { label: 'items', records: batch.map((i) => ({ id: i.id, text: i.text.slice(0, 2000) })) },
    ];
    const result = await llm.call({
      tier: 'classify',
      task,
      instructions,
      data,
      output,
      offline: (blocks) => ({
        labels: (blocks.find((b) => b.label === 'items')?.records ?? []).map((r) => {
          const rec = r as { id: string; text: string };
          return { id: rec.id, category: offlineCategory(rec.text, categories, opts.fallback) };
        }),
      }),
    });
    outcome.inputTokens += result.inputTokens;
    outcome.outputTokens += result.outputTokens;
    outcome.providers.add(`${result.provider}:${result.model}`);
    outcome.notes.push(...result.notes);
    const wanted = new Set(batch.map((i) => i.id));
    // Ids the model invented are ignored; items it skipped get the fallback category.
    for (const l of result.value.labels) if (wanted.has(l.id)) outcome.labels.set(l.id, l.category);
    for (const i of batch) if (!outcome.labels.has(i.id)) outcome.labels.set(i.id, opts.fallback);
    opts.onBatch?.(Math.min(items.length, start + size), items.length);
  }
  return outcome;
}
