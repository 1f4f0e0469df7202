/**
 * In-memory token buckets, one per upstream account: every request of this process to that account draws
 * from one bucket. Across processes (the server backend) the budget is kept in PostgreSQL instead
 * (request-budget.ts).
 */

export interface RateLimit {
  /** Burst size. */
  capacity: number;
  /** Sustained requests per second. */
  refillPerSecond: number;
}

export interface TokenBucket {
  take(signal?: AbortSignal): Promise<void>;
}

export function createTokenBucket(limit: RateLimit, now: () => number = Date.now): TokenBucket {
  let tokens = limit.capacity;
  let last = now();
  // A promise chain makes waiters take tokens in arrival order.
  let queue: Promise<void> = Promise.resolve();
  const refill = () => {
    const t = now();
    tokens = Math.min(limit.capacity, tokens + ((t - last) / 1000) * limit.refillPerSecond);
    last = t;
  };
  const takeOne = async (signal?: AbortSignal) => {
    for (;;) {
      refill();
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      const waitMs = Math.ceil(((1 - tokens) / limit.refillPerSecond) * 1000);
      await sleep(waitMs, signal);
    }
  };
  return {
    take(signal) {
      const next = queue.then(() => takeOne(signal));
      queue = next.catch(() => undefined);
      return next;
    },
  };
}

const buckets = new Map<string, { limit: RateLimit; bucket: TokenBucket }>();

/** The in-memory bucket of one account (key: requestBudgetKey), created on first use. */
export function bucketFor(key: string, limit: RateLimit): TokenBucket {
  const found = buckets.get(key);
  if (
    found &&
    found.limit.capacity === limit.capacity &&
    found.limit.refillPerSecond === limit.refillPerSecond
  )
    return found.bucket;
  const bucket = createTokenBucket(limit);
  buckets.set(key, { limit, bucket });
  return bucket;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
