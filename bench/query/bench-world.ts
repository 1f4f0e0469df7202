/** The benchmark's data: the plain accounts-and-deals world (see plain-world.ts). */
import type { Db } from '../../src/db/db.ts';
import { writePlainWorld } from './plain-world.ts';

export async function generateBenchWorld(
  db: Db,
  workspaceId: string,
  deals: number,
  seed: number,
): Promise<{ rows: number; generator: string }> {
  return { rows: await writePlainWorld(db, workspaceId, deals, seed), generator: 'bench/query/plain-world' };
}
