/**
 * Sync throughput: a fake HubSpot serving N deals + N contacts (default 200k each), synced end to end
 * (HTTP, normalisation, orchestrator page transactions, cursor and sync_log writes) on the PostgreSQL
 * server, versus the bare bulkUpsert of the same normalised rows into a fresh database.
 * As on the server, the post-sync chain (linker, computed fields, …) is a job of its own: it is timed
 * separately (post_sync_seconds) and reported with the sync as end_to_end_with_post_sync_vs_bare.
 * Prints one JSON line. Usage: DATABASE_URL=… npm run bench:sync [-- --records 200000]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config.ts';
import { hubspotAdapter } from '../../src/connectors/hubspot/hubspot-adapter.ts';
import type { HubspotRecord } from '../../src/connectors/hubspot/hubspot-api.ts';
import { type HubspotLookups, normaliseRecord } from '../../src/connectors/hubspot/hubspot-normalise.ts';
import { saveConnection } from '../../src/connectors/connections.ts';
import { createCredentialVault } from '../../src/connectors/credential-vault.ts';
import { createStageNormaliser } from '../../src/compute/stage-normalisation.ts';
import { bulkUpsert, type UpsertRow } from '../../src/db/bulk-upsert.ts';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { ENTITY_TABLES } from '../../src/entities/entity-tables.ts';
import { createLogger } from '../../src/logger.ts';
import { createInProcessQueue } from '../../src/jobs/in-process-queue.ts';
import { runSync, type SyncDeps } from '../../src/sync/orchestrator.ts';
import { runPostSyncChain } from '../../src/sync/post-sync-chain.ts';
import { queueSync } from '../../src/sync/sync-log.ts';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type HsObject, PIPELINES } from '../../test/fakes/fake-hubspot.ts';
import { BENCH_TOKEN, dataset } from './bench-dataset.ts';

const { values } = parseArgs({ options: { records: { type: 'string', default: '200000' } } });
const N = Number(values.records);
const serverUrl = loadConfig().databaseUrl;
if (!serverUrl) {
  console.error('bench:sync runs on the PostgreSQL server: set DATABASE_URL');
  process.exit(2);
}

async function scratchDb(admin: Db): Promise<{ db: Db; drop(): Promise<void> }> {
  const name = `pandora_bench_sync_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl!);
  url.pathname = `/${name}`;
  const db = createPgDb(url.toString(), 4);
  await migrate(db);
  return {
    db,
    async drop() {
      await db.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

const newWorkspace = async (db: Db) =>
  (await db.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('bench') RETURNING id`)).rows[0]!.id;

function asRecord(o: HsObject): HubspotRecord {
  return {
    id: o.id,
    properties: { hs_object_id: o.id, ...o.properties },
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    archived: false,
  };
}

/**
 * Bare: the same normalised rows straight into bulkUpsert. Its dataset and rows live only in here, so the
 * end-to-end run that follows does not carry them on its heap.
 */
async function timeBareUpsert(admin: Db): Promise<number> {
  const data = dataset(N);
  const bare = await scratchDb(admin);
  const lookups: HubspotLookups = {
    owners: new Map(data.owners.map((o) => [o.id, o.email])),
    stages: new Map(
      PIPELINES.results[0]!.stages.map((s) => [
        s.id!,
        {
          label: s.label!,
          pipelineLabel: 'Sales Pipeline',
          probability: Number(s.metadata.probability) * 100,
          isClosed: s.metadata.isClosed === 'true',
        },
      ]),
    ),
    customProperties: new Map(),
    normaliseStage: createStageNormaliser(new Map()),
  };
  const contactRows: UpsertRow[] = data.objects.contacts.map((o) => ({
    ...normaliseRecord('contacts', asRecord(o), lookups).record.row,
    account_id: null,
  }));
  const dealRows: UpsertRow[] = data.objects.deals.map((o) => ({
    ...normaliseRecord('deals', asRecord(o), lookups).record.row,
    account_id: null,
  }));
  const bareWs = await newWorkspace(bare.db);
  const b0 = performance.now();
  await withWorkspace(bare.db, bareWs, (tx) => bulkUpsert(tx, ENTITY_TABLES.contacts, bareWs, contactRows));
  await withWorkspace(bare.db, bareWs, (tx) => bulkUpsert(tx, ENTITY_TABLES.deals, bareWs, dealRows));
  const bareSeconds = (performance.now() - b0) / 1000;
  await bare.drop();
  return bareSeconds;
}

async function main() {
  // The fake API runs in its own process, as HubSpot would: its CPU is not the sync's.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./fake-process.ts', import.meta.url).pathname, String(N)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fake exited ${code}`)));
  });
  const fake = JSON.parse(line) as { url: string };
  const admin = createPgDb(serverUrl!, 1);
  const log = createLogger('silent');
  const config = loadConfig({ ...process.env, PANDORA_HUBSPOT_RATE_LIMIT: '1000000/1', LOG_LEVEL: 'silent' });
  const vault = createCredentialVault(randomBytes(32));
  try {
    const bareSeconds = await timeBareUpsert(admin);

    // End to end: the orchestrator pulling from the fake API.
    const e2e = await scratchDb(admin);
    const ws = await newWorkspace(e2e.db);
    const syncLogId = await withWorkspace(e2e.db, ws, async (tx) => {
      const conn = await saveConnection(tx, ws, {
        name: 'hubspot',
        credentials: vault.encrypt({ access_token: BENCH_TOKEN }),
        baseUrl: fake.url,
        metadata: {},
      });
      return (
        await queueSync(tx, ws, {
          connectionId: conn.id,
          connectorName: 'hubspot',
          trigger: 'manual',
          mode: 'initial',
        })
      ).row.id;
    });
    // The sync enqueues its post-sync job; the queue starts once the sync is timed, as a worker would.
    const syncAndPostSync = async (logId: string) => {
      const queue = createInProcessQueue(log);
      await queue.work('post-sync', (job) =>
        runPostSyncChain({
          db: e2e.db,
          log,
          workspaceId: job.workspace_id,
          syncLogId: job.sync_log_id,
        }).then(() => undefined),
      );
      const deps: SyncDeps = { db: e2e.db, config, log, vault, queue };
      const t0 = performance.now();
      const row = await runSync(deps, ws, logId);
      const syncSeconds = (performance.now() - t0) / 1000;
      const p0 = performance.now();
      await queue.start();
      await queue.idle(60 * 60_000);
      await queue.stop();
      return { row, syncSeconds, postSyncSeconds: (performance.now() - p0) / 1000 };
    };
    const first = await syncAndPostSync(syncLogId);
    const result = first.row;
    const e2eSeconds = first.syncSeconds;
    if (result.status !== 'succeeded') throw new Error(`sync failed: ${result.error}`);
    const written = (result.counts.deals?.inserted ?? 0) + (result.counts.contacts?.inserted ?? 0);
    // A second run over unchanged data: every row read again, none written.
    const rerunId = await withWorkspace(e2e.db, ws, async (tx) => {
      const conn = (
        await tx.query<{ id: string }>(`SELECT id FROM connections WHERE workspace_id = $1`, [ws])
      ).rows[0]!;
      return (
        await queueSync(tx, ws, {
          connectionId: conn.id,
          connectorName: 'hubspot',
          trigger: 'manual',
          mode: 'initial',
        })
      ).row.id;
    });
    const second = await syncAndPostSync(rerunId);
    const rerun = second.row;
    const rerunSeconds = second.syncSeconds;
    await e2e.drop();

    const total = 2 * N;
    const bareRate = total / bareSeconds;
    const e2eRate = total / e2eSeconds;
    console.log(
      JSON.stringify({
        bench: 'sync',
        backend: 'postgres',
        connector: hubspotAdapter.name,
        deals: N,
        contacts: N,
        rows_written: written,
        bare_upsert_seconds: +bareSeconds.toFixed(2),
        bare_upsert_records_per_s: Math.round(bareRate),
        end_to_end_seconds: +e2eSeconds.toFixed(2),
        end_to_end_records_per_s: Math.round(e2eRate),
        end_to_end_vs_bare: +(e2eRate / bareRate).toFixed(3),
        post_sync_seconds: +first.postSyncSeconds.toFixed(2),
        end_to_end_with_post_sync_vs_bare: +(bareSeconds / (e2eSeconds + first.postSyncSeconds)).toFixed(3),
        unchanged_rerun_seconds: +rerunSeconds.toFixed(2),
        unchanged_rerun_records_per_s: Math.round(total / rerunSeconds),
        unchanged_rerun_post_sync_seconds: +second.postSyncSeconds.toFixed(2),
        unchanged_rerun_writes:
          (rerun.counts.deals?.updated ?? 0) +
          (rerun.counts.contacts?.updated ?? 0) +
          (rerun.counts.deals?.inserted ?? 0) +
          (rerun.counts.contacts?.inserted ?? 0),
      }),
    );
  } finally {
    child.kill('SIGTERM');
    await admin.close();
  }
}

await main();
