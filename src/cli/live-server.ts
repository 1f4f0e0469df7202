/**
 * How the CLI reaches a server that holds the embedded data folder. The embedded database allows one
 * process, so while a server runs, `pandora skill run` and friends go through its HTTP API instead. The
 * server publishes `server.json` in the data folder (mode 0600: its URL and a token valid only for that
 * process's life, as good as the admin token); whoever can read the folder could read the database anyway.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const ENDPOINT_FILE = 'server.json';

const endpointSchema = z.object({ pid: z.number().int(), url: z.string().url(), token: z.string().min(20) });
export type ServerEndpoint = z.infer<typeof endpointSchema>;

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A token for the local CLI, accepted as the admin token by this process only. */
export function localCliToken(): { token: string; matches(candidate: string): boolean } {
  const token = `pdr_local_${randomBytes(24).toString('base64url')}`;
  const expected = Buffer.from(token);
  return {
    token,
    matches: (candidate) => {
      const given = Buffer.from(candidate);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

/** Writes server.json for this process; returns the function that removes it at shutdown. */
export function publishEndpoint(dataDir: string, url: string, token: string): () => void {
  const file = join(dataDir, ENDPOINT_FILE);
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ pid: process.pid, url, token } satisfies ServerEndpoint), {
    mode: 0o600,
  });
  renameSync(tmp, file);
  return () => {
    // Only our own file: a later server may have replaced it.
    const current = existsSync(file)
      ? endpointSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')))
      : null;
    if (current?.success && current.data.pid === process.pid) rmSync(file, { force: true });
  };
}

/** The endpoint of a live server on this data folder, or null (none, or its process is gone). */
export function readLiveEndpoint(dataDir: string): ServerEndpoint | null {
  let raw: string;
  try {
    raw = readFileSync(join(dataDir, ENDPOINT_FILE), 'utf8');
  } catch {
    return null;
  }
  let parsed: ReturnType<typeof endpointSchema.safeParse>;
  try {
    parsed = endpointSchema.safeParse(JSON.parse(raw));
  } catch {
    return null;
  }
  if (!parsed.success || parsed.data.pid === process.pid || !processIsAlive(parsed.data.pid)) return null;
  return parsed.data;
}

/** An error answer of the server, with its status and message. */
export class ServerApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The server's HTTP API with the local token. */
export class ServerApi {
  constructor(readonly endpoint: ServerEndpoint) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.endpoint.url + path, {
      method,
      headers: {
        authorization: `Bearer ${this.endpoint.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ServerApiError(
        res.status,
        error?.code ?? 'error',
        error?.message ?? `${method} ${path}: ${res.status}`,
      );
    }
    return json as T;
  }
}
