/**
 * The request budget of one upstream account (a connector, its API origin, one credential). On the server
 * backend any number of processes call the same account, so the budget lives in PostgreSQL: one row per
 * account, and each request books the next free slot with one atomic upsert (GCRA, the token bucket
 * kept as a single timestamp). The embedded backend is one process: its in-memory bucket is the
 * deployment's budget and costs no query.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/db.ts';
import { bucketFor, type RateLimit, sleep, type TokenBucket } from './rate-limiter.ts';

/**
 * The account a request budget belongs to. An OAuth connection keeps its refresh token while access
 * tokens rotate; any other credential is identified by the values it sends.
 */
export function requestBudgetKey(
  connector: string,
  baseUrl: string,
  credentials: unknown,
  authHeaders: Record<string, string>,
): string {
  const refresh = (credentials as { refresh_token?: unknown } | null)?.refresh_token;
  const identity =
    typeof refresh === 'string' && refresh !== ''
      ? [`refresh:${refresh}`]
      : Object.entries(authHeaders)
          .map(([k, v]) => `${k.toLowerCase()}:${v}`)
          .sort();
  const hash = createHash('sha256');
  for (const part of [connector, new URL(baseUrl).origin, ...identity]) hash.update(part).update('\0');
  return `${connector}:${hash.digest('hex')}`;
}

/**
 * A slot is booked one emission interval (1 / rate) after the last one, or now when the bucket has been
 * idle; a request may leave up to `capacity` intervals before its slot (the burst). The answer is how
 * long to wait, computed on the database's clock, so processes on different machines agree.
 */
const BOOK_SLOT = /* sql */ `
  INSERT INTO upstream_request_budgets AS b (budget_key, booked_until)
  VALUES ($1::text, clock_timestamp() + make_interval(secs => $2::float8))
  ON CONFLICT (budget_key) DO UPDATE
    SET booked_until = greatest(b.booked_until, clock_timestamp()) + make_interval(secs => $2::float8)
  RETURNING greatest(0, extract(epoch FROM b.booked_until - clock_timestamp())::float8 - $3::float8) * 1000
    AS wait_ms`;

// A request that leaves later than this share of an interval after its slot books a new slot instead:
// several late wakers leaving together would crowd the window after them. Below one interval, every
// request leaves within its own slot's interval, so the departures keep the bucket's bound.
const LATE_SHARE_OF_INTERVAL = 0.5;
// A process too busy to keep any slot still sends after this many tries rather than never.
const MAX_BOOKINGS = 4;

/** The deployment-wide bucket of one account, kept in the `upstream_request_budgets` row `key`. */
export function createSharedTokenBucket(db: Db, key: string, limit: RateLimit): TokenBucket {
  const interval = 1 / limit.refillPerSecond;
  const burst = limit.capacity * interval;
  const lateAfterMs = interval * 1000 * LATE_SHARE_OF_INTERVAL;
  return {
    async take(signal) {
      for (let booking = 1; ; booking++) {
        signal?.throwIfAborted();
        const askedAt = performance.now();
        const { rows } = await db.query<{ wait_ms: number }>(BOOK_SLOT, [key, interval, burst]);
        const waitMs = Number(rows[0]!.wait_ms);
        // A booked slot is spent even if the request is then aborted or late: the budget errs on the safe side.
        await sleep(Math.ceil(waitMs), signal);
        const late = performance.now() - (askedAt + waitMs);
        if (late <= lateAfterMs || booking === MAX_BOOKINGS) return;
      }
    },
  };
}

/** The bucket a connection's requests draw from: shared through PostgreSQL on the server backend. */
export function requestBudget(db: Db | undefined, key: string, limit: RateLimit): TokenBucket {
  if (db?.kind === 'postgres') return createSharedTokenBucket(db, key, limit);
  return bucketFor(key, limit);
}
