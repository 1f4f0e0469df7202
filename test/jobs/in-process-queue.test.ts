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
  await assert.rejects(queue.schedule('sync-scheduler-tick', '0 2 * * *', {}));
  await queue.stop();
});
