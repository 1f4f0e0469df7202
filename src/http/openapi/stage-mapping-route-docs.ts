/** Route docs for the stage-mapping routes (workspace overrides of stage normalisation). */
import { STAGE_NORMALIZED } from '../../compute/stage-normalisation.ts';
import type { RouteDoc } from './openapi-document.ts';

const PATH = '/api/workspaces/:workspaceId/stage-mappings';
const mapping = {
  type: 'object',
  required: ['source', 'raw_stage', 'stage_normalized'],
  additionalProperties: false,
  properties: {
    source: { type: 'string', maxLength: 100 },
    raw_stage: { type: 'string', maxLength: 500 },
    stage_normalized: { type: ['string', 'null'], enum: [...STAGE_NORMALIZED, null] },
  },
};

export function stageMappingRouteDocs(): RouteDoc[] {
  return [
    {
      method: 'get',
      path: PATH,
      tag: 'stage-mappings',
      summary: 'Stage mappings, and the raw stages observed in the deals',
      auth: 'workspace',
      response: {
        status: 200,
        description: 'mappings and observed stages',
        schema: {
          type: 'object',
          properties: {
            data: { type: 'array', items: { type: 'object' } },
            observed_stages: { type: 'array', items: { type: 'object' } },
          },
        },
      },
    },
    {
      method: 'put',
      path: PATH,
      tag: 'stage-mappings',
      summary: 'Set stage mappings and re-normalise the affected deals',
      auth: 'workspace',
      requestBody: {
        type: 'object',
        required: ['mappings'],
        additionalProperties: false,
        properties: { mappings: { type: 'array', minItems: 1, maxItems: 1000, items: mapping } },
      },
      response: {
        status: 200,
        description: 'the mappings and how many deals changed',
        schema: {
          type: 'object',
          properties: {
            data: { type: 'array', items: { type: 'object' } },
            deals_updated: { type: 'integer' },
          },
        },
      },
    },
  ];
}
