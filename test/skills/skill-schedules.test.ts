import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createCredentialVault } from '../../src/connectors/credential-vault.ts';
import { createPgBossQueue } from '../../src/jobs/pg-boss-queue.ts';
import { createLogger } from '../../src/logger.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { createTestDb, serverUrl } from '../helpers/test-db.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import {
  registerSkillRunWorker,
  registerSkillScheduler,
  runSkillScheduleTick,
  settleSkillRuns,
} from '../../src/skills/skill-dispatch.ts';
import { listSkillRuns } from '../../src/skills/skill-runs.ts';
import { nextRunAt, putSkillSchedule } from '../../src/skills/skill-schedules.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const inZone = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));

describe('skill schedules', () => {
  let app: TestApp;
  let ws: { id: string; key: string };
  const call = (method: string, path: string, body?: unknown) =>
    app.request(method, `/api/workspaces/${ws.id}${path}`, { token: ws.key, body });
  const runsOf = async (workspaceId: string) =>
    withWorkspace(app.db, workspaceId, (tx) => listSkillRuns(tx, workspaceId, { limit: 100 }));

  before(async () => {
    app = await startTestApp();
    ws = await app.createWorkspace('Schedules');
  });
  after(() => app.close());

  test('every workspace starts with the built-in schedules, in UTC and on', async () => {
    const r = await call('GET', '/skill-schedules');
    assert.equal(r.status, 200);
    const hygiene = r.body.data.find((s: { skill_id: string }) => s.skill_id === 'pipeline-hygiene');
    assert.equal(hygiene.cron, '0 7 * * 1');
    assert.equal(hygiene.timezone, 'UTC');
    assert.equal(hygiene.enabled, true);
    assert.equal(hygiene.is_default, true);
    assert.equal(inZone(hygiene.next_run_at, 'UTC'), 'Mon 07:00');
    // custom-field-discovery has no built-in schedule.
    assert.equal(
      r.body.data.some((s: { skill_id: string }) => s.skill_id === 'custom-field-discovery'),
      false,
    );
  });

  test('a workspace sets cron, time zone and on/off; bad input is refused', async () => {
    const r = await call('PUT', '/skill-schedules/forecast', {
      cron: '30 9 * * 1-5',
      timezone: 'Europe/Berlin',
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.is_default, false);
    assert.match(inZone(r.body.next_run_at, 'Europe/Berlin'), /^(Mon|Tue|Wed|Thu|Fri) 09:30$/);
    const off = await call('PUT', '/skill-schedules/data-quality-audit', { enabled: false });
    assert.equal(off.body.enabled, false);
    assert.equal(off.body.cron, '0 6 * * *'); // the built-in cron is kept
    assert.equal(off.body.next_run_at, null);
    const cfd = await call('PUT', '/skill-schedules/custom-field-discovery', {
      cron: '0 5 1 * *',
      inputs: { min_deals: 20 },
    });
    assert.equal(cfd.status, 200);
    assert.deepEqual(cfd.body.inputs, { min_deals: 20 });

    for (const body of [
      { cron: '0 25 * * *' },
      { cron: '* * * * * *' },
      { cron: 'every monday' },
      { timezone: 'Mars/Olympus' },
      {},
      { enabled: 'yes' },
      { inputs: { top: 0 } },
      { cron: '0 7 * * 1', extra: 1 },
    ]) {
      const bad = await call('PUT', '/skill-schedules/pipeline-hygiene', body);
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal(bad.body.error.code, 'validation_error');
    }
    assert.equal((await call('PUT', '/skill-schedules/no-such-skill', { enabled: true })).status, 404);
    const still = (await call('GET', '/skill-schedules')).body.data;
    assert.equal(still.find((s: { skill_id: string }) => s.skill_id === 'pipeline-hygiene').is_default, true);
  });

  test('the tick runs each due slot once, in every workspace, and moves the schedule on', async () => {
    const other = await app.createWorkspace('Other');
    const now = new Date();
    await runSkillScheduleTick(app.deps, now); // writes the built-in rows; nothing is due yet
    await settleSkillRuns();
    assert.equal((await runsOf(ws.id)).length, 0);

    // A week on, every enabled schedule is due: hygiene and forecast here; data-quality-audit is off.
    const later = new Date(now.getTime() + 8 * 86_400_000);
    const [first, second] = await Promise.all([
      runSkillScheduleTick(app.deps, later),
      runSkillScheduleTick(app.deps, later),
    ]);
    await settleSkillRuns();
    const mine = [...first, ...second].filter((d) => d.workspaceId === ws.id).map((d) => d.skillId);
    assert.deepEqual(
      mine.sort(),
      ['custom-field-discovery', 'forecast', 'pipeline-hygiene'].filter(
        (s) => s !== 'custom-field-discovery' || nextRunAt('0 5 1 * *', 'UTC', now)! <= later,
      ),
    );
    const theirs = [...first, ...second].filter((d) => d.workspaceId === other.id).map((d) => d.skillId);
    assert.deepEqual(theirs.sort(), ['data-quality-audit', 'forecast', 'pipeline-hygiene']);
    const runs = await runsOf(ws.id);
    assert.equal(runs.length, mine.length);
    assert.ok(
      runs.every((r) => r.trigger === 'schedule' && r.status === 'succeeded'),
      JSON.stringify(runs),
    );

    assert.deepEqual(await runSkillScheduleTick(app.deps, later), []); // the same slot never runs twice
    const schedules = (await call('GET', '/skill-schedules')).body.data;
    const forecast = schedules.find((s: { skill_id: string }) => s.skill_id === 'forecast');
    assert.ok(Date.parse(forecast.next_run_at) > later.getTime());
    assert.equal(Date.parse(forecast.last_run_at), later.getTime());
    assert.ok(runs.some((r) => r.id === forecast.last_run_id));
  });
});

test('on the server the tick is a pg-boss schedule, and a tick job records and runs the due skills', {
  skip: serverUrl ? false : 'pg-boss needs the server backend (DATABASE_URL)',
}, async () => {
  const t = await createTestDb();
  const queue = createPgBossQueue(t.url!, createLogger('silent'));
  try {
    const deps = {
      db: t.db,
      config: loadConfig({}),
      vault: createCredentialVault(randomBytes(32)),
      log: createLogger('silent'),
    };
    const ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'Boss' }))).id;
    await withWorkspace(t.db, ws, (tx) =>
      putSkillSchedule(tx, ws, 'forecast', { timezone: 'America/New_York' }),
    );
    await t.db.query(
      "UPDATE skill_schedules SET next_run_at = now() - interval '1 minute' WHERE workspace_id = $1::uuid",
      [ws],
    );
    await queue.start();
    await registerSkillRunWorker(queue, deps);
    await registerSkillScheduler(queue, deps);
    const { rows } = await t.db.query<{ cron: string; timezone: string }>(
      "SELECT cron, timezone FROM pgboss.schedule WHERE name = 'skill-schedule-tick'",
    );
    assert.deepEqual(rows, [{ cron: '* * * * *', timezone: 'UTC' }]);
    await queue.send('skill-schedule-tick', {}); // what the schedule sends each minute
    let runs: Awaited<ReturnType<typeof listSkillRuns>> = [];
    for (let i = 0; i < 120; i++) {
      runs = await withWorkspace(t.db, ws, (tx) => listSkillRuns(tx, ws, { limit: 10 }));
      if (runs.length > 0 && runs.every((r) => r.status === 'succeeded' || r.status === 'failed')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(
      runs.map((r) => [r.skill_id, r.trigger, r.status]),
      [['forecast', 'schedule', 'succeeded']],
    );
  } finally {
    await queue.stop();
    await t.close();
  }
});
