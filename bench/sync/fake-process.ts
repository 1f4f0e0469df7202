/** The benchmark's fake HubSpot in a process of its own; prints {"url"} once listening. */
import { startFakeHubspot } from '../../test/fakes/fake-hubspot.ts';
import { dataset } from './bench-dataset.ts';

const fake = await startFakeHubspot(dataset(Number(process.argv[2] ?? 200000)));
console.log(JSON.stringify({ url: fake.url }));
process.once('SIGTERM', () => fake.close().then(() => process.exit(0)));
