/**
 * The OpenAPI 3.1 document, assembled from route docs that each capability exports. A capability adds
 * its docs function to ROUTE_DOC_SOURCES in route-doc-sources.ts; a test walks the Express router stack
 * and fails when a mounted route has no doc.
 */

export type JsonSchema = Record<string, unknown>;

export interface ParameterDoc {
  name: string;
  in: 'query' | 'path';
  description?: string;
  required?: boolean;
  schema: JsonSchema;
}

export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style full path, e.g. /api/workspaces/:workspaceId/deals/:entityId */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** Who may call it; 'none' for public routes. */
  auth: 'admin' | 'workspace' | 'none';
  parameters?: ParameterDoc[];
  requestBody?: JsonSchema;
  response: { status: number; description: string; schema?: JsonSchema };
}

export const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { description: 'validation issues and other context, when there are any' },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

/** `:name` segments → `{name}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

function pathParameters(path: string): ParameterDoc[] {
  return [...path.matchAll(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => ({
    name: m[1]!,
    in: 'path' as const,
    required: true,
    schema: { type: 'string' },
  }));
}

/**
 * The document's convention: an object schema lists all its keys unless it says otherwise
 * (`additionalProperties: true` or a schema for free keys), so a generated client can rely on the shape.
 * The operations walk (test/http/openapi-operations.test.ts) holds every response to it.
 */
export function closeObjects(schema: JsonSchema): JsonSchema {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out: JsonSchema = { ...schema };
  if (out.properties) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties as Record<string, JsonSchema>).map(([k, v]) => [k, closeObjects(v)]),
    );
    if (!('additionalProperties' in out)) out.additionalProperties = false;
  }
  if (out.items) out.items = closeObjects(out.items as JsonSchema);
  if (typeof out.additionalProperties === 'object')
    out.additionalProperties = closeObjects(out.additionalProperties as JsonSchema);
  for (const key of ['anyOf', 'oneOf'] as const)
    if (Array.isArray(out[key])) out[key] = (out[key] as JsonSchema[]).map(closeObjects);
  return out;
}

function operation(doc: RouteDoc): JsonSchema {
  const schema = doc.response.schema ? closeObjects(doc.response.schema) : undefined;
  const responses: Record<string, JsonSchema> = {
    [String(doc.response.status)]: {
      description: doc.response.description,
      ...(schema ? { content: { 'application/json': { schema } } } : {}),
    },
  };
  const err = (description: string) => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  if (doc.parameters?.some((p) => p.in === 'query') || doc.requestBody)
    responses['400'] = err('invalid input');
  if (doc.auth === 'admin') responses['401'] = err('missing credentials, or not the admin token');
  if (doc.auth === 'workspace')
    responses['401'] = err(
      'no credentials (`unauthorized`), or a key that matches no live key (`invalid_api_key`)',
    );
  if (doc.path.includes(':')) responses['404'] = err('not found (or in another workspace)');
  return {
    operationId: `${doc.method}${openApiPath(doc.path)
      .replace(/[{}]/g, '')
      .split(/[/-]/)
      .filter(Boolean)
      .map((s) => s[0]!.toUpperCase() + s.slice(1))
      .join('')}`,
    tags: [doc.tag],
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    security: doc.auth === 'none' ? [] : [{ bearer: [] }],
    parameters: [...pathParameters(doc.path), ...(doc.parameters ?? [])],
    ...(doc.requestBody
      ? { requestBody: { required: true, content: { 'application/json': { schema: doc.requestBody } } } }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(docs: readonly RouteDoc[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const doc of docs) {
    const p = openApiPath(doc.path);
    paths[p] ??= {};
    if (paths[p][doc.method])
      throw new Error(`route documented twice: ${doc.method.toUpperCase()} ${doc.path}`);
    paths[p][doc.method] = operation(doc);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Pandora API',
      version: '0.1.0',
      description:
        'GTM intelligence over your CRM, call recorder, task and document data. Workspace routes take a ' +
        'workspace API key (or the admin token) as `Authorization: Bearer …`; a key that matches no live key ' +
        'gets 401 `invalid_api_key`, a live key used on another workspace 404. Errors are ' +
        '`{"error": {"code", "message"}}`.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: errorSchema },
    },
    tags: [...new Set(docs.map((d) => d.tag))].map((name) => ({ name })),
    paths,
  };
}
