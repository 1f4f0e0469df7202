/**
 * Committed changes counted per table, for a process that sees every change to its database (the
 * embedded one, which no other process opens), and the tables a piece of work read. A read cache keeps
 * an answer with the counts of the tables it read and gives it again while they are unchanged: a write to
 * an import batch or a job row does not discard a cached deals list.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** The counts an answer was computed under: every table it read, and changes to tables unknown. */
export interface ChangeStamp {
  unknown: number;
  tables: ReadonlyMap<string, number>;
}

/** Recorded in place of table names when work read in a way the tracker cannot attribute. */
export const UNATTRIBUTED_READ = '*';

export class ChangeTracker {
  #unknown = 0;
  readonly #tables = new Map<string, number>();
  readonly #reads = new AsyncLocalStorage<Set<string>>();

  /** A committed change to the named tables; none named means any table may have changed. */
  changed(tables: readonly string[]): void {
    if (tables.length === 0) this.#unknown++;
    for (const t of tables) this.#tables.set(t, (this.#tables.get(t) ?? 0) + 1);
  }

  /** The counts now, to take an answer's stamp from once it knows what it read. */
  snapshot(): ChangeStamp {
    return { unknown: this.#unknown, tables: new Map(this.#tables) };
  }

  /** The part of `snapshot` covering `tables`. */
  stampOf(snapshot: ChangeStamp, tables: Iterable<string>): ChangeStamp {
    const out = new Map<string, number>();
    for (const t of tables) out.set(t, snapshot.tables.get(t) ?? 0);
    return { unknown: snapshot.unknown, tables: out };
  }

  /** True while nothing the stamp covers has changed since it was taken. */
  isCurrent(stamp: ChangeStamp): boolean {
    if (stamp.unknown !== this.#unknown) return false;
    for (const [t, n] of stamp.tables) if ((this.#tables.get(t) ?? 0) !== n) return false;
    return true;
  }

  /** Runs `work` with the tables its transactions read added to `into`. */
  recordingReads<T>(into: Set<string>, work: () => T): T {
    return this.#reads.run(into, work);
  }

  /** Where the current work records what it reads, if anything asked. */
  readRecorder(): Set<string> | undefined {
    return this.#reads.getStore();
  }
}
