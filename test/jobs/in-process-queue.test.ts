import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { createInProcessQueue } from '../../src/jobs/in-process-queue.ts';
import { createLogger } from '../../src/logger.ts';

test('in-process queue validates payloads, runs handlers, retries per policy and reports idle', async () => {
  const queue = createInProcessQueue(createLogger('silent'));
  const seen: string[] = [];
  let failOnce = true;
  await queue.work('post-sync', async (data) => {
    if (failOnce) {
      failOnce = false;
      throw new Error('transient');
    }
    seen.push(data.sync_log_id);
  });
  await queue.start();
  const payload = { workspace_id: randomUUID(), connector_name: 'hubspot', sync_log_id: randomUUID() };
  await queue.send('post-sync', payload);
  await assert.rejects(
    queue.send('post-sync', { ...payload, workspace_id: 'nope' }),
    (err: unknown) => err instanceof Error,
  );
  await queue.idle();
  assert.deepEqual(seen, [payload.sync_log_id]);
  await assert.rejects(queue.schedule('sync-scheduler-tick', '0 25 * * *', {}));
  await queue.stop();
});

test('in-process queue: schedules take any cron pattern (croner) and fire until stopped', async () => {
  const queue = createInProcessQueue(createLogger('silent'));
  let ticks = 0;
  await queue.work('skill-schedule-tick', async () => {
    ticks++;
  });
  await queue.start();
  await queue.schedule('skill-schedule-tick', '0 7 * * 1', {}); // weekly: accepted, does not fire now
  await queue.schedule('skill-schedule-tick', '* * * * * *', {}); // every second (croner's seconds field)
  for (let i = 0; i < 50 && ticks < 2; i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(ticks >= 2, `ticks: ${ticks}`);
  await queue.stop();
  const after = ticks;
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(ticks, after);
});
