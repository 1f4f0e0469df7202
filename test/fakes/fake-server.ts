/**
 * Shared plumbing for fake external APIs: an HTTP server on 127.0.0.1 (port 0) with a request log,
 * JSON helpers and scripted faults (status codes, Retry-After, malformed bodies) consumed in order.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** The body as received (signatures cover these exact bytes). */
  raw: string;
  /** When it arrived (performance.now() of the fake's process): request budgets are checked per window. */
  at: number;
  /** Arrival time in ms (rate-limit checks count requests per second). */
  receivedAt: number;
}

export interface Fault {
  /** Which requests the fault applies to; default every request. */
  match?: (req: LoggedRequest) => boolean;
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** How many times it fires; default 1. */
  times?: number;
}

export interface FakeRequest extends LoggedRequest {
  url: URL;
}

/** The largest number of requests that arrived within any window of `windowMs`. */
export function mostRequestsInWindow(requests: readonly { at: number }[], windowMs: number): number {
  const times = requests.map((r) => r.at).sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

export type FakeHandler = (req: FakeRequest) => {
  status?: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
};

export interface FakeServer {
  url: string;
  requests: LoggedRequest[];
  /** Queue a fault; it answers the next matching request(s) instead of the handler. */
  fault(f: Fault): void;
  clearFaults(): void;
  /** Every answer waits this long (a slow upstream, so a sync is caught mid-way); default 0. */
  delay(ms: number): void;
  close(): Promise<void>;
}

export async function startFakeServer(handler: FakeHandler): Promise<FakeServer> {
  const requests: LoggedRequest[] = [];
  let faults: Array<Fault & { left: number }> = [];
  let delayMs = 0;

  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const logged: LoggedRequest = {
      receivedAt: Date.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      raw,
      at,
    };
    requests.push(logged);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const fault = faults.find((f) => f.left > 0 && (!f.match || f.match(logged)));
    if (fault) {
      fault.left--;
      faults = faults.filter((f) => f.left > 0);
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(fault.body ?? JSON.stringify({ message: `fault ${fault.status}` }));
      return;
    }
    try {
      const out = handler({ ...logged, url });
      const text = out.text ?? JSON.stringify(out.json ?? {});
      res.writeHead(out.status ?? 200, { 'content-type': 'application/json', ...out.headers });
      res.end(text);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: err instanceof Error ? err.message : String(err) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fault(f) {
      faults.push({ ...f, left: f.times ?? 1 });
    },
    clearFaults() {
      faults = [];
    },
    delay(ms) {
      delayMs = ms;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
