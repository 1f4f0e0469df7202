/** The benchmark's fake HubSpot (companies, contacts and deals with associations) in a process of its own. */
import { makeHubspotDataset, startFakeHubspot } from '../../test/fakes/fake-hubspot.ts';

const fake = await startFakeHubspot(makeHubspotDataset(Number(process.argv[2] ?? 5000)));
console.log(JSON.stringify({ url: fake.url, token: fake.data.token }));
process.once('SIGTERM', () => fake.close().then(() => process.exit(0)));
