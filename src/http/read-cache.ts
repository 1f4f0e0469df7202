/**
 * Answers of the hot read routes (entity lists and records, the pipeline summary, conversations without
 * deals), kept by the embedded backend until a table they read changes. PGlite runs one statement at
 * a time on the server's own thread, so thirty dashboards asking the same question queue behind each
 * other; the second asker gets the first one's answer instead. An answer is served only while no write
 * to a table its transactions read has committed since (the driver's change tracking), and for a few
 * seconds at most, which bounds what "now" means in answers that depend on the time. While a long job
 * holds the one embedded session, a request that waited 200 ms gets the expired answer instead when
 * none of its tables changed since: the job's writes are not visible before its commit anyway. A server
 * backend has no change tracking (other processes write to it) and skips the cache.
 */
import type { NextFunction, Request, Response } from 'express';
import { type ChangeStamp, UNATTRIBUTED_READ } from '../db/change-tracking.ts';
import type { Db } from '../db/db.ts';
import { JsonText } from '../db/json-text.ts';

// Paths under /api/workspaces/:id whose GET answers come from the database alone (no in-memory job
// progress, no upstream call).
const CACHEABLE = [
  /^\/(deals|contacts|accounts|activities|conversations|tasks|calls|documents|leads)(\/[^/]+)?$/,
  /^\/pipeline\/(summary|waterfall)$/,
  /^\/conversations-without-deals(\/summary)?$/,
];

interface Entry {
  stamp: ChangeStamp;
  expires: number;
  body: string;
}

export interface ReadCacheOptions {
  seconds: number;
  /**
   * While the database holds a request this long (a long job's transaction on the one embedded session),
   * an expired answer with no commit since is given instead, at most `staleSeconds` past its expiry.
   */
  busyAfterMs?: number;
  staleSeconds?: number;
  maxEntries?: number;
  maxBytes?: number;
}

export function readCache(db: Db, options: ReadCacheOptions) {
  const changes = db.changes;
  const busyAfterMs = options.busyAfterMs ?? 200;
  const staleMs = (options.staleSeconds ?? 60) * 1000;
  const maxEntries = options.maxEntries ?? 500;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const entries = new Map<string, Entry>();
  let bytes = 0;
  const forget = (key: string) => {
    const old = entries.get(key);
    if (!old) return;
    bytes -= old.body.length;
    entries.delete(key);
  };
  const keep = (key: string, entry: Entry) => {
    forget(key);
    entries.set(key, entry);
    bytes += entry.body.length;
    // Insertion order is age order: past the caps, the oldest entries go.
    while (entries.size > maxEntries || bytes > maxBytes) forget(entries.keys().next().value!);
  };
  const answer = (res: Response, how: 'hit' | 'stale-while-busy', body: string) => {
    res.set('x-pandora-cache', how);
    res.type('application/json').send(body);
  };

  return (req: Request, res: Response, next: NextFunction) => {
    if (!changes || options.seconds <= 0 || req.method !== 'GET') return next();
    const path = req.path;
    if (!CACHEABLE.some((p) => p.test(path))) return next();
    // The full URL: the workspace and every query parameter are part of the question.
    const key = req.originalUrl;
    const now = Date.now();
    const known = entries.get(key);
    const unchanged = known && changes.isCurrent(known.stamp) ? known : undefined;
    if (unchanged && unchanged.expires > now) {
      keep(key, unchanged); // most recently used
      answer(res, 'hit', unchanged.body);
      return;
    }
    // Expired but true of the committed data: the answer to give if the database stays held.
    const fallback = unchanged && unchanged.expires + staleMs > now ? unchanged : undefined;
    const busy = fallback
      ? setTimeout(() => {
          if (!res.headersSent) answer(res, 'stale-while-busy', fallback.body);
        }, busyAfterMs)
      : undefined;
    res.on('close', () => clearTimeout(busy));
    res.set('x-pandora-cache', 'miss');
    // The counts before the handler reads: a change committed after its reads makes the answer stale.
    const before = changes.snapshot();
    const read = new Set<string>();
    res.json = (value: unknown) => {
      clearTimeout(busy);
      const body = value instanceof JsonText ? value.text : JSON.stringify(value);
      const stamp = changes.stampOf(before, read);
      if (
        res.statusCode === 200 &&
        read.size > 0 &&
        !read.has(UNATTRIBUTED_READ) &&
        changes.isCurrent(stamp) &&
        body.length <= maxBytes / 8
      ) {
        keep(key, { stamp, expires: Date.now() + options.seconds * 1000, body });
      }
      // Answered already from the fallback: this answer only refreshes the cache.
      if (res.headersSent) return res;
      return res.type('application/json').send(body);
    };
    changes.recordingReads(read, next);
  };
}
