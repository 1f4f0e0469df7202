import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { describeFailure, fuzzApi } from './openapi-fuzz.ts';
import { type FuzzWorld, startFuzzWorld } from './fuzz-world.ts';

// CI's bounded run: a fixed seed, so a failure here replays exactly (`npm run fuzz` explores further).
const SEED = 20_240_229;
const RUNS_PER_OPERATION = 14;

describe('API fuzz from the OpenAPI document', () => {
  let world: FuzzWorld;
  before(async () => {
    world = await startFuzzWorld();
  });
  after(() => world.close());

  test('no response ≥ 500, every 4xx has the error shape, no error-level log, the neighbour untouched', async () => {
    const neighbourBefore = await world.neighbourFingerprint();
    const doc = await (await fetch(`${world.url}/api/openapi.json`)).json();
    const report = await fuzzApi(doc, { world, seed: SEED, runsPerOperation: RUNS_PER_OPERATION });
    console.log(
      `fuzz: seed ${report.seed}, ${report.operations} operations, ${report.requests} requests, ` +
        `${report.serverErrors.length} 5xx, ${report.badErrorShapes.length} 4xx without the error shape ` +
        JSON.stringify(report.statuses),
    );
    assert.ok(report.operations > 40, `only ${report.operations} operations found`);
    assert.deepEqual(report.serverErrors.map(describeFailure), []);
    assert.deepEqual(report.badErrorShapes.map(describeFailure), []);
    assert.deepEqual(
      world.errorLogs.map((l) => l.slice(0, 400)),
      [],
    );
    assert.equal(await world.neighbourFingerprint(), neighbourBefore);
  });
});
