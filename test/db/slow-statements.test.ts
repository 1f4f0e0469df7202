import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { openDb } from '../../src/db/open-db.ts';
import type { SlowWork } from '../../src/db/pglite-driver.ts';

// A log line: what the driver reported, with the logger's message.
type LogLine = SlowWork & { msg: string };

/**
 * The embedded backend's slow-statement log, through the configuration a user sets (PGlite in a folder,
 * PANDORA_SLOW_STATEMENT_MS=150), with the log lines it writes.
 */
async function openLoggedDb() {
  const dir = mkdtempSync(join(tmpdir(), 'pandora-slow-'));
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const config = loadConfig({ PANDORA_DATA_DIR: dir, PANDORA_SLOW_STATEMENT_MS: '150', LOG_LEVEL: 'silent' });
  const db = await openDb(config, pino({ level: 'warn' }, sink));
  return {
    db,
    lines,
    async close() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('PANDORA_SLOW_STATEMENT_MS logs the statements that took at least that long, and only those', async () => {
  const { db, lines, close } = await openLoggedDb();
  try {
    await db.query('SELECT 1 AS quick');
    await db.query('SELECT pg_sleep(0.2) AS   slow_read');
    await db.transaction((tx) => tx.query('SELECT pg_sleep(0.2), 2 AS slow_in_transaction'));
    await db.exec('SELECT pg_sleep(0.2) AS slow_script');
    // Three quick statements that add up to a slow transaction: reported once, as the transaction.
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_sleep(0.06) AS first_of_three');
      await tx.query('SELECT pg_sleep(0.06)');
      await tx.query('SELECT pg_sleep(0.06)');
    });
  } finally {
    await close();
  }
  assert.deepEqual(
    lines.filter((l) => l.msg.startsWith('slow ')).map((l) => [l.msg, l.kind, l.statement, l.statements]),
    [
      ['slow statement', 'outside transaction', 'SELECT pg_sleep(0.2) AS slow_read', undefined],
      ['slow statement', 'statement', 'SELECT pg_sleep(0.2), 2 AS slow_in_transaction', undefined],
      ['slow statement', 'outside transaction', 'SELECT pg_sleep(0.2) AS slow_script', undefined],
      ['slow transaction', 'transaction', 'SELECT pg_sleep(0.06) AS first_of_three', 3],
    ],
  );
  for (const l of lines) assert.ok(l.ms >= 150 && l.ms < 5000, `ms ${l.ms}`);
});

// Statements of one transaction awaited back to back resume in microtasks: no request is read between
// them, however short.
test('a stretch of statements without a turn of the event loop is logged as a held event loop', async () => {
  const { db, lines, close } = await openLoggedDb();
  const turn = () => new Promise((resolve) => setTimeout(resolve, 20));
  try {
    await db.query('SELECT 1'); // the session is open and warm
    await turn();
    // Four statements of 60 ms, each under the threshold: held together, then with a turn between each.
    await db.transaction(async (tx) => {
      for (let i = 0; i < 4; i++) await tx.query(`SELECT pg_sleep(0.06), ${i} AS back_to_back`);
    });
    await turn(); // the next turn reports the stretch
    for (let i = 0; i < 4; i++) {
      await db.query(`SELECT pg_sleep(0.06), ${i} AS with_turns`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await close();
  }
  const held = lines.filter((l) => l.msg === 'event loop held');
  assert.equal(held.length, 1, JSON.stringify(lines));
  assert.match(held[0]!.statement, /back_to_back/);
  assert.equal(held[0]!.first_statement, 'SELECT pg_sleep(0.06), 0 AS back_to_back');
  assert.equal(held[0]!.statements, 4);
  const statementsMs = held[0]!.statements_ms ?? 0;
  assert.ok(statementsMs >= 200 && statementsMs <= held[0]!.ms, JSON.stringify(held[0]));
  // The transaction is reported as one (each of its statements was under the threshold).
  assert.deepEqual(
    lines.filter((l) => l.msg.startsWith('slow ')).map((l) => [l.kind, l.statements]),
    [['transaction', 4]],
  );
});

// Each statement or transaction of request-serving work starts on a turn of its own, so requests that
// arrived meanwhile are read and queued in arrival order instead of waiting for the whole queue.
test('foreground work queued at once lets the event loop turn between its statements', async () => {
  const { db, close } = await openLoggedDb();
  try {
    await db.query('SELECT 1');
    let done = 0;
    let doneWhenTimerRan = -1;
    const queued = Array.from({ length: 20 }, (_, i) =>
      db.query(`SELECT pg_sleep(0.005), ${i} AS queued`).then(() => done++),
    );
    setImmediate(() => {
      doneWhenTimerRan = done;
    });
    await Promise.all(queued);
    assert.equal(done, 20);
    assert.ok(
      doneWhenTimerRan >= 0 && doneWhenTimerRan <= 2,
      `ran after ${doneWhenTimerRan} of 20 statements`,
    );
  } finally {
    await close();
  }
});

test('without PANDORA_SLOW_STATEMENT_MS nothing is timed or logged', () => {
  assert.equal(loadConfig({ LOG_LEVEL: 'silent' }).slowStatementMs, 0);
  assert.throws(() => loadConfig({ PANDORA_SLOW_STATEMENT_MS: '-1' }));
});
