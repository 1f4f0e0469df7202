/**
 * An ICP profile learned from a small seeded world, and every lead, contact and account scored against
 * it. Such worlds have too few deals for the skill's defaults, so every supported feature is a weight here.
 */
import type { Db } from '../../src/db/db.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { trainingSet } from '../../src/icp/icp-features.ts';
import {
  buildModel,
  committeeSizes,
  judgeFeatures,
  scoringWeights,
  writeProfile,
} from '../../src/icp/icp-profile.ts';
import { scoreEntities } from '../../src/icp/lead-scoring.ts';

export async function learnIcpProfile(db: Db, ws: string): Promise<void> {
  const opts = { min_deals: 1, min_accounts: 1, alpha: 1.01, min_closed_deals: 1 };
  await withWorkspace(db, ws, async (tx) => {
    const set = await trainingSet(tx, ws, null);
    const features = judgeFeatures(set, opts);
    const model = buildModel(set, features, await committeeSizes(tx, ws, null), null, opts);
    const profile = await writeProfile(tx, ws, model, 'profile of a seeded world');
    await scoreEntities(tx, ws, profile, scoringWeights(model));
  });
}
