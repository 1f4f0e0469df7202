import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FakeServer } from '../fakes/fake-server.ts';
import { type HubspotDataset, makeHubspotDataset, startFakeHubspot } from '../fakes/fake-hubspot.ts';
import { type ConnectorApp, startConnectorApp } from '../helpers/connector-app.ts';

let app: ConnectorApp;
let hs: FakeServer & { data: HubspotDataset };
before(async () => {
  app = await startConnectorApp({ PANDORA_HUBSPOT_RATE_LIMIT: '1000/1', PANDORA_SYNC_STALE_SECONDS: '1' });
  hs = await startFakeHubspot(makeHubspotDataset(5));
});
after(async () => {
  await app?.close();
  await hs?.close();
});

test("the workers' watchdog takes over a run whose heartbeat stopped and completes the source once", async () => {
  const res = await app.api('POST', '/connectors/hubspot/connect', {
    credentials: { access_token: hs.data.token },
    base_url: hs.url,
  });
  assert.equal(res.status, 201, res.text);
  await app.deps.queue.idle(60_000);
  // A process died mid-sync: its run is still running, with a heartbeat that stopped.
  const lost = await app.t.db.query<{ id: string }>(
    `INSERT INTO sync_log (workspace_id, connection_id, connector_name, trigger, mode, status, phase, started_at, heartbeat_at, worker_id)
     SELECT workspace_id, id, 'hubspot', 'manual', 'incremental', 'running', 'fetching', now(), now() - interval '1 minute', 'gone:1'
     FROM connections WHERE workspace_id = $1 AND connector_name = 'hubspot' RETURNING id`,
    [app.workspaceId],
  );
  let next: any;
  for (let i = 0; i < 100 && !next; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const list = (await app.api('GET', '/sync-log?connector=hubspot')).body.data;
    next = list.find((l: any) => l.id !== lost.rows[0]!.id && l.id !== res.body.sync_log_id);
  }
  assert.ok(next, 'a resuming run was started');
  await app.deps.queue.idle(60_000);
  const old = (await app.api('GET', `/sync-log/${lost.rows[0]!.id}`)).body;
  assert.equal(old.status, 'failed');
  assert.match(old.error, /^worker_lost/);
  const done = (await app.api('GET', `/sync-log/${next.id}`)).body;
  assert.equal(done.status, 'succeeded', done.error);
  const deals = await app.t.db.query<{ n: number; d: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT source_id)::int AS d FROM deals WHERE workspace_id = $1`,
    [app.workspaceId],
  );
  assert.deepEqual(deals.rows[0], { n: 5, d: 5 });
});
