/** Route docs for the foundation routes: health, workspaces, API keys, context layer, quotas, the docs. */
import type { RouteDoc } from './openapi-document.ts';
import {
  dateSchema as date,
  objectSchema as obj,
  routeDoc as doc,
  stringSchema as str,
  WS,
} from './route-doc-builders.ts';
import { created, dataList, ok } from './schema-builders.ts';
import {
  activeQuotaSchema,
  anyContextSection,
  apiKeySchema,
  contextLayerBody,
  contextLayerSchema,
  createdApiKeySchema,
  openApiDocumentSchema,
  quotaPeriodDetailSchema,
  quotaPeriodSchema,
  repQuotaSchema,
  sessionSchema,
  workspaceSchema,
} from './schemas/foundation-schemas.ts';

const workspaceBody = obj({ name: str, settings: { type: 'object', additionalProperties: true } });
const periodBody = obj({
  name: str,
  period_type: { type: 'string', enum: ['month', 'quarter', 'half', 'year', 'custom'] },
  start_date: date,
  end_date: date,
  team_quota: { type: 'number', minimum: 0 },
});

export function foundationRouteDocs(): RouteDoc[] {
  return [
    doc('get', '/healthz', 'system', 'Liveness with a database round trip', {
      auth: 'none',
      response: {
        status: 200,
        description:
          'the database answers; on the embedded backend, `database: "busy"` when a long job holds it past 200 ms',
        schema: obj({ status: str, db: str, database: { type: 'string', enum: ['busy'] } }, ['status', 'db']),
      },
    }),
    doc('get', '/', 'system', 'Where the API reference is', {
      auth: 'none',
      response: {
        status: 200,
        description: 'links to the reference',
        schema: obj({ name: str, console: str, docs: str, openapi: str, health: str }, [
          'name',
          'console',
          'docs',
          'openapi',
          'health',
        ]),
      },
    }),
    doc(
      'get',
      '/api/session',
      'system',
      'The workspace and scopes of the bearer API key (the console signs in with it)',
      {
        auth: 'none',
        description: 'Send a workspace API key as the bearer token; the admin token is refused (400).',
        response: {
          status: 200,
          description: 'the key is live',
          schema: sessionSchema,
        },
      },
    ),
    doc('get', '/console', 'system', 'The web console (HTML)', {
      auth: 'none',
      response: { status: 200, description: 'text/html' },
    }),
    doc('get', '/console/*path', 'system', 'A web console file (JavaScript module, CSS)', {
      auth: 'none',
      response: { status: 200, description: 'text/javascript or text/css' },
    }),
    doc('get', '/api/openapi.json', 'system', 'This OpenAPI document', {
      auth: 'none',
      response: ok(openApiDocumentSchema),
    }),
    doc('get', '/api/docs', 'system', 'The API reference as an HTML page', {
      auth: 'none',
      response: { status: 200, description: 'text/html' },
    }),
    doc('post', '/api/workspaces', 'workspaces', 'Create a workspace', {
      auth: 'admin',
      requestBody: { ...workspaceBody, required: ['name'] },
      response: created(workspaceSchema),
    }),
    doc('get', '/api/workspaces', 'workspaces', 'List workspaces', {
      auth: 'admin',
      response: ok(dataList(workspaceSchema)),
    }),
    doc('get', WS, 'workspaces', 'Get the workspace', { response: ok(workspaceSchema) }),
    doc('patch', WS, 'workspaces', 'Update the workspace', {
      requestBody: workspaceBody,
      response: ok(workspaceSchema),
    }),
    doc('delete', WS, 'workspaces', 'Delete the workspace and all its data (admin token only)'),
    doc('post', `${WS}/api-keys`, 'api-keys', 'Create an API key (the key is shown once)', {
      requestBody: obj({
        name: str,
        scopes: { type: 'array', items: { type: 'string', enum: ['read', 'write'] } },
      }),
      response: created(createdApiKeySchema),
    }),
    doc('get', `${WS}/api-keys`, 'api-keys', 'List API keys (prefixes only)', {
      response: ok(dataList(apiKeySchema)),
    }),
    doc('delete', `${WS}/api-keys/:keyId`, 'api-keys', 'Revoke an API key', {
      response: ok(apiKeySchema, 'revoked'),
    }),
    doc('get', `${WS}/context`, 'context', 'Get the context layer', { response: ok(contextLayerSchema) }),
    doc('put', `${WS}/context`, 'context', 'Replace sections of the context layer', {
      requestBody: contextLayerBody,
      response: ok(contextLayerSchema),
    }),
    doc('get', `${WS}/context/:section`, 'context', 'Get one context section', {
      response: ok(anyContextSection('output')),
    }),
    doc('put', `${WS}/context/:section`, 'context', 'Replace one context section', {
      requestBody: anyContextSection('input'),
      response: ok(anyContextSection('output')),
    }),
    doc('get', `${WS}/quota-periods`, 'quotas', 'List quota periods', {
      response: ok(dataList(quotaPeriodSchema)),
    }),
    doc('post', `${WS}/quota-periods`, 'quotas', 'Create a quota period', {
      requestBody: { ...periodBody, required: ['name', 'period_type', 'start_date', 'end_date'] },
      response: created(quotaPeriodSchema),
    }),
    doc('get', `${WS}/quota-periods/:periodId`, 'quotas', 'Get a quota period', {
      response: ok(quotaPeriodDetailSchema),
    }),
    doc('patch', `${WS}/quota-periods/:periodId`, 'quotas', 'Update a quota period', {
      requestBody: periodBody,
      response: ok(quotaPeriodSchema),
    }),
    doc('delete', `${WS}/quota-periods/:periodId`, 'quotas', 'Delete a quota period'),
    doc('get', `${WS}/quota-periods/:periodId/rep-quotas`, 'quotas', 'List rep quotas of a period', {
      response: ok(dataList(repQuotaSchema)),
    }),
    doc('put', `${WS}/quota-periods/:periodId/rep-quotas`, 'quotas', 'Set a rep quota', {
      requestBody: obj(
        { rep_email: { type: 'string', format: 'email' }, quota_amount: { type: 'number', minimum: 0 } },
        ['rep_email', 'quota_amount'],
      ),
      response: ok(repQuotaSchema),
    }),
    doc('delete', `${WS}/quota-periods/:periodId/rep-quotas/:repQuotaId`, 'quotas', 'Delete a rep quota'),
    doc('get', `${WS}/quota/active`, 'quotas', 'The quota configuration in force on a date', {
      parameters: [{ name: 'date', in: 'query', schema: date, description: 'default today' }],
      response: ok(activeQuotaSchema),
    }),
  ];
}
