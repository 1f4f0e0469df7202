/**
 * Answers of the hot read routes (entity lists and records, the pipeline summary, conversations without
 * deals), kept by the embedded backend until the next committed change to the data. PGlite runs one
 * statement at a time on the server's own thread, so thirty dashboards asking the same question queue
 * behind each other; the second asker gets the first one's answer instead. An answer is served only while
 * no write has committed since it was computed (the database's change count) and for a few seconds at
 * most, which bounds what "now" means in answers that depend on the time. A server backend has no
 * change count (other processes write to it) and skips the cache.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../db/db.ts';

// Paths under /api/workspaces/:id whose GET answers come from the database alone (no in-memory job
// progress, no upstream call).
const CACHEABLE = [
  /^\/(deals|contacts|accounts|activities|conversations|tasks|calls|documents|leads)(\/[^/]+)?$/,
  /^\/pipeline\/(summary|waterfall)$/,
  /^\/conversations-without-deals(\/summary)?$/,
];

interface Entry {
  changeCount: number;
  expires: number;
  body: string;
}

export interface ReadCacheOptions {
  seconds: number;
  maxEntries?: number;
  maxBytes?: number;
}

export function readCache(db: Db, options: ReadCacheOptions) {
  const changeCount = db.changeCount?.bind(db);
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

  return (req: Request, res: Response, next: NextFunction) => {
    if (!changeCount || options.seconds <= 0 || req.method !== 'GET') return next();
    const path = req.path;
    if (!CACHEABLE.some((p) => p.test(path))) return next();
    // The full URL: the workspace and every query parameter are part of the question.
    const key = req.originalUrl;
    const now = Date.now();
    const seen = changeCount();
    const hit = entries.get(key);
    if (hit && hit.changeCount === seen && hit.expires > now) {
      // Refreshed as most recently used: insertion order is eviction order.
      entries.delete(key);
      entries.set(key, hit);
      res.set('x-pandora-cache', 'hit');
      res.type('application/json').send(hit.body);
      return;
    }
    forget(key);
    res.set('x-pandora-cache', 'miss');
    res.json = (value: unknown) => {
      const body = JSON.stringify(value);
      // Kept only if nothing committed while it was computed.
      if (res.statusCode === 200 && changeCount() === seen && body.length <= maxBytes / 8) {
        entries.set(key, { changeCount: seen, expires: now + options.seconds * 1000, body });
        bytes += body.length;
        while (entries.size > maxEntries || bytes > maxBytes) forget(entries.keys().next().value!);
      }
      return res.type('application/json').send(body);
    };
    next();
  };
}
