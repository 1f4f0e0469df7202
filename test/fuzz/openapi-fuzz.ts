/**
 * Property-based fuzzing of the HTTP API, driven by /api/openapi.json: every documented operation gets
 * requests built from its own parameters and body schema, each with one part made hostile (a path or
 * query parameter, a body field, the whole body, the transport, the credentials). The property: no
 * response is ≥ 500, and every 4xx is `{"error": {"code", "message"}}`. Routes added later are covered
 * as soon as they are documented.
 */
import fc from 'fast-check';
import type { FuzzWorld } from './fuzz-world.ts';
import {
  encodeComponent,
  hostileJson,
  hostilePathSegment,
  hostileQueryFor,
  hostileQueryValue,
  hostileFor,
  hostileString,
  poisonedCursors,
  RAW_BODIES,
  type RawBody,
} from './hostile-values.ts';
import { inlineRefs, type Schema, schemaValue, type ValueContext } from './schema-values.ts';

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  method: string;
  /** OpenAPI path with `{name}` templates. */
  path: string;
  parameters: Parameter[];
  body?: Schema;
  auth: 'none' | 'admin' | 'workspace';
}

export interface FuzzRequest {
  /** What was made hostile, for the report. */
  mutation: string;
  method: string;
  /** Path and query, already encoded. */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface FuzzFailure {
  operation: string;
  request: FuzzRequest;
  status: number;
  body: string;
}

export interface FuzzReport {
  seed: number;
  operations: number;
  requests: number;
  serverErrors: FuzzFailure[];
  badErrorShapes: FuzzFailure[];
  statuses: Record<string, number>;
}

const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete']);

export function operationsOf(doc: any): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(item)) {
      const body = inlineRefs(op.requestBody?.content?.['application/json']?.schema, doc) as
        | Schema
        | undefined;
      const auth: Operation['auth'] =
        Array.isArray(op.security) && op.security.length === 0
          ? 'none'
          : path.startsWith('/api/workspaces/{workspaceId}')
            ? 'workspace'
            : 'admin';
      out.push({ method, path, parameters: inlineRefs(op.parameters ?? [], doc), body, auth });
    }
  }
  return out;
}

export interface FuzzTarget {
  world: FuzzWorld;
  /** Requests per operation, besides one request per transport-level hostile body. */
  runsPerOperation: number;
  seed: number;
  /** Called with each failure as it happens (the long run prints them). */
  onFailure?: (f: FuzzFailure) => void;
}

function serialiseQueryValue(v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => encodeComponent(String(x))).join(',');
  if (v !== null && typeof v === 'object') return encodeComponent(JSON.stringify(v));
  return encodeComponent(String(v));
}

interface Parts {
  path: Record<string, string>;
  query: Array<[string, string]>;
  body: unknown;
  token: string | null;
}

function build(op: Operation, parts: Parts, mutation: string, raw?: RawBody): FuzzRequest {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => parts.path[name] ?? 'x');
  const query = parts.query.map(([k, v]) => `${k}=${v}`).join('&');
  const headers: Record<string, string> = {};
  if (parts.token) headers.authorization = `Bearer ${parts.token}`;
  let body: Buffer | undefined;
  if (raw) {
    body = raw.body;
    Object.assign(headers, { 'content-type': 'application/json' }, raw.headers);
  } else if (parts.body !== undefined && BODY_METHODS.has(op.method)) {
    body = Buffer.from(JSON.stringify(parts.body));
    headers['content-type'] = 'application/json';
  }
  return {
    mutation,
    method: op.method.toUpperCase(),
    target: query ? `${path}?${query}` : path,
    headers,
    body,
  };
}

/** Arbitrary for the plausible parts of a request to `op`; mutations then spoil one of them. */
function baseline(op: Operation, world: FuzzWorld, ctx: ValueContext): fc.Arbitrary<Parts> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const path: Record<string, fc.Arbitrary<string>> = {};
  for (const p of pathParams) {
    path[p.name] =
      p.name === 'workspaceId'
        ? fc.constant(world.workspaceId)
        : p.schema?.enum
          ? fc.constantFrom(...(p.schema.enum as string[]))
          : fc.constantFrom(...ctx.ids, 'x');
  }
  const query = fc
    .tuple(
      ...queryParams.map((p) =>
        (p.required
          ? schemaValue(p.schema, ctx)
          : fc.option(schemaValue(p.schema, ctx), { freq: 2, nil: undefined })
        ).map((v) =>
          v === undefined ? null : ([encodeComponent(p.name), serialiseQueryValue(v)] as [string, string]),
        ),
      ),
    )
    .map((pairs) => pairs.filter((x): x is [string, string] => x !== null));
  const token = op.auth === 'none' ? null : op.auth === 'admin' ? world.adminToken : world.key;
  return fc.record({
    path: fc.record(path),
    query,
    body: op.body ? schemaValue(op.body, ctx) : fc.constant(undefined),
    token: fc.constant(token),
  });
}

/** Replaces the value at a dotted path inside a JSON value (creating objects on the way). */
function setAt(value: unknown, keys: string[], replacement: unknown): unknown {
  if (keys.length === 0) return replacement;
  const base = value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...value } : {};
  const [head, ...rest] = keys;
  (base as Record<string, unknown>)[head!] = setAt(
    (base as Record<string, unknown>)[head!],
    rest,
    replacement,
  );
  return base;
}

/** Every field of a body schema with its schema, one level of nesting deep. */
function bodyFields(schema: Schema | undefined): Array<{ keys: string[]; schema: Schema }> {
  const props = (schema?.properties ?? {}) as Record<string, Schema>;
  const out: Array<{ keys: string[]; schema: Schema }> = [];
  for (const [name, s] of Object.entries(props)) {
    out.push({ keys: [name], schema: s });
    for (const [inner, t] of Object.entries((s.properties ?? {}) as Record<string, Schema>))
      out.push({ keys: [name, inner], schema: t });
  }
  return out;
}

function requestArbitrary(op: Operation, world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const ctx: ValueContext = { ids: world.ownIds, url: world.upstream.url };
  const anyIds = [...world.ownIds, ...world.foreignIds];
  const base = baseline(op, world, ctx);
  const pathParams = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const fields = bodyFields(op.body);
  const strategies: Array<fc.Arbitrary<FuzzRequest>> = [base.map((p) => build(op, p, 'none'))];

  if (pathParams.length)
    strategies.push(
      fc
        .tuple(base, fc.constantFrom(...pathParams), hostilePathSegment(anyIds))
        .map(([p, name, v]) =>
          build(op, { ...p, path: { ...p.path, [name]: v } }, `path ${name}=${v.slice(0, 60)}`),
        ),
    );
  if (queryParams.length)
    strategies.push(
      fc
        .tuple(
          base,
          fc
            .constantFrom(...queryParams)
            .chain((q) => fc.tuple(fc.constant(q.name), hostileQueryFor(q.name, q.schema, anyIds))),
        )
        .map(([p, [name, v]]) =>
          build(
            op,
            { ...p, query: [...p.query.filter(([k]) => k !== name), [encodeComponent(name), v]] },
            `query ${name}=${v.slice(0, 60)}`,
          ),
        ),
    );
  // Undocumented parameters: unknown names, NUL in names, repeated keys, forged cursors anywhere.
  strategies.push(
    fc
      .tuple(
        base,
        fc.oneof(hostileString.map(encodeComponent), fc.constantFrom('cursor', 'limit', 'a%00b')),
        hostileQueryValue(anyIds),
      )
      .map(([p, k, v]) =>
        build(
          op,
          { ...p, query: [...p.query, [k || 'x', v], [k || 'x', v]] },
          `query extra ${k.slice(0, 30)}`,
        ),
      ),
  );
  if (op.body || BODY_METHODS.has(op.method)) {
    if (fields.length)
      strategies.push(
        fc
          .tuple(
            base,
            fc
              .constantFrom(...fields)
              .chain((f) => fc.tuple(fc.constant(f.keys), hostileFor(f.keys.at(-1)!, f.schema, anyIds))),
          )
          .map(([p, [keys, v]]) =>
            build(
              op,
              { ...p, body: setAt(p.body, keys, v) },
              `body ${keys.join('.')}=${JSON.stringify(v)?.slice(0, 60)}`,
            ),
          ),
      );
    strategies.push(
      fc
        .tuple(base, hostileJson(anyIds))
        .map(([p, v]) => build(op, { ...p, body: v }, `body=${JSON.stringify(v)?.slice(0, 60)}`)),
      fc
        .tuple(base, hostileString, hostileJson(anyIds))
        .map(([p, k, v]) =>
          build(
            op,
            { ...p, body: setAt(p.body, [k], v) },
            `body extra key ${JSON.stringify(k).slice(0, 30)}`,
          ),
        ),
    );
  }
  if (op.auth !== 'none') {
    const tokens = [
      '',
      world.foreignKey,
      world.revokedKey,
      'pdr_',
      `pdr_${'A'.repeat(43)}_${'B'.repeat(32)}`,
      'x'.repeat(4_000),
      world.key.slice(0, -1),
    ];
    strategies.push(
      fc
        .tuple(base, fc.constantFrom(...tokens))
        .map(([p, token]) => build(op, { ...p, token }, `token ${token.slice(0, 12)}…`)),
    );
  }
  return fc.oneof(...strategies);
}

function hasErrorShape(text: string): boolean {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return typeof body.error?.code === 'string' && typeof body.error.message === 'string';
  } catch {
    return false;
  }
}

async function send(baseUrl: string, req: FuzzRequest): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(baseUrl + req.target, {
      method: req.method,
      headers: req.headers,
      body: req.body ? new Uint8Array(req.body) : undefined,
      signal: AbortSignal.timeout(60_000),
    });
    return { status: res.status, body: await res.text() };
  } catch (err) {
    // No answer at all (a dropped connection, a hang) counts as a server error.
    return { status: 599, body: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Requests carrying real cursors of a list operation (a first page of one row, for each sort) poisoned
 * one value at a time: the envelope and the sort stay right, so the server's check of each value inside
 * the cursor is what gets tested. A sample of `count` of them.
 */
async function poisonedCursorRequests(op: Operation, world: FuzzWorld, seed: number, count: number) {
  if (op.method !== 'get' || !op.parameters.some((p) => p.name === 'cursor')) return [];
  if (op.parameters.some((p) => p.in === 'path' && p.name !== 'workspaceId')) return [];
  const sorts = op.parameters.find((p) => p.name === 'sort')?.schema?.enum as string[] | undefined;
  const path = op.path.replace('{workspaceId}', world.workspaceId);
  const candidates: FuzzRequest[] = [];
  for (const sort of sorts ?? [undefined]) {
    const sortQuery = sort ? `sort=${encodeComponent(sort)}&` : '';
    const res = await fetch(`${world.url}${path}?${sortQuery}limit=1`, {
      headers: { authorization: `Bearer ${world.key}` },
    });
    const { next_cursor: real } = (await res.json()) as { next_cursor?: unknown };
    if (typeof real !== 'string') continue;
    for (const cursor of poisonedCursors(real))
      candidates.push({
        mutation: `poisoned cursor ${Buffer.from(cursor, 'base64url').toString('utf8').slice(0, 80)}`,
        method: 'GET',
        target: `${path}?${sortQuery}cursor=${cursor}`,
        headers: { authorization: `Bearer ${world.key}` },
      });
  }
  if (candidates.length <= count) return candidates;
  return fc.sample(fc.constantFrom(...candidates), { seed, numRuns: count });
}

export async function fuzzApi(doc: unknown, target: FuzzTarget): Promise<FuzzReport> {
  const ops = operationsOf(doc);
  const report: FuzzReport = {
    seed: target.seed,
    operations: ops.length,
    requests: 0,
    serverErrors: [],
    badErrorShapes: [],
    statuses: {},
  };
  // Cursors are taken before any request can change the data they page through.
  const cursorRequests = await Promise.all(
    ops.map((op, i) => poisonedCursorRequests(op, target.world, target.seed + i, target.runsPerOperation)),
  );
  for (const [i, op] of ops.entries()) {
    const name = `${op.method.toUpperCase()} ${op.path}`;
    const requests = fc.sample(requestArbitrary(op, target.world), {
      seed: target.seed + i,
      numRuns: target.runsPerOperation,
    });
    requests.push(...cursorRequests[i]!);
    // Transport-level hostility once per operation that takes a body: the classes are few and fixed.
    if (op.body || BODY_METHODS.has(op.method)) {
      const parts = fc.sample(
        baseline(op, target.world, { ids: target.world.ownIds, url: target.world.upstream.url }),
        {
          seed: target.seed + i,
          numRuns: 1,
        },
      )[0]!;
      for (const raw of RAW_BODIES) requests.push(build(op, parts, `raw body: ${raw.label}`, raw));
    }
    for (const req of requests) {
      const res = await send(target.world.url, req);
      report.requests++;
      const bucket = `${Math.floor(res.status / 100)}xx`;
      report.statuses[bucket] = (report.statuses[bucket] ?? 0) + 1;
      const failure = { operation: name, request: req, status: res.status, body: res.body.slice(0, 300) };
      if (res.status >= 500) {
        report.serverErrors.push(failure);
        target.onFailure?.(failure);
      } else if (res.status >= 400 && !hasErrorShape(res.body)) {
        report.badErrorShapes.push(failure);
        target.onFailure?.(failure);
      }
    }
  }
  return report;
}

/** One line per failure, enough to replay it with curl. */
export function describeFailure(f: FuzzFailure): string {
  const body = f.request.body ? ` body=${f.request.body.toString('utf8').slice(0, 120)}` : '';
  return `${f.status} ${f.operation} [${f.request.mutation}] ${f.request.method} ${f.request.target.slice(0, 200)}${body} → ${f.body.slice(0, 200)}`;
}
