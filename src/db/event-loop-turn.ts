/**
 * Turns of the event loop for long work. The embedded database runs each statement on the server's own
 * thread, and an awaited statement resumes in a microtask: a chain of statements reads no request until
 * the work yields. `eventLoopTurn` lets one poll phase run, so the sockets are read and what needs no
 * database (`/healthz`'s busy answer, a poll of a running apply) is answered.
 */
import type { Db } from './db.ts';

export const eventLoopTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * On the embedded database, two turns between two statements of background work: the second comes after
 * a poll phase has read the requests that arrived, so they are answered before the next statement holds
 * the thread. A server's pool runs requests beside the work: nothing to wait for.
 */
export async function requestsTurn(db: Pick<Db, 'kind'>): Promise<void> {
  if (db.kind !== 'pglite') return;
  await eventLoopTurn();
  await eventLoopTurn();
}
