/**
 * Association reconciliation and the health ledger: a fake HubSpot (in its own process) with N deals,
 * 2N contacts and N companies is synced in full; then a share of the stored associations is damaged
 * (deal↔contact rows removed, deal and contact accounts cleared) and one reconciliation pass restores
 * them. Figures: the full sync and the pass in seconds, associations checked per second, what the pass
 * corrected (it must equal the damage), the pass against the full sync (reconcile_vs_full_sync), and the
 * ledger's read latency. Embedded (PGlite, a fresh data folder) first, then the server when DATABASE_URL
 * is set, with server_vs_embedded for the pass. Prints one JSON line.
 * Usage: [DATABASE_URL=…] npm run bench:sync-health [-- --deals 5000 --damage 0.02]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config.ts';
import { saveConnection } from '../../src/connectors/connections.ts';
import { createCredentialVault } from '../../src/connectors/credential-vault.ts';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgliteDb } from '../../src/db/pglite-driver.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { createLogger } from '../../src/logger.ts';
import { queueReconciliation, runReconciliation } from '../../src/sync/association-reconciliation.ts';
import { runSync } from '../../src/sync/orchestrator.ts';
import { getSyncHealth } from '../../src/sync/sync-health.ts';
import { queueSync } from '../../src/sync/sync-log.ts';
import { createScratchDb } from '../support/scratch-db.ts';

const { values } = parseArgs({
  options: { deals: { type: 'string', default: '5000' }, damage: { type: 'string', default: '0.02' } },
});
const N = Number(values.deals);
const DAMAGE = Number(values.damage);

async function startFake(): Promise<{ url: string; token: string; stop(): void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./fake-process.ts', import.meta.url).pathname, String(N)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fake exited ${code}`)));
  });
  return { ...(JSON.parse(line) as { url: string; token: string }), stop: () => child.kill('SIGTERM') };
}

const seconds = (t0: number) => Math.round((performance.now() - t0) / 10) / 100;

async function runOn(db: Db, fake: { url: string; token: string }) {
  const config = loadConfig({
    ...process.env,
    PANDORA_HUBSPOT_RATE_LIMIT: '1000000/1',
    LOG_LEVEL: 'silent',
    // The fake listens on loopback.
    PANDORA_PRIVATE_UPSTREAMS: 'allow',
  });
  const deps = { db, config, log: createLogger('silent'), vault: createCredentialVault(randomBytes(32)) };
  const ws = (await db.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('bench') RETURNING id`))
    .rows[0]!.id;
  const syncLogId = await withWorkspace(db, ws, async (tx) => {
    const conn = await saveConnection(tx, ws, {
      name: 'hubspot',
      credentials: deps.vault.encrypt({ access_token: fake.token }),
      baseUrl: fake.url,
      metadata: {},
    });
    const { row } = await queueSync(tx, ws, {
      connectionId: conn.id,
      connectorName: 'hubspot',
      trigger: 'manual',
      mode: 'initial',
    });
    return row.id;
  });
  let t0 = performance.now();
  const sync = await runSync(deps, ws, syncLogId);
  if (sync.status !== 'succeeded') throw new Error(`sync ${sync.status}: ${sync.error}`);
  const fullSync = seconds(t0);

  // The damage a stale cursor leaves: links the source dropped or moved, as seen from the other side.
  const damaged = await withWorkspace(db, ws, async (tx) => {
    const dc = await tx.query(
      `DELETE FROM deal_contacts WHERE workspace_id = $1::uuid
       AND id IN (SELECT id FROM deal_contacts WHERE workspace_id = $1::uuid ORDER BY id
                  LIMIT (SELECT ceil(count(*) * $2::float8) FROM deal_contacts WHERE workspace_id = $1::uuid))`,
      [ws, DAMAGE],
    );
    const deals = await tx.query(
      `UPDATE deals SET account_id = NULL WHERE workspace_id = $1::uuid
       AND id IN (SELECT id FROM deals WHERE workspace_id = $1::uuid ORDER BY id
                  LIMIT (SELECT ceil(count(*) * $2::float8) FROM deals WHERE workspace_id = $1::uuid))`,
      [ws, DAMAGE],
    );
    const contacts = await tx.query(
      `UPDATE contacts SET account_id = NULL WHERE workspace_id = $1::uuid
       AND id IN (SELECT id FROM contacts WHERE workspace_id = $1::uuid ORDER BY id
                  LIMIT (SELECT ceil(count(*) * $2::float8) FROM contacts WHERE workspace_id = $1::uuid))`,
      [ws, DAMAGE],
    );
    return { deal_contacts: dc.rowCount, deal_accounts: deals.rowCount, contact_accounts: contacts.rowCount };
  });

  const started = await queueReconciliation(deps, ws, 'hubspot', 'manual');
  t0 = performance.now();
  const pass = await runReconciliation(deps, ws, started.row.id);
  const reconcile = seconds(t0);
  if (pass.status !== 'succeeded') throw new Error(`reconciliation ${pass.status}: ${pass.error}`);
  const c = pass.counts;
  const checked =
    (c.deal_contact?.checked ?? 0) + (c.deal_account?.checked ?? 0) + (c.contact_account?.checked ?? 0);

  const reads: number[] = [];
  for (let i = 0; i < 5; i++) {
    const h0 = performance.now();
    await withWorkspace(db, ws, (tx) => getSyncHealth(tx, ws, 'hubspot', { windowDays: 30 }));
    reads.push(performance.now() - h0);
  }
  reads.sort((a, b) => a - b);
  return {
    full_sync_seconds: fullSync,
    reconcile_seconds: reconcile,
    reconcile_vs_full_sync: Math.round((reconcile / fullSync) * 100) / 100,
    records_checked_per_second: Math.round(checked / reconcile),
    damaged,
    corrected: {
      deal_contacts: c.deal_contact?.added ?? 0,
      deal_accounts: c.deal_account?.added ?? 0,
      contact_accounts: c.contact_account?.added ?? 0,
    },
    source_requests: (c as { http?: { requests?: number } }).http?.requests ?? null,
    health_read_ms_median: Math.round(reads[2]! * 10) / 10,
  };
}

async function main() {
  const fake = await startFake();
  const out: Record<string, unknown> = { deals: N, contacts: 2 * N, companies: N, damage: DAMAGE };
  try {
    const dir = mkdtempSync(join(tmpdir(), 'pandora-bench-sync-health-'));
    const embedded = await createPgliteDb(join(dir, 'pgdata'));
    try {
      await migrate(embedded);
      out.embedded = await runOn(embedded, fake);
    } finally {
      await embedded.close();
      rmSync(dir, { recursive: true, force: true });
    }
    if (process.env.DATABASE_URL) {
      const server = await createScratchDb(process.env.DATABASE_URL, 'pandora_bench_sync_health', 4);
      try {
        out.server = await runOn(server.db, fake);
      } finally {
        await server.drop();
      }
      const e = out.embedded as { reconcile_seconds: number };
      const s = out.server as { reconcile_seconds: number };
      out.reconcile_server_vs_embedded = Math.round((s.reconcile_seconds / e.reconcile_seconds) * 100) / 100;
    }
    out.loadavg = readFileSync('/proc/loadavg', 'utf8').trim();
  } finally {
    fake.stop();
  }
  console.log(JSON.stringify(out));
}

await main();
