/** The embedded driver: PGlite (Postgres in WASM, in-process) behind the Db port. */
import { setFlagsFromString } from 'node:v8';
import { PGlite, types } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { ChangeTracker, UNATTRIBUTED_READ } from './change-tracking.ts';
import type { Db, QueryResult, Queryable, SqlParam } from './db.ts';
import { eventLoopTurn } from './event-loop-turn.ts';
import type { PgliteResults } from './pglite-answer.ts';
import { createPgliteSession, READ_ONLY_STATEMENT } from './pglite-session.ts';

/** What runs a handle's statements: the session outside a transaction, or one transaction of it. */
interface StatementRunner {
  query<Row>(sql: string, params?: readonly unknown[]): Promise<PgliteResults<Row>>;
  exec(script: string): Promise<unknown>;
}

// Match the pg driver: numeric → number, date → 'YYYY-MM-DD' string.
const parsers = {
  [types.NUMERIC]: (v: string) => Number(v),
  [types.DATE]: (v: string) => v,
};

// Match the pg driver: a bytea parameter's bytes go as they are, in binary (PGlite sends a Uint8Array
// value in binary format), rather than as a hex string twice their size in the JS heap.
const serializers = {
  [types.BYTEA]: (v: unknown) => {
    if (!(v instanceof Uint8Array)) throw new Error('a bytea parameter must be a Buffer or Uint8Array');
    // PGlite's serializer type says string; its bind message takes bytes too.
    return v as unknown as string;
  },
};

/** What the slow-statement log is told: a statement's or a whole transaction's time holding the session. */
export interface SlowWork {
  ms: number;
  /** A statement's first 300 characters; for a transaction, its first statement's. */
  statement: string;
  /**
   * 'statement' in a transaction: its run alone. 'outside transaction': a statement of its own, its time
   * includes the wait for the session. 'transaction': the whole transaction, from holding the session.
   * 'event loop': a stretch without a turn of the event loop (no request read), with the statements that
   * ran in it (`statement` is then the longest of them).
   */
  kind: 'statement' | 'outside transaction' | 'transaction' | 'event loop';
  statements?: number;
  /** 'event loop': the time its statements took together; the rest was JavaScript. */
  statements_ms?: number;
  /** 'event loop': the stretch's first statement, which names the code that ran it. */
  first_statement?: string;
}

type SlowReport = NonNullable<PgliteOptions['onSlowStatement']>;

/**
 * The stretches in which the thread read no request. Statements awaited one after another resume in
 * microtasks, so a chain of short statements keeps sockets waiting as long as one long statement would;
 * so does JavaScript between them. A timer marks every turn of the loop; a gap of at least `afterMs`
 * between two marks is reported at the second, with the statements that ran in it.
 */
function watchEventLoop(slow: SlowReport) {
  let turnAt = performance.now();
  let ran: { ms: number; sql: string }[] = [];
  const timer = setInterval(() => {
    const now = performance.now();
    const held = now - turnAt;
    if (held >= slow.afterMs) {
      const longest = ran.reduce<{ ms: number; sql: string } | null>(
        (a, b) => (a && a.ms >= b.ms ? a : b),
        null,
      );
      slow.report({
        ms: Math.round(held),
        statement: longest ? statementText(longest.sql) : '',
        kind: 'event loop',
        statements: ran.length,
        statements_ms: Math.round(ran.reduce((sum, r) => sum + r.ms, 0)),
        ...(ran[0] ? { first_statement: statementText(ran[0].sql) } : {}),
      });
    }
    turnAt = now;
    ran = [];
  }, 5);
  timer.unref();
  return {
    ran(sql: string, ms: number) {
      ran.push({ ms, sql });
    },
    stop() {
      clearInterval(timer);
    },
  };
}
type LoopWatch = ReturnType<typeof watchEventLoop>;

export interface PgliteOptions {
  /** Start from these database files (a tar from `dumpPgliteDataDir`) instead of an empty cluster. */
  fromDump?: Blob;
  /** Told of every statement or transaction that took at least `afterMs`. */
  onSlowStatement?: { afterMs: number; report(work: SlowWork): void } | undefined;
}

const statementText = (sql: string) => sql.replace(/\s+/g, ' ').trim().slice(0, 300);

// No copyFrom here: PGlite reads COPY input only from a server-side file (/dev/blob), which the
// non-superuser role of tenant-scoped work may not read. Bulk writes use the recordset shape instead.
function handle(
  h: StatementRunner,
  slow: PgliteOptions['onSlowStatement'],
  kind: SlowWork['kind'],
  loop: LoopWatch | undefined,
  seen?: (sql: string) => void,
): Queryable {
  const timed = async <T>(sql: string, run: () => Promise<T>): Promise<T> => {
    seen?.(sql);
    if (!slow) return run();
    const started = performance.now();
    const out = await run();
    const ms = performance.now() - started;
    loop?.ran(sql, ms);
    if (ms >= slow.afterMs) slow.report({ ms: Math.round(ms), statement: statementText(sql), kind });
    return out;
  };
  const query = async <Row>(sql: string, params?: readonly SqlParam[]): Promise<QueryResult<Row>> => {
    const res = await timed(sql, () => h.query<Row>(sql, params));
    // Like pg's rowCount: rows returned for SELECT/RETURNING, rows affected otherwise.
    return { rows: res.rows, rowCount: res.rows.length > 0 ? res.rows.length : (res.affectedRows ?? 0) };
  };
  return {
    query,
    async exec(script: string): Promise<void> {
      await timed(script, () => h.exec(script));
    },
  };
}

/** Times a transaction from when it holds the session; one of several statements is reported when slow. */
function watchTransaction(slow: PgliteOptions['onSlowStatement']) {
  const held = performance.now();
  let first = '';
  let statements = 0;
  return {
    seen(sql: string) {
      if (statements++ === 0) first = sql;
    },
    done() {
      const ms = performance.now() - held;
      // A transaction of one statement is that statement's report.
      if (slow && statements > 1 && ms >= slow.afterMs)
        slow.report({ ms: Math.round(ms), statement: statementText(first), kind: 'transaction', statements });
    },
  };
}

/**
 * The fair turn between requests and long jobs on the one PGlite session. A statement runs on the
 * server's thread, so requests that arrive meanwhile are only read from their sockets after it: a job
 * that queued its next chunk straight away would always be first in line. A background chunk therefore
 * first lets pending I/O run (setImmediate, twice), then waits for the foreground work queued by then.
 * Foreground work (requests' statements and transactions) runs one at a time, each on a turn of the event
 * loop of its own: otherwise a queue of them resumes in microtasks, one after another, reading no socket
 * until the last, and the requests that arrived meanwhile wait for that whole round and then for their
 * place in the next (at 32 concurrent deals lists the p99 was twice the p50).
 */
function createTurns() {
  const foreground = new Set<Promise<unknown>>();
  let last: Promise<unknown> = Promise.resolve();
  return {
    foreground<T>(work: () => Promise<T>): Promise<T> {
      const p = last.then(eventLoopTurn).then(work);
      last = p.catch(() => undefined);
      foreground.add(p);
      const forget = () => foreground.delete(p);
      p.then(forget, forget);
      return p;
    },
    async background<T>(work: () => Promise<T>): Promise<T> {
      // Twice: the first may run in the same loop turn that finished the last chunk, before the sockets
      // are polled again; the second comes after a poll phase has read the requests that arrived.
      await eventLoopTurn();
      await eventLoopTurn();
      // A snapshot: requests arriving while these finish queue behind this chunk, so neither side starves.
      await Promise.allSettled([...foreground]);
      return work();
    },
  };
}

// The closing statement of every transaction, run with its COMMIT in one call: whether it wrote, and when
// it wrote or its reads are recorded ($1), the tables it changed and the tables it scanned (itself or
// through an index), from the statistics functions behind pg_stat_xact_user_tables. The catalog is only
// read when needed: `t` is scanned, and the subqueries run, only where a CASE asks for them. Those counts
// also include what earlier transactions did since the session last reported its statistics, which the
// one embedded session does only when asked: asking here keeps the next footprint to its own transaction
// (an older count only costs a cache a miss).
const TRANSACTION_FOOTPRINT = /* sql */ `
  WITH w AS (SELECT txid_current_if_assigned() IS NOT NULL AS wrote),
  t AS (
    SELECT c.relname::text AS name,
           pg_stat_get_xact_tuples_inserted(c.oid) + pg_stat_get_xact_tuples_updated(c.oid)
             + pg_stat_get_xact_tuples_deleted(c.oid) > 0 AS changed,
           $1::boolean AND (pg_stat_get_xact_numscans(c.oid) > 0
                            OR EXISTS (SELECT 1 FROM pg_index i
                                        WHERE i.indrelid = c.oid AND pg_stat_get_xact_numscans(i.indexrelid) > 0))
             AS scanned
      FROM pg_class c
     WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
  )
  SELECT w.wrote,
         CASE WHEN w.wrote THEN (SELECT coalesce(array_agg(name) FILTER (WHERE changed), '{}') FROM t) END
           AS written,
         CASE WHEN $1::boolean THEN (SELECT coalesce(array_agg(name) FILTER (WHERE scanned), '{}') FROM t) END
           AS read,
         CASE WHEN w.wrote OR $1::boolean THEN pg_stat_force_next_flush() IS NULL END AS flushed
    FROM w`;

// A script of VACUUM and ANALYZE statements only: statistics and space, no change to any row.
const MAINTENANCE_SCRIPT = /^(\s*(VACUUM|ANALYZE)\b[^;]*;?)+\s*$/i;

/**
 * For a process that serves the embedded database for long (`pandora serve`/`start`): V8 compiles
 * WebAssembly twice by default, a quick baseline (Liftoff) at once, then optimised code for hot
 * functions, and keeps both. For PostgreSQL's 9 MB module that is about 100 MB of resident code the
 * optimised tier alone does not need (a fresh database: RSS 500 → 400 MB; queries no slower). The price
 * is start-up: opening a database takes about 1 s longer, and each code path's first use compiles
 * optimised code, so short-lived processes (the CLI, tests: the PGlite suite 5.6 → 6.3-7.1 min) keep the
 * default. Call before the first database opens; it affects WebAssembly only.
 */
export function keepOnlyOptimisedWasmCode(): void {
  setFlagsFromString('--no-liftoff');
}

/** `dataDir` undefined → in-memory (tests); otherwise the folder holding the database files. */
export async function createPgliteDb(dataDir?: string, options: PgliteOptions = {}): Promise<Db> {
  return pgliteDb(await openPglite(dataDir, options.fromDump), options);
}

/**
 * An in-memory database prepared by `prepare` (migrations), as a tar of its files: fresh copies start
 * from it in about a third of the time of an empty cluster plus the migrations.
 */
export async function dumpPgliteDataDir(prepare: (db: Db) => Promise<void>): Promise<Blob> {
  const pglite = await openPglite(undefined, undefined);
  try {
    await prepare(pgliteDb(pglite, {}));
    return await pglite.dumpDataDir('none');
  } finally {
    await pglite.close();
  }
}

/**
 * ANALYZE samples 300 rows per unit of the statistics target. At PostgreSQL's 100 (30,000 rows), ANALYZE
 * deals held the embedded server's one thread for 0.43-1.2 s at 52k deals, every request waiting behind
 * it; at 30 (9,000 rows, 30 most common values and histogram buckets per column) 0.14-0.33 s, alternating
 * in one process.
 * Plans here turn on row counts and a handful of common values (the workspace, open or closed, a stage),
 * which that sample describes as well.
 */
const STATISTICS_TARGET = 30;

function openPglite(dataDir: string | undefined, fromDump: Blob | undefined): Promise<PGlite> {
  return PGlite.create(dataDir ?? 'memory://', {
    parsers,
    serializers,
    extensions: { pg_trgm, btree_gin },
    startParams: [...PGlite.defaultStartParams, '-c', `default_statistics_target=${STATISTICS_TARGET}`],
    ...(fromDump ? { loadDataDir: fromDump } : {}),
  });
}

function pgliteDb(pglite: PGlite, options: PgliteOptions): Db {
  const turns = createTurns();
  const slow = options.onSlowStatement;
  const loop = slow ? watchEventLoop(slow) : undefined;
  const session = createPgliteSession(pglite);
  const outer = handle(
    {
      query: session.query,
      exec(script) {
        session.sawScript(script);
        return pglite.exec(script);
      },
    },
    slow,
    'outside transaction',
    loop,
  );
  const changes = new ChangeTracker();
  const transaction: Db['transaction'] = async (fn, options) => {
    const reads = changes.readRecorder();
    // The one session: a transaction holds it until its COMMIT, every other statement waits.
    const run = async () => {
      let written: string[] | null = null;
      // Every setting in one statement, sent with BEGIN.
      const settings = Object.entries(options?.localSettings ?? {});
      const setup =
        settings.length > 0
          ? {
              sql: 'SELECT set_config(n, v, true) FROM unnest($1::text[], $2::text[]) AS s(n, v)',
              params: [settings.map(([name]) => name), settings.map(([, value]) => value)],
              keep: true,
            }
          : undefined;
      const result = await session.transaction(setup, async (tx) => {
        const watch = watchTransaction(slow);
        const out = await fn(handle(tx, slow, 'statement', loop, watch.seen));
        watch.done();
        const [footprint] = await tx.commit<{
          wrote: boolean;
          written: string[] | null;
          read: string[] | null;
        }>({
          sql: TRANSACTION_FOOTPRINT,
          params: [reads !== undefined],
          keep: true,
        });
        // A transaction that changed a row has a transaction id; one that only read has none. A write
        // that no table counter shows (a TRUNCATE alone) counts as a change to any table.
        if (footprint!.wrote) written = footprint!.written;
        for (const t of footprint!.read ?? []) reads?.add(t);
        return out;
      });
      // Counted once committed: a reader that saw the old counts cached what was true before.
      if (written) changes.changed(written);
      return result;
    };
    return options?.background ? turns.background(run) : turns.foreground(run);
  };
  const query: Db['query'] = (sql, params) => {
    // A statement that may write (any but a plain read) runs as a transaction of its own, so its footprint
    // names the tables.
    if (!READ_ONLY_STATEMENT.test(sql) && !MAINTENANCE_SCRIPT.test(sql))
      return transaction((tx) => tx.query(sql, params));
    changes.readRecorder()?.add(UNATTRIBUTED_READ);
    return turns.foreground(() => outer.query(sql, params));
  };
  return {
    kind: 'pglite',
    query,
    exec(script) {
      changes.readRecorder()?.add(UNATTRIBUTED_READ);
      return turns.foreground(async () => {
        try {
          await outer.exec(script);
        } finally {
          if (!MAINTENANCE_SCRIPT.test(script)) changes.changed([]);
        }
      });
    },
    transaction,
    changes,
    async close() {
      loop?.stop();
      await pglite.close();
    },
  };
}
