/** Route docs for connections, syncs, the sync log and lead cohorts. */
import type { JsonSchema, RouteDoc } from './openapi-document.ts';

const WS = '/api/workspaces/:workspaceId';
const obj: JsonSchema = { type: 'object' };
const list: JsonSchema = { type: 'object', properties: { data: { type: 'array', items: obj } } };
const ok = (description: string, schema: JsonSchema = obj) => ({ status: 200, description, schema });

export function connectorRouteDocs(): RouteDoc[] {
  return [
    {
      method: 'get',
      path: `${WS}/connectors`,
      tag: 'connectors',
      auth: 'workspace',
      summary: 'Available connectors and their connections (never credentials)',
      response: ok('connectors', list),
    },
    {
      method: 'post',
      path: `${WS}/connectors/:name/connect`,
      tag: 'connectors',
      auth: 'workspace',
      summary:
        'Connect: test the credentials against the service, store them encrypted, start the first sync',
      requestBody: {
        type: 'object',
        required: ['credentials'],
        additionalProperties: false,
        properties: {
          credentials: obj,
          base_url: { type: 'string', format: 'uri' },
          metadata: { type: 'object', properties: { selection: {} } },
          sync: { type: 'boolean', default: true },
        },
      },
      response: ok('the connection'),
    },
    {
      method: 'delete',
      path: `${WS}/connectors/:name`,
      tag: 'connectors',
      auth: 'workspace',
      summary: 'Disconnect; purge=true also deletes the rows this source wrote',
      parameters: [{ name: 'purge', in: 'query', schema: { type: 'boolean' } }],
      response: ok('disconnected'),
    },
    {
      method: 'post',
      path: `${WS}/connectors/:name/sync`,
      tag: 'connectors',
      auth: 'workspace',
      summary: 'Start a sync (answers 202 at once)',
      requestBody: {
        type: 'object',
        additionalProperties: false,
        properties: { mode: { type: 'string', enum: ['initial', 'incremental'] } },
      },
      response: { status: 202, description: 'queued', schema: obj },
    },
    {
      method: 'post',
      path: `${WS}/connectors/hubspot/populate-deal-contacts`,
      tag: 'connectors',
      auth: 'workspace',
      summary: 'Derive deal contacts from HubSpot association data already synced',
      response: ok('counts'),
    },
    {
      method: 'get',
      path: `${WS}/sync-log`,
      tag: 'connectors',
      auth: 'workspace',
      summary: 'Recent sync runs',
      parameters: [
        { name: 'connector', in: 'query', schema: { type: 'string' } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
      ],
      response: ok('sync runs', list),
    },
    {
      method: 'get',
      path: `${WS}/sync-log/:id`,
      tag: 'connectors',
      auth: 'workspace',
      summary: 'One sync run with counts and progress',
      response: ok('the sync run'),
    },
    {
      method: 'get',
      path: `${WS}/leads/cohorts`,
      tag: 'entities',
      auth: 'workspace',
      summary: 'Converted vs unconverted leads by source, month and owner',
      parameters: [
        { name: 'source', in: 'query', schema: { type: 'string' } },
        { name: 'from', in: 'query', schema: { type: 'string', format: 'date' } },
        { name: 'to', in: 'query', schema: { type: 'string', format: 'date' } },
      ],
      response: ok('cohorts'),
    },
  ];
}
