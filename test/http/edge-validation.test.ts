import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { seedGtmWorld } from '../helpers/seed-gtm.ts';

// Each class of input that once reached PostgreSQL (or broke the transport) and answered 500.
describe('edge validation: 400 for what a client can send', () => {
  let app: TestApp;
  let ws: { id: string; key: string };
  let base: string;
  const errorLines: string[] = [];
  before(async () => {
    app = await startTestApp(
      {},
      { log: pino({ level: 'warn' }, { write: (line: string) => void errorLines.push(line) }) },
    );
    ws = await app.createWorkspace();
    base = `/api/workspaces/${ws.id}`;
    await seedGtmWorld(app.db, ws.id, { deals: 8 });
  });
  after(() => app.close());

  async function expect400(method: string, path: string, body?: unknown, field?: string) {
    const res = await app.request(method, path, { token: ws.key, body });
    assert.equal(
      res.status,
      400,
      `${method} ${path} ${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`,
    );
    assert.equal(typeof res.body.error.code, 'string');
    if (field) assert.match(res.body.error.message, new RegExp(field.replace('.', '\\.')));
    return res;
  }

  test('calendar-impossible and out-of-range dates', async () => {
    for (const date of ['2024-02-30', '0000-01-01', '2023-02-29', '9999-12-31', '1899-12-31', '2201-01-01']) {
      await expect400('GET', `${base}/quota/active?date=${date}`, undefined, 'date');
      await expect400('POST', `${base}/compute/run`, { as_of: date }, 'as_of');
      await expect400('GET', `${base}/leads/cohorts?from=${date}`, undefined, 'from');
      await expect400('GET', `${base}/conversations-without-deals?since=${date}`, undefined, 'since');
      await expect400('GET', `${base}/deals?close_date_from=${date}`, undefined, 'close_date_from');
      await expect400('GET', `${base}/deals?updated_from=${date}T00:00:00Z`, undefined, 'updated_from');
      const period = { name: 'Q', period_type: 'custom', start_date: date, end_date: '2026-01-01' };
      await expect400('POST', `${base}/quota-periods`, period, 'start_date');
      await expect400('POST', `${base}/skills/forecast/run`, { inputs: { as_of: date } }, 'as_of');
    }
    for (const at of ['2024-01-01T25:00:00Z', '2024-01-01T00:00:00+99:00', '2024-02-30T00:00:00Z'])
      await expect400(
        'GET',
        `${base}/deals?updated_from=${encodeURIComponent(at)}`,
        undefined,
        'updated_from',
      );
    // The edges of the range are real days and work end to end.
    for (const as_of of ['1900-01-01', '2200-12-31', '2024-02-29']) {
      const res = await app.request('POST', `${base}/compute/run`, { token: ws.key, body: { as_of } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(
        (await app.request('GET', `${base}/quota/active?date=${as_of}`, { token: ws.key })).status,
        200,
      );
    }
  });

  test('NUL in JSON strings, keys and query values names the field', async () => {
    await expect400('POST', `${base}/quota-periods`, { name: 'a\u0000b', period_type: 'month' }, 'name');
    await expect400(
      'PUT',
      `${base}/context/business_model`,
      { notes: { deep: ['ok', 'x\u0000'] } },
      'notes.deep.1',
    );
    await expect400('PATCH', base, { settings: { 'k\u0000': 1 } }, 'settings');
    await expect400('GET', `${base}/deals?stage=a%00b`, undefined, 'stage');
    await expect400('GET', `${base}/deals?q=%00`, undefined, 'q');
    await expect400('GET', `${base}/deals/a%00b`);
    await expect400('POST', `${base}/api-keys`, { name: '\ud800' }, 'name');
  });

  test('numbers bounded by their column', async () => {
    const period = { name: 'Q', period_type: 'custom', start_date: '2026-01-01', end_date: '2026-03-31' };
    await expect400('POST', `${base}/quota-periods`, { ...period, team_quota: 1e308 }, 'team_quota');
    await expect400('POST', `${base}/quota-periods`, { ...period, team_quota: 1e16 }, 'team_quota');
    const ok = await app.request('POST', `${base}/quota-periods`, {
      token: ws.key,
      body: { ...period, team_quota: 1e15 },
    });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    await expect400(
      'PUT',
      `${base}/quota-periods/${ok.body.id}/rep-quotas`,
      { rep_email: 'a@b.co', quota_amount: 1e308 },
      'quota_amount',
    );
    await expect400('PUT', `${base}/context/goals_and_targets`, { annual_target: 1e308 }, 'annual_target');
    await expect400(
      'PUT',
      `${base}/llm/config`,
      { metadata: { daily_token_budget: 1e308 } },
      'daily_token_budget',
    );
    await expect400(
      'POST',
      `${base}/skills/custom-field-discovery/run`,
      { inputs: { min_deals: 1e308 } },
      'min_deals',
    );
    await expect400(
      'POST',
      `${base}/skills/custom-field-discovery/run`,
      { inputs: { min_accounts: 2 ** 31 } },
      'min_accounts',
    );
    await expect400(
      'POST',
      `${base}/skills/data-quality-audit/run`,
      { inputs: { stale_sync_hours: 1e12 } },
      'stale_sync_hours',
    );
  });

  test('scoring overrides are bounded per key, and the extremes still compute', async () => {
    await expect400(
      'PUT',
      `${base}/context/definitions`,
      { scoring: { risk_weights: { no_next_step: 1e15 } } },
      'no_next_step',
    );
    await expect400(
      'PUT',
      `${base}/context/definitions`,
      { scoring: { engagement: { half_life_days: 0 } } },
      'half_life_days',
    );
    const scoring = {
      risk_weights: Object.fromEntries(
        ['close_date_past', 'no_next_step', 'stuck_in_stage'].map((k) => [k, 100]),
      ),
      velocity: { band_edges_1: 1e15, default_cycle_days: 3650 },
      engagement: { half_life_days: 1, scale: 0.01, conversation_weight: 100 },
    };
    const put = await app.request('PUT', `${base}/context/definitions`, { token: ws.key, body: { scoring } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    for (const as_of of ['1900-01-01', '2200-12-31']) {
      const run = await app.request('POST', `${base}/compute/run`, { token: ws.key, body: { as_of } });
      assert.equal(run.status, 200, JSON.stringify(run.body));
    }
    await app.request('PUT', `${base}/context/definitions`, { token: ws.key, body: {} });
  });

  test('every cursor is decoded and checked, the conversations-without-deals one included', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const id = '00000000-0000-0000-0000-000000000000';
    for (const v of [['garbage'], ['99999999999999999999'], ['0000-01-01T00:00:00Z']])
      await expect400(
        'GET',
        `${base}/conversations-without-deals?cursor=${b64({ s: '-started_at', v, i: id })}`,
        undefined,
        'cursor',
      );
    await expect400(
      'GET',
      `${base}/conversations-without-deals?sort=-severity&cursor=${b64({ s: '-severity', v: ['2147483648', '2024-01-01T00:00:00Z'], i: id })}`,
      undefined,
      'cursor',
    );
    await expect400(
      'GET',
      `${base}/deals?sort=name&cursor=${b64({ s: 'name', v: 'a\u0000', i: id })}`,
      undefined,
      'cursor',
    );
    await expect400(
      'GET',
      `${base}/deals?sort=close_date&cursor=${b64({ s: 'close_date', v: '2024-02-30', i: id })}`,
      undefined,
      'cursor',
    );
    await expect400('GET', `${base}/deals?cursor=garbage!`, undefined, 'cursor');
  });

  test('JSON nested past the depth limit, and bodies that cannot be decoded', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const res = await app.request('PUT', `${base}/context`, { token: ws.key, raw: deep });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /deeper than 64/);
    const ok = await app.request('PUT', `${base}/context/business_model`, {
      token: ws.key,
      raw: '{"notes":"[[[[{{"}',
    });
    assert.equal(ok.status, 200, 'brackets inside strings do not count');

    const send = (body: Buffer, encoding: string) =>
      fetch(`${app.url}${base}/quota-periods`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ws.key}`,
          'content-type': 'application/json',
          'content-encoding': encoding,
        },
        body: new Uint8Array(body),
      });
    const notGzip = await send(Buffer.from('{"name":"x"}'), 'gzip');
    assert.equal(notGzip.status, 400);
    assert.equal(((await notGzip.json()) as any).error.code, 'validation_error');
    const unknown = await send(Buffer.from('{}'), 'compress');
    assert.equal(unknown.status, 415);
    // A real gzip body still works.
    const period = { name: 'gz', period_type: 'custom', start_date: '2026-04-01', end_date: '2026-04-30' };
    const gz = await send(gzipSync(JSON.stringify(period)), 'gzip');
    assert.equal(gz.status, 201);
  });

  test('malformed percent-encoding in a path is a 400, with or without a key, and logs no error', async () => {
    for (const path of ['/api/workspaces/%zz/deals', `${base}/deals/%E0%A4%A`, `${base}/skills/%zz/run`]) {
      for (const token of [ws.key, '']) {
        const res = await app.request('GET', path, { token });
        assert.equal(res.status, 400, `${path} ${token ? 'with' : 'without'} key: ${res.status}`);
        assert.match(res.body.error.message, /percent-encoding/);
      }
    }
    assert.deepEqual(errorLines, [], 'nothing logged at error level');
  });
});
