import assert from 'node:assert/strict';
import { postSyncSteps } from '../../src/sync/post-sync-steps.ts';
import { after, before, test } from 'node:test';
import type { FakeServer } from '../fakes/fake-server.ts';
import { type HubspotDataset, makeHubspotDataset, startFakeHubspot } from '../fakes/fake-hubspot.ts';
import { type ConnectorApp, startConnectorApp } from '../helpers/connector-app.ts';
import { serverUrl } from '../helpers/test-db.ts';

const skip = serverUrl ? false : 'pg-boss workers need the server backend (DATABASE_URL)';

let app: ConnectorApp;
let hs: FakeServer & { data: HubspotDataset };
before(async () => {
  if (skip) return;
  app = await startConnectorApp({ PANDORA_HUBSPOT_RATE_LIMIT: '1000/1' }, { queue: 'pg-boss' });
  hs = await startFakeHubspot(makeHubspotDataset(3));
});
after(async () => {
  await app?.close();
  await hs?.close();
});

test('a manual sync runs through pg-boss workers and the post-sync chain', { skip }, async () => {
  assert.equal(app.deps.queue.kind, 'pg-boss');
  const res = await app.api('POST', '/connectors/hubspot/connect', {
    credentials: { access_token: hs.data.token },
    base_url: hs.url,
  });
  assert.equal(res.status, 201, res.text);
  await app.deps.queue.idle(60_000);
  const log = (await app.api('GET', `/sync-log/${res.body.sync_log_id}`)).body;
  assert.equal(log.status, 'succeeded', log.error);
  assert.equal(log.counts.deals.inserted, 3);
  const steps = log.progress.post_sync.map((s: { name: string; status: string }) => `${s.name}:${s.status}`);
  // A CRM sync changes accounts, contacts and deals: the steps reacting to those run, linker included.
  assert.deepEqual(log.progress.changed, ['accounts', 'contacts', 'deals']);
  assert.deepEqual(
    steps,
    postSyncSteps(['accounts', 'contacts', 'deals']).map((s) => `${s.name}:succeeded`),
  );
  for (const name of ['internal-meeting-filter', 'linker', 'computed-fields', 'pipeline-rollups'])
    assert.ok(steps.includes(`${name}:succeeded`), name);
  const schedules = await app.t.db.query<{ name: string }>(`SELECT name FROM pgboss.schedule`);
  assert.deepEqual(
    schedules.rows.map((r) => r.name),
    ['sync-scheduler-tick'],
  );
});
