/**
 * The embedded database's one session, spoken to in the wire protocol directly. PGlite's own `query`
 * parses, analyses and plans every statement afresh and hands its protocol messages over one wasm call
 * at a time (Parse, Describe, Bind, Describe, Execute, Sync), and its transactions add BEGIN and COMMIT
 * as simple queries of two calls each: a tenant-scoped read of one statement was seven calls. Here:
 * - A read the process has run before is bound to the named statement it prepared then (kept for the
 *   most recent MAX_STATEMENTS texts). PostgreSQL's plan cache does the rest, as for any server client
 *   that prepares: it re-plans for the given values until a generic plan proves as cheap (plan_cache_mode
 *   auto), and re-plans when a table the statement reads is altered or analysed. Writes run unnamed.
 * - Statements that follow one another without JavaScript in between go in one call: BEGIN with the
 *   transaction's settings, the closing statement with COMMIT. A read is then three calls.
 * The locks are PGlite's own, so its `exec` (migrations, maintenance) still serialises with all of this.
 */
import { type PGlite, protocol } from '@electric-sql/pglite';
import { type PgliteResults, readAnswer } from './pglite-answer.ts';

/** One statement of a pipeline and its parameters. */
export interface Step {
  sql: string;
  params?: readonly unknown[];
  /** Keep it prepared though it is no read (a fixed statement of the session's own). */
  keep?: boolean;
}

/**
 * A statement that only reads: a SELECT, or a WITH whose parts only select, naming no data-changing
 * keyword. Anything else (WITH … UPDATE, SELECT … FOR UPDATE) may write.
 */
export const READ_ONLY_STATEMENT =
  /^\s*(SELECT|WITH)\b(?![\s\S]*\b(INSERT|UPDATE|DELETE|MERGE|NEXTVAL|SETVAL)\b)/i;

// Reads, whose text our code builds with every value as a parameter, are kept prepared, and so are the
// session's own statements (BEGIN, COMMIT, ROLLBACK and those its caller marks). Writes run unnamed, as
// PGlite's own query runs them: kept prepared, PostgreSQL chose generic plans for jobs' writes after five
// runs, and a linker run that changed nothing took 0.8 → 1.4 s, an import's apply of 50k deals 5.3 → 6-7 s.
const KEPT = (sql: string) => READ_ONLY_STATEMENT.test(sql) || /^\s*(BEGIN|COMMIT|ROLLBACK)\s*$/i.test(sql);
// DDL anywhere in a statement or script: a kept statement reading `*` from a table it changed would fail
// with "cached plan must not change result type", so everything prepared before it is forgotten.
const SCHEMA_CHANGE = /\b(ALTER|DROP|CREATE)\b/i;

/** A Bind message this large is sent without copying it into a pipeline's one buffer. */
const BULK_MESSAGE_BYTES = 64 * 1024;

/** How many statements stay prepared; the least recently used is closed beyond it. */
const MAX_STATEMENTS = 200;

interface Prepared {
  name: string;
  /** The parameters' type oids, as the server inferred them at Parse: each value is serialised for its type. */
  paramTypes: number[];
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Thrown when COMMIT found the transaction aborted (an error inside it was caught) and rolled it back. */
export class TransactionRolledBackError extends Error {
  constructor() {
    super('the transaction was aborted by an earlier error and rolled back at COMMIT');
  }
}

export interface SessionTransaction {
  query<Row>(sql: string, params?: readonly unknown[]): Promise<PgliteResults<Row>>;
  exec(script: string): Promise<void>;
  /**
   * Runs `last` (a closing read, such as what the transaction changed) and COMMIT in one call; its rows.
   * Called at most once; a transaction whose callback returns without it commits on its own.
   */
  commit<Row>(last?: Step): Promise<Row[]>;
}

export interface PgliteSession {
  /** A statement of its own, outside any transaction. */
  query<Row>(sql: string, params?: readonly unknown[]): Promise<PgliteResults<Row>>;
  /** Forgets prepared statements when a script run outside this session's API changed the schema. */
  sawScript(script: string): void;
  /**
   * One transaction holding the session: BEGIN and `setup` in one call, then `fn`; COMMIT when `fn`
   * returns (or through `tx.commit`), ROLLBACK when it throws.
   */
  transaction<T>(setup: Step | undefined, fn: (tx: SessionTransaction) => Promise<T>): Promise<T>;
}

export function createPgliteSession(pglite: PGlite): PgliteSession {
  const { serialize } = protocol;
  // Map order is use order: a hit is moved to the end, the first entry is the least recently used.
  const prepared = new Map<string, Prepared>();
  let counter = 0;
  let forgetAll = false;
  // Close messages for statements evicted or forgotten, sent in front of the next exchange.
  const closing: Uint8Array[] = [];

  function evict(sql: string, p: Prepared) {
    prepared.delete(sql);
    closing.push(serialize.close({ type: 'S', name: p.name }));
  }

  function sawOther(sql: string) {
    if (SCHEMA_CHANGE.test(sql)) forgetAll = true;
  }

  /**
   * The messages in one call, read as one answer (an error in it is thrown). Inside a transaction the
   * files are synced when it ends; a statement of its own syncs as PGlite's does.
   */
  async function exchange(messages: Uint8Array[], inTransaction: boolean) {
    const chunks: Uint8Array[] = [];
    await pglite.execProtocolRawStream(concat([...closing.splice(0), ...messages]), {
      syncToFs: !inTransaction,
      // A view of the database's memory, valid only during the call.
      onRawData: (chunk) => chunks.push(chunk.slice()),
    });
    return readAnswer(concat(chunks), pglite.parsers);
  }

  /** The steps' statements, prepared where they are not yet (one call for all of them). */
  async function statementsFor(steps: readonly Step[], inTransaction: boolean): Promise<Prepared[]> {
    if (forgetAll) {
      forgetAll = false;
      for (const [sql, p] of [...prepared]) evict(sql, p);
    }
    const out: (Prepared | undefined)[] = [];
    const parsing: { index: number; name: string; sql: string; keep: boolean }[] = [];
    for (const [index, step] of steps.entries()) {
      const hit = prepared.get(step.sql);
      if (hit) {
        prepared.delete(step.sql);
        prepared.set(step.sql, hit);
        out[index] = hit;
        continue;
      }
      const keep = step.keep === true || KEPT(step.sql);
      if (!keep) sawOther(step.sql);
      // The unnamed statement lasts until the next Parse into it: one per pipeline.
      if (!keep && parsing.some((p) => !p.keep)) throw new Error('one statement that is not kept per call');
      parsing.push({ index, name: keep ? `pandora_s${++counter}` : '', sql: step.sql, keep });
    }
    if (parsing.length > 0) {
      const { paramTypes } = await exchange(
        [
          ...parsing.flatMap((p) => [
            serialize.parse({ name: p.name, text: p.sql }),
            serialize.describe({ type: 'S', name: p.name }),
          ]),
          serialize.sync(),
        ],
        inTransaction,
      );
      // One ParameterDescription per Describe, in order.
      for (const [i, p] of parsing.entries()) {
        const statement = { name: p.name, paramTypes: paramTypes[i]! };
        out[p.index] = statement;
        if (p.keep) prepared.set(p.sql, statement);
      }
      while (prepared.size > MAX_STATEMENTS) {
        const [sql, p] = prepared.entries().next().value as [string, Prepared];
        evict(sql, p);
      }
    }
    return out as Prepared[];
  }

  function values(p: Prepared, params: readonly unknown[] = []): string[] {
    return params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = pglite.serializers[p.paramTypes[i]!];
      // A bytea serializer hands bytes on; the bind message takes them as they are.
      return serializer ? serializer(value) : String(value);
    }) as string[];
  }

  /** The steps in one call; one result per step. The caller holds the locks. */
  async function pipeline(steps: readonly Step[], inTransaction: boolean): Promise<PgliteResults<unknown>[]> {
    const statements = await statementsFor(steps, inTransaction);
    const messages = steps.flatMap((step, i) => [
      serialize.bind({ statement: statements[i]!.name, values: values(statements[i]!, step.params) }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
    ]);
    messages.push(serialize.sync());
    // A bulk write's Bind (a megabyte of rows) goes in a call of its own rather than copied into one
    // buffer with the rest: one more call, one megabyte less garbage per statement (peak RSS of an apply).
    const bulk = messages.length === 4 && messages[0]!.length > BULK_MESSAGE_BYTES;
    if (!bulk) return (await exchange(messages, inTransaction)).results;
    try {
      await exchange([messages[0]!], inTransaction);
    } catch (err) {
      await exchange([serialize.sync()], inTransaction); // the server skips to the Sync after an error
      throw err;
    }
    return (await exchange(messages.slice(1), inTransaction)).results;
  }

  const inQueryLock = <T>(fn: () => Promise<T>) => pglite._runExclusiveQuery(fn);

  return {
    sawScript: sawOther,

    async query<Row>(sql: string, params?: readonly unknown[]) {
      const [result] = await pglite._runExclusiveTransaction(() =>
        inQueryLock(() => pipeline([{ sql, params }], false)),
      );
      return result as PgliteResults<Row>;
    },

    transaction(setup, fn) {
      return pglite._runExclusiveTransaction(async () => {
        let open = true;
        // A statement that fails in the closing call leaves the transaction to the ROLLBACK below.
        const end = async (steps: Step[]) => {
          const results = await inQueryLock(() => pipeline(steps, false));
          open = false;
          return results;
        };
        const tx: SessionTransaction = {
          async query<Row>(sql: string, params?: readonly unknown[]) {
            if (!open) throw new Error('the transaction has ended');
            const [result] = await inQueryLock(() => pipeline([{ sql, params }], true));
            return result as PgliteResults<Row>;
          },
          async exec(script) {
            if (!open) throw new Error('the transaction has ended');
            sawOther(script);
            await inQueryLock(() => exchange([serialize.query(script), serialize.sync()], true));
          },
          async commit<Row>(last?: Step) {
            if (!open) throw new Error('the transaction has ended');
            const results = await end([...(last ? [last] : []), { sql: 'COMMIT' }]);
            if (results.at(-1)!.command === 'ROLLBACK') throw new TransactionRolledBackError();
            return (last ? results[0]!.rows : []) as Row[];
          },
        };
        try {
          await inQueryLock(() => pipeline([{ sql: 'BEGIN' }, ...(setup ? [setup] : [])], true));
          const out = await fn(tx);
          if (open) await tx.commit();
          return out;
        } catch (err) {
          // Also after a failed COMMIT, which has ended the transaction already: ROLLBACK then only warns.
          if (open) await end([{ sql: 'ROLLBACK' }]);
          throw err;
        }
      });
    },
  };
}
