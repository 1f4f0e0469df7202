/**
 * One process of the request-budget benchmark: a few concurrent clients of one upstream account sending
 * as fast as the budget lets them. `shared` books slots in PostgreSQL (what the server backend does);
 * `private` keeps an in-memory bucket per process (what every process did before the shared budget).
 * Processes start sending together at `startAt` (epoch ms). Prints {"sent"} when done.
 */
import { createHttpClient } from '../../src/connectors/http-client.ts';
import { createTokenBucket } from '../../src/connectors/rate-limiter.ts';
import { createSharedTokenBucket } from '../../src/connectors/request-budget.ts';
import { createPgDb } from '../../src/db/pg-driver.ts';

const [mode, fakeUrl, dbUrl, key, capacity, perSecond, requests, clients, startAt] = process.argv.slice(2);
const limit = { capacity: Number(capacity), refillPerSecond: Number(perSecond) };
const db = mode === 'shared' ? createPgDb(dbUrl!, 2) : undefined;
const bucket = db ? createSharedTokenBucket(db, key!, limit) : createTokenBucket(limit);
let left = Number(requests);
// Every process starts sending at the same moment, whatever its own start-up took.
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
await Promise.all(
  Array.from({ length: Number(clients) }, async () => {
    const http = createHttpClient({ service: 'Fake', baseUrl: fakeUrl!, rateLimit: bucket });
    while (left-- > 0) await http.get('/records');
  }),
);
await db?.close();
console.log(JSON.stringify({ sent: Number(requests) }));
