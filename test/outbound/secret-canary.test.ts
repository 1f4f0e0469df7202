import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { type EchoUpstream, startEchoUpstream } from '../fakes/echo-upstream.ts';
import { ADMIN_TOKEN, type ConnectorApp, startConnectorApp } from '../helpers/connector-app.ts';

// Shaped like nothing the scrubber knows (no prefix, too short to look opaque): only knowing the
// connection's own credentials can catch it.
const CANARY = `cnry${randomBytes(5).toString('hex')}Zq`;

describe('a secret echoed by an upstream is never stored, logged or returned', () => {
  let app: ConnectorApp;
  let hubspot: EchoUpstream;
  let salesforce: EchoUpstream;
  const logLines: string[] = [];
  const responses: string[] = [];
  let readKey: string;

  async function call(method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
    const res = await fetch(`${app.url}/api/workspaces/${app.workspaceId}${path}`, {
      method,
      headers: { authorization: `Bearer ${opts.token ?? ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    responses.push(`${method} ${path} ${res.status} ${text}`);
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function finished(syncLogId: string) {
    for (let i = 0; i < 200; i++) {
      const res = await call('GET', `/sync-log/${syncLogId}`, { token: readKey });
      if (res.body.status === 'failed' || res.body.status === 'succeeded') return res.body;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('sync did not finish');
  }

  before(async () => {
    hubspot = await startEchoUpstream(['/crm/v3/owners'], { results: [] });
    salesforce = await startEchoUpstream([], {});
    const sink = new Writable({
      write(chunk, _enc, done) {
        logLines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    app = await startConnectorApp({}, { log: pino({ level: 'trace' }, sink) });
    const key = await call('POST', '/api-keys', { body: { name: 'reader', scopes: ['read'] } });
    readKey = key.body.key;
  });
  after(async () => {
    await app.close();
    await hubspot.close();
    await salesforce.close();
  });

  test('a failed sync: sync_log.error and last_error scrubbed, readable without the secret', async () => {
    const connected = await call('POST', '/connectors/hubspot/connect', {
      body: { credentials: { access_token: CANARY }, base_url: hubspot.url },
    });
    assert.equal(connected.status, 201, JSON.stringify(connected.body));
    const log = await finished(connected.body.sync_log_id);
    assert.equal(log.status, 'failed');
    // The echo did arrive and was kept in part: the secret is what is missing.
    assert.match(log.error, /^hubspot responded 400: .*Authorization \[redacted\]; token \[redacted\]/);
    assert.ok(log.error.length <= 200);
    assert.ok(hubspot.requests.some((r) => String(r.headers.authorization).includes(CANARY)));

    const connectors = await call('GET', '/connectors', { token: readKey });
    const mine = connectors.body.data.find((c: { connector_name: string }) => c.connector_name === 'hubspot');
    assert.match(mine.last_error, /\[redacted\]/);
    await call('GET', '/sync-log', { token: readKey });

    const again = await call('POST', '/connectors/hubspot/sync', { body: {} });
    await finished(again.body.sync_log_id);
    assert.ok(
      logLines.some((l) => l.includes('sync failed')),
      'the failure was logged',
    );
  });

  test('a failed connect test answers without the upstream body', async () => {
    // (a 5xx is retried with backoff for tens of seconds, its text handled the same way)
    for (const status of [400, 401]) {
      salesforce.setFailStatus(status);
      const res = await call('POST', '/connectors/salesforce/connect', {
        body: { credentials: { access_token: `00Dxx!${CANARY}`, instance_url: salesforce.url } },
      });
      assert.ok(res.status === 400 || res.status === 502, `${status} → ${res.status}`);
      assert.doesNotMatch(JSON.stringify(res.body), /invalid request/);
    }
  });

  test(`the canary is in 0 responses, 0 log lines and 0 stored rows`, async () => {
    assert.ok(responses.length >= 8);
    assert.deepEqual(
      responses.filter((r) => r.includes(CANARY)),
      [],
    );
    assert.ok(logLines.length > 0);
    assert.deepEqual(
      logLines.filter((l) => l.includes(CANARY)),
      [],
    );

    const { rows: tables } = await app.t.db.query<{ name: string }>(
      /* sql */ `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name
                 FROM information_schema.tables
                WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    assert.ok(tables.some((t) => t.name === 'public.sync_log'));
    let redactedRows = 0;
    for (const { name } of tables) {
      const { rows } = await app.t.db.query<{ hits: number; redacted: number }>(
        /* sql */ `SELECT count(*) FILTER (WHERE x::text LIKE '%' || $1::text || '%')::int AS hits,
                          count(*) FILTER (WHERE x::text LIKE '%[redacted]%')::int AS redacted
                     FROM ${name} x`,
        [CANARY],
      );
      assert.equal(rows[0]!.hits, 0, `${name} holds the canary`);
      redactedRows += rows[0]!.redacted;
    }
    assert.ok(redactedRows >= 3, 'the scan sees the scrubbed error texts');

    if (app.t.url) {
      const { stdout } = await promisify(execFile)('pg_dump', ['--no-owner', app.t.url], {
        maxBuffer: 256 * 1024 * 1024,
      });
      assert.match(stdout, /\[redacted\]/);
      assert.ok(!stdout.includes(CANARY), 'pg_dump holds the canary');
    }
  });
});
