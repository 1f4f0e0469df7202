/** The database port: everything above src/db/ talks to this interface and never to a driver. */
import type { ChangeTracker } from './change-tracking.ts';

export type SqlParam = string | number | boolean | null | Date | Buffer | readonly unknown[] | object;

export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

/** CSV text for COPY, as strings or UTF-8 bytes. */
export type CopyData = string | Uint8Array;

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<QueryResult<Row>>;
  /** Runs a script of several statements with no parameters (migrations, DDL). */
  exec(script: string): Promise<void>;
  /**
   * Optional fast path: `COPY <target> FROM STDIN` with CSV text. Bulk writers feature-detect it and fall
   * back to parameterised statements when a driver lacks it.
   */
  copyFrom?(copySql: string, csv: AsyncIterable<CopyData> | Iterable<CopyData>): Promise<void>;
}

export type DbKind = 'pglite' | 'postgres';

export interface Db extends Queryable {
  readonly kind: DbKind;
  /**
   * Runs `fn` in one transaction on one connection. Code inside must use the handle it is given: on PGlite
   * the outer handle waits for the transaction to finish, so using it inside would deadlock.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Committed changes per table and the tables work read, where this process sees every change (the
   * embedded database, which no other process opens): what a read cache keys on. Absent on a server,
   * which other processes write to.
   */
  readonly changes?: ChangeTracker;
  close(): Promise<void>;
}

export interface TransactionOptions {
  /**
   * Transaction-local settings (`set_config(name, value, true)`) in force before `fn` runs. Drivers
   * send them with BEGIN where they can: one round trip less on every tenant-scoped request.
   */
  localSettings?: Readonly<Record<string, string>>;
  /**
   * A chunk of a long job. On PGlite (one session, run on the server's own thread) it waits until the
   * requests that arrived while the previous chunk ran have had their turn, so reads are answered
   * between a job's chunks; a server's pool runs it beside them and ignores the flag.
   */
  background?: boolean;
}
