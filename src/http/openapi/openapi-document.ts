/**
 * The OpenAPI 3.1 document, assembled from route docs that each capability exports. A capability adds
 * its docs function to ROUTE_DOC_SOURCES in route-doc-sources.ts; a test walks the Express router stack
 * and fails when a mounted route has no doc.
 */

import { componentOf } from './schema-builders.ts';

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

/** components.schemas as the document's schemas reach them, by name. */
type Components = Map<string, { source: JsonSchema; schema: JsonSchema }>;

/**
 * The document's convention: an object schema lists all its keys unless it says otherwise
 * (`additionalProperties: true` or a schema for free keys), so a generated client can rely on the shape.
 * The operations walk (test/http/openapi-operations.test.ts) holds every response to it.
 * A `named` schema becomes a plain `$ref` here, and its schema (closed the same way) an entry of
 * `components`; a name given to two different schemas is refused.
 */
export function closeObjects(schema: JsonSchema, components: Components = new Map()): JsonSchema {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const component = componentOf(schema);
  if (component) {
    register(component.name, component.schema, components);
    return Object.fromEntries(Object.entries(schema)); // the $ref and its siblings, without the symbol
  }
  const out: JsonSchema = { ...schema };
  if (out.properties) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties as Record<string, JsonSchema>).map(([k, v]) => [
        k,
        closeObjects(v, components),
      ]),
    );
    if (!('additionalProperties' in out)) out.additionalProperties = false;
  }
  if (out.items) out.items = closeObjects(out.items as JsonSchema, components);
  if (typeof out.additionalProperties === 'object')
    out.additionalProperties = closeObjects(out.additionalProperties as JsonSchema, components);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const)
    if (Array.isArray(out[key]))
      out[key] = (out[key] as JsonSchema[]).map((s) => closeObjects(s, components));
  return out;
}

function register(name: string, source: JsonSchema, components: Components): void {
  const known = components.get(name);
  if (known?.source === source) return;
  if (name === 'Error') throw new Error('the Error component is the error envelope; pick another name');
  // Reserve the name before descending, so a schema that reaches itself ends in a $ref, not a loop.
  if (!known) components.set(name, { source, schema: {} });
  const schema = closeObjects(source, components);
  if (known && JSON.stringify(known.schema) !== JSON.stringify(schema))
    throw new Error(`component ${name} is defined twice, differently`);
  if (!known) components.set(name, { source, schema });
}

function operation(doc: RouteDoc, components: Components): JsonSchema {
  const schema = doc.response.schema ? closeObjects(doc.response.schema, components) : undefined;
  // Request bodies already state whether they are open (test/http/openapi.test.ts); this turns the
  // named schemas in them into references.
  const requestBody = doc.requestBody ? closeObjects(doc.requestBody, components) : undefined;
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
    ...(requestBody
      ? { requestBody: { required: true, content: { 'application/json': { schema: requestBody } } } }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(docs: readonly RouteDoc[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const components: Components = new Map();
  for (const doc of docs) {
    const p = openApiPath(doc.path);
    paths[p] ??= {};
    if (paths[p][doc.method])
      throw new Error(`route documented twice: ${doc.method.toUpperCase()} ${doc.path}`);
    paths[p][doc.method] = operation(doc, components);
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
      schemas: {
        Error: errorSchema,
        ...Object.fromEntries(
          [...components].sort(([a], [b]) => a.localeCompare(b)).map(([name, c]) => [name, c.schema]),
        ),
      },
    },
    tags: [...new Set(docs.map((d) => d.tag))].map((name) => ({ name })),
    paths,
  };
}
