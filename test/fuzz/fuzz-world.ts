/**
 * What the API fuzz test runs against: the real app on loopback over a fresh database, two seeded
 * tenants (the fuzzed one and a neighbour whose ids are thrown at the first), every external service
 * pointed at a loopback fake that turns credentials away, and a log that counts error-level lines.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { adapterNames } from '../../src/connectors/registry.ts';
import type { Db } from '../../src/db/db.ts';
import type { AppDeps } from '../../src/http/deps.ts';
import { settleSkillRuns } from '../../src/skills/skill-dispatch.ts';
import { buildDeps, listen } from '../../src/server.ts';
import { createApiKey } from '../../src/workspaces/api-keys.ts';
import { createQuotaPeriod } from '../../src/workspaces/quotas.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { type FakeServer, startFakeServer } from '../fakes/fake-server.ts';
import { seedGtmWorld } from '../helpers/seed-gtm.ts';
import { createTestDb } from '../helpers/test-db.ts';

export interface FuzzWorld {
  url: string;
  db: Db;
  deps: AppDeps;
  adminToken: string;
  workspaceId: string;
  /** A read/write key of the fuzzed workspace; its own id is kept out of the id pools. */
  key: string;
  /** Ids of records in the fuzzed workspace. */
  ownIds: string[];
  /** The neighbour workspace's id and its records' ids. */
  foreignIds: string[];
  /** A key of the neighbour workspace, and one that was revoked. */
  foreignKey: string;
  revokedKey: string;
  upstream: FakeServer;
  /** Error-level (and worse) log lines written since the start. */
  errorLogs: string[];
  /** Row counts of the neighbour workspace, to check that nothing leaked into or out of it. */
  neighbourFingerprint(): Promise<string>;
  close(): Promise<void>;
}

function capturingLogger(errorLogs: string[]) {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        try {
          if ((JSON.parse(line) as { level: number }).level >= 50) errorLogs.push(line);
        } catch {
          errorLogs.push(line);
        }
      }
      done();
    },
  });
  return pino({ level: 'warn' }, sink);
}

async function seedTenant(db: Db, name: string, prefix: string) {
  const ws = await db.transaction((tx) => createWorkspace(tx, { name }));
  const world = await seedGtmWorld(db, ws.id, { deals: 12, seed: prefix.length + 3, prefix });
  const key = await db.transaction((tx) => createApiKey(tx, ws.id, { name: 'fuzz' }));
  const spare = await db.transaction((tx) => createApiKey(tx, ws.id, { name: 'spare' }));
  const period = await db.transaction((tx) =>
    createQuotaPeriod(tx, ws.id, {
      name: 'Q1',
      period_type: 'quarter',
      start_date: '2026-01-01',
      end_date: '2026-03-31',
      team_quota: 100_000,
    }),
  );
  // A few calls at accounts but on no deal, so conversations-without-deals has pages (and cursors).
  await db.query(
    `UPDATE conversations SET deal_id = NULL, is_internal = false, account_id = $2::uuid
     WHERE workspace_id = $1::uuid AND id IN (SELECT id FROM conversations WHERE workspace_id = $1::uuid ORDER BY id LIMIT 4)`,
    [ws.id, world.accountIds[0]!],
  );
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM conversations WHERE workspace_id = $1::uuid
     UNION ALL SELECT id FROM activities WHERE workspace_id = $1::uuid
     UNION ALL SELECT id FROM documents WHERE workspace_id = $1::uuid`,
    [ws.id],
  );
  const ids = [
    ...world.dealIds.slice(0, 4),
    ...world.accountIds.slice(0, 2),
    ...world.contactIds.slice(0, 2),
    ...rows.slice(0, 6).map((r) => r.id),
    spare.apiKey.id,
    period.id,
  ];
  return { id: ws.id, key: key.plaintext, keyId: key.apiKey.id, ids };
}

export async function startFuzzWorld(): Promise<FuzzWorld> {
  const t = await createTestDb();
  // Every upstream answers 401: connect attempts end in a prompt 400, and nothing leaves the machine.
  const upstream = await startFakeServer(() => ({ status: 401, json: { message: 'unauthorized' } }));
  const env: Record<string, string> = {
    LOG_LEVEL: 'warn',
    PANDORA_ALLOWED_BASE_URL_HOSTS: '127.0.0.1',
    PANDORA_HTTP_TIMEOUT_MS: '2000',
    PANDORA_ANTHROPIC_BASE_URL: upstream.url,
    PANDORA_FIREWORKS_BASE_URL: upstream.url,
    PANDORA_API_KEY_CACHE_SECONDS: '0',
  };
  for (const name of adapterNames()) env[`PANDORA_${name.toUpperCase()}_BASE_URL`] = upstream.url;
  const errorLogs: string[] = [];
  const deps = await buildDeps(loadConfig(env), t.db, capturingLogger(errorLogs), { ephemeral: true });
  const { server, url } = await listen(deps, 0, '127.0.0.1');

  const mine = await seedTenant(t.db, 'Fuzzed', '');
  const neighbour = await seedTenant(t.db, 'Neighbour', 'n-');
  const revoked = await t.db.transaction((tx) => createApiKey(tx, mine.id, { name: 'revoked' }));
  await t.db.query('UPDATE api_keys SET revoked_at = now() WHERE workspace_id = $1::uuid AND id = $2::uuid', [
    mine.id,
    revoked.apiKey.id,
  ]);

  async function neighbourFingerprint(): Promise<string> {
    const { rows } = await t.db.query<{ t: string; n: number; h: string }>(
      /* sql */ `SELECT 'deals' AS t, count(*)::int AS n, md5(string_agg(id::text || name || coalesce(stage, ''), ',' ORDER BY id)) AS h
         FROM deals WHERE workspace_id = $1::uuid
       UNION ALL SELECT 'contacts', count(*)::int, md5(string_agg(id::text || coalesce(email, ''), ',' ORDER BY id)) FROM contacts WHERE workspace_id = $1::uuid
       UNION ALL SELECT 'api_keys', count(*)::int, md5(string_agg(id::text || coalesce(revoked_at::text, ''), ',' ORDER BY id)) FROM api_keys WHERE workspace_id = $1::uuid
       UNION ALL SELECT 'quota_periods', count(*)::int, md5(string_agg(id::text || team_quota::text, ',' ORDER BY id)) FROM quota_periods WHERE workspace_id = $1::uuid
       UNION ALL SELECT 'workspace', count(*)::int, md5(string_agg(name || settings::text, ',')) FROM workspaces WHERE id = $1::uuid`,
      [neighbour.id],
    );
    return JSON.stringify(rows);
  }

  return {
    url,
    db: t.db,
    deps,
    adminToken: deps.adminToken.generated!,
    workspaceId: mine.id,
    key: mine.key,
    ownIds: mine.ids,
    foreignIds: [neighbour.id, ...neighbour.ids],
    foreignKey: neighbour.key,
    revokedKey: revoked.plaintext,
    upstream,
    errorLogs,
    neighbourFingerprint,
    async close() {
      await settleSkillRuns();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await upstream.close();
      await t.close();
    },
  };
}
