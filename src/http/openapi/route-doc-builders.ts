/** Small builders every capability's route docs share, so each docs file states only what is its own. */
import { z } from 'zod';
import type { JsonSchema, RouteDoc } from './openapi-document.ts';

export const WS = '/api/workspaces/:workspaceId';

export const stringSchema: JsonSchema = { type: 'string' };
export const dateSchema: JsonSchema = { type: 'string', format: 'date' };

export function objectSchema(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false };
}

/** A request body documented from the very zod schema that validates it, so the two cannot drift. */
export function fromZod(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

export function routeDoc(
  method: RouteDoc['method'],
  path: string,
  tag: string,
  summary: string,
  extra: Partial<RouteDoc> = {},
): RouteDoc {
  return {
    method,
    path,
    tag,
    summary,
    auth: 'workspace',
    // Without a response given the doc has no schema, which test/http/openapi.test.ts refuses.
    response:
      method === 'delete' ? { status: 204, description: 'deleted' } : { status: 200, description: 'ok' },
    ...extra,
  };
}
