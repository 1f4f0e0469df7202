/** Route docs for the foundation routes: health, workspaces, API keys, context layer, quotas, the docs. */
import type { RouteDoc } from './openapi-document.ts';
import {
  anyObject as any,
  createdResponse,
  dateSchema as date,
  listSchema as list,
  objectSchema as obj,
  routeDoc as doc,
  stringSchema as str,
  WS,
} from './route-doc-builders.ts';

const workspaceBody = obj({ name: str, settings: any });
const periodBody = obj({
  name: str,
  period_type: { type: 'string', enum: ['month', 'quarter', 'half', 'year', 'custom'] },
  start_date: date,
  end_date: date,
  team_quota: { type: 'number', minimum: 0 },
});

export function foundationRouteDocs(): RouteDoc[] {
  const created = createdResponse;
  return [
    doc('get', '/healthz', 'system', 'Liveness with a database round trip', {
      auth: 'none',
      response: { status: 200, description: 'the database answers', schema: obj({ status: str, db: str }) },
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
          schema: obj(
            {
              workspace: obj({ id: str, name: str }, ['id', 'name']),
              key: obj({ id: str, name: str, scopes: { type: 'array', items: str } }, [
                'id',
                'name',
                'scopes',
              ]),
            },
            ['workspace', 'key'],
          ),
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
    doc('get', '/api/openapi.json', 'system', 'This OpenAPI document', { auth: 'none' }),
    doc('get', '/api/docs', 'system', 'The API reference as an HTML page', {
      auth: 'none',
      response: { status: 200, description: 'text/html' },
    }),
    doc('post', '/api/workspaces', 'workspaces', 'Create a workspace', {
      auth: 'admin',
      requestBody: { ...workspaceBody, required: ['name'] },
      response: created,
    }),
    doc('get', '/api/workspaces', 'workspaces', 'List workspaces', {
      auth: 'admin',
      response: { status: 200, description: 'ok', schema: list },
    }),
    doc('get', WS, 'workspaces', 'Get the workspace'),
    doc('patch', WS, 'workspaces', 'Update the workspace', { requestBody: workspaceBody }),
    doc('delete', WS, 'workspaces', 'Delete the workspace and all its data (admin token only)'),
    doc('post', `${WS}/api-keys`, 'api-keys', 'Create an API key (the key is shown once)', {
      requestBody: obj({
        name: str,
        scopes: { type: 'array', items: { type: 'string', enum: ['read', 'write'] } },
      }),
      response: created,
    }),
    doc('get', `${WS}/api-keys`, 'api-keys', 'List API keys (prefixes only)', {
      response: { status: 200, description: 'ok', schema: list },
    }),
    doc('delete', `${WS}/api-keys/:keyId`, 'api-keys', 'Revoke an API key', {
      response: { status: 200, description: 'revoked', schema: any },
    }),
    doc('get', `${WS}/context`, 'context', 'Get the context layer'),
    doc('put', `${WS}/context`, 'context', 'Replace sections of the context layer', { requestBody: any }),
    doc('get', `${WS}/context/:section`, 'context', 'Get one context section'),
    doc('put', `${WS}/context/:section`, 'context', 'Replace one context section', { requestBody: any }),
    doc('get', `${WS}/quota-periods`, 'quotas', 'List quota periods', {
      response: { status: 200, description: 'ok', schema: list },
    }),
    doc('post', `${WS}/quota-periods`, 'quotas', 'Create a quota period', {
      requestBody: { ...periodBody, required: ['name', 'period_type', 'start_date', 'end_date'] },
      response: created,
    }),
    doc('get', `${WS}/quota-periods/:periodId`, 'quotas', 'Get a quota period'),
    doc('patch', `${WS}/quota-periods/:periodId`, 'quotas', 'Update a quota period', {
      requestBody: periodBody,
    }),
    doc('delete', `${WS}/quota-periods/:periodId`, 'quotas', 'Delete a quota period'),
    doc('get', `${WS}/quota-periods/:periodId/rep-quotas`, 'quotas', 'List rep quotas of a period', {
      response: { status: 200, description: 'ok', schema: list },
    }),
    doc('put', `${WS}/quota-periods/:periodId/rep-quotas`, 'quotas', 'Set a rep quota', {
      requestBody: obj(
        { rep_email: { type: 'string', format: 'email' }, quota_amount: { type: 'number', minimum: 0 } },
        ['rep_email', 'quota_amount'],
      ),
    }),
    doc('delete', `${WS}/quota-periods/:periodId/rep-quotas/:repQuotaId`, 'quotas', 'Delete a rep quota'),
    doc('get', `${WS}/quota/active`, 'quotas', 'The quota configuration in force on a date', {
      parameters: [{ name: 'date', in: 'query', schema: date, description: 'default today' }],
    }),
  ];
}
