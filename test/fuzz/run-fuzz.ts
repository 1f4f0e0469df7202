/**
 * `npm run fuzz [-- --runs N --seed S]`: the API fuzz test for longer, with a random seed unless given.
 * Prints each failure as it happens and a closing line with the number of requests and of 5xx; exits 1
 * when anything failed.
 */
import { parseArgs } from 'node:util';
import { describeFailure, fuzzApi } from './openapi-fuzz.ts';
import { startFuzzWorld } from './fuzz-world.ts';

const { values } = parseArgs({ options: { runs: { type: 'string' }, seed: { type: 'string' } } });
const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const runsPerOperation = values.runs ? Number(values.runs) : 200;

const world = await startFuzzWorld();
const started = Date.now();
try {
  const neighbourBefore = await world.neighbourFingerprint();
  const doc = await (await fetch(`${world.url}/api/openapi.json`)).json();
  console.log(`fuzzing with seed ${seed}, ${runsPerOperation} requests per operation…`);
  const report = await fuzzApi(doc, {
    world,
    seed,
    runsPerOperation,
    onFailure: (f) => console.log(describeFailure(f)),
  });
  for (const line of world.errorLogs) console.log(`error log: ${line.slice(0, 400)}`);
  const neighbourUntouched = (await world.neighbourFingerprint()) === neighbourBefore;
  console.log(
    JSON.stringify({
      seed,
      operations: report.operations,
      requests: report.requests,
      server_errors: report.serverErrors.length,
      bad_error_shapes: report.badErrorShapes.length,
      error_logs: world.errorLogs.length,
      neighbour_untouched: neighbourUntouched,
      statuses: report.statuses,
      seconds: Math.round((Date.now() - started) / 1000),
    }),
  );
  const failed =
    report.serverErrors.length + report.badErrorShapes.length + world.errorLogs.length > 0 ||
    !neighbourUntouched;
  process.exitCode = failed ? 1 : 0;
} finally {
  await world.close();
}
