/**
 * Inbound webhook benchmark: how many signed CRM change notices per second `POST /webhooks/:id/events`
 * accepts, each with a fresh event id (signature check, replay receipt, event receipt, coalesced sync
 * request), on the embedded backend (PGlite in this process, fresh data folder) and, with DATABASE_URL, on
 * the server. One process serves HTTP and the database, as a user runs it.
 *
 *   npm run bench:webhooks -- [--events 2000] [--concurrency 16]
 * Progress goes to stderr; stdout gets one JSON line of figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgliteDb } from '../../src/db/pglite-driver.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { createLogger } from '../../src/logger.ts';
import { rotateSigningSecret } from '../../src/outputs/webhooks/inbound-webhooks.ts';
import { signatureHeaders } from '../../src/outputs/webhooks/webhook-signature.ts';
import { buildDeps, listen } from '../../src/server.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { createScratchDb } from '../support/scratch-db.ts';

const { values: args } = parseArgs({
  options: { events: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '16' } },
});
const EVENTS = Number(args.events);
const CONCURRENCY = Number(args.concurrency);
const log = (...parts: unknown[]) => console.error('[bench:webhooks]', ...parts);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

async function measure(db: Db, backend: string) {
  const config = loadConfig({ LOG_LEVEL: 'silent', PANDORA_ENCRYPTION_KEY: 'a'.repeat(64) });
  const deps = await buildDeps(config, db, createLogger('silent'), { ephemeral: true });
  const { server, url } = await listen(deps, 0, '127.0.0.1');
  const ws = await createWorkspace(db, { name: 'bench' });
  const secret = await withWorkspace(db, ws.id, async (tx) => {
    await tx.query(
      `INSERT INTO connections (workspace_id, connector_name, status, credentials) VALUES ($1::uuid, 'hubspot', 'connected', '\\x00'::bytea)`,
      [ws.id],
    );
    return (await rotateSigningSecret(tx, ws.id, deps.vault, 0)).secret;
  });
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < EVENTS; i = next++) {
        const body = JSON.stringify([
          { eventId: i + 1, subscriptionType: 'deal.propertyChange', objectId: 1000 + i, portalId: 1 },
        ]);
        const t0 = performance.now();
        const res = await fetch(`${url}/webhooks/${ws.id}/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...signatureHeaders(secret, body) },
          body,
        });
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (res.status !== 202) failed++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  server.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!);
  const figures = {
    backend,
    events: EVENTS,
    concurrency: CONCURRENCY,
    events_per_s: round(EVENTS / seconds),
    p50_ms: pct(0.5),
    p99_ms: pct(0.99),
    non_202: failed,
  };
  log(figures);
  return figures;
}

const results: Record<string, unknown>[] = [];
const dir = mkdtempSync(join(tmpdir(), 'pandora-bench-webhooks-'));
try {
  const pglite = await createPgliteDb(dir);
  await migrate(pglite);
  results.push(await measure(pglite, 'pglite'));
  await pglite.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (process.env.DATABASE_URL) {
  const scratch = await createScratchDb(process.env.DATABASE_URL, 'pandora_bench_webhooks');
  try {
    results.push(await measure(scratch.db, 'postgres'));
  } finally {
    await scratch.drop();
  }
} else log('DATABASE_URL unset: server figures skipped');
const [embedded, srv] = results as Array<{ events_per_s: number }>;
console.log(
  JSON.stringify({
    bench: 'webhooks-inbound',
    results,
    ...(srv ? { embedded_over_server: round(embedded!.events_per_s / srv.events_per_s, 2) } : {}),
  }),
);
