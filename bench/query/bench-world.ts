/**
 * The benchmark's data: the synthetic GTM world of src/generator (every entity, realistic spreads), or
 * with `--world plain` accounts and deals (plain-world.ts) and linked calls (plain-calls.ts), which load
 * several times faster.
 */
import type { Db } from '../../src/db/db.ts';
import { compactPipelineRollups } from '../../src/entities/pipeline-rollups.ts';
import { generateWorld } from '../../src/generator/world.ts';
import { writePlainCalls } from './plain-calls.ts';
import { writePlainWorld } from './plain-world.ts';

export type WorldKind = 'generator' | 'plain';

export async function generateBenchWorld(
  db: Db,
  workspaceId: string,
  deals: number,
  seed: number,
  kind: WorldKind,
): Promise<{ rows: number; generator: string }> {
  if (kind === 'plain') {
    const rows =
      (await writePlainWorld(db, workspaceId, deals, seed)) + (await writePlainCalls(db, workspaceId, deals));
    // What the post-sync chain does after a real load.
    await compactPipelineRollups(db, workspaceId);
    return { rows, generator: 'bench/query/plain-world' };
  }
  const summary = await generateWorld(db, workspaceId, { deals, seed });
  return { rows: summary.totalRows, generator: 'src/generator' };
}
