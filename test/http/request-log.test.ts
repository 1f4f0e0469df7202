import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

describe('request log lines', () => {
  let app: TestApp;
  const lines: Array<Record<string, unknown>> = [];
  before(async () => {
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    app = await startTestApp({}, { log });
  });
  after(() => app.close());

  test('carry the full path a client asked for, never the query string', async () => {
    const ws = await app.createWorkspace();
    lines.length = 0;
    await app.request('GET', `/api/workspaces/${ws.id}/deals?q=secret-filter&limit=2`, { token: ws.key });
    await app.request('GET', `/api/workspaces/${ws.id}/deals/not-a-deal?token=secret-token`, {
      token: ws.key,
    });
    const requests = lines.filter((l) => l.msg === 'request');
    assert.deepEqual(
      requests.map((l) => [l.path, l.status]),
      [
        [`/api/workspaces/${ws.id}/deals`, 200],
        [`/api/workspaces/${ws.id}/deals/not-a-deal`, 404],
      ],
    );
    assert.ok(!JSON.stringify(lines).includes('secret'), 'no query values in the log');
  });
});
