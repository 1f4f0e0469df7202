/** Route docs for computed fields, skills and the LLM settings and usage. */
import type { JsonSchema, RouteDoc } from './openapi-document.ts';

const WS = '/api/workspaces/:workspaceId';
const any: JsonSchema = { type: 'object' };
const list: JsonSchema = {
  type: 'object',
  properties: { data: { type: 'array', items: { type: 'object' } } },
};
const date: JsonSchema = { type: 'string', format: 'date' };

function doc(
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
    response: { status: 200, description: 'ok', schema: any },
    ...extra,
  };
}

export function intelligenceRouteDocs(): RouteDoc[] {
  return [
    doc(
      'post',
      `${WS}/compute/run`,
      'computed fields',
      'Recompute deal risk, velocity, engagement and account health',
      {
        description:
          'Set-based and idempotent: only rows whose scores change are written. Each score carries its reasons with evidence.',
        requestBody: { type: 'object', properties: { as_of: date }, additionalProperties: false },
      },
    ),
    doc('get', `${WS}/skills`, 'skills', 'The skills, their phases and input schemas', {
      response: { status: 200, description: 'ok', schema: list },
    }),
    doc('post', `${WS}/skills/:skillId/run`, 'skills', 'Start a skill run', {
      description: 'Answers 202 with the run id at once; the run executes in the background.',
      requestBody: { type: 'object', properties: { inputs: any }, additionalProperties: false },
      response: { status: 202, description: 'queued', schema: any },
    }),
    doc('get', `${WS}/skill-runs`, 'skills', 'Recent skill runs (without results)', {
      parameters: [
        { name: 'skill_id', in: 'query', schema: { type: 'string' } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200 } },
      ],
      response: { status: 200, description: 'ok', schema: list },
    }),
    doc(
      'get',
      `${WS}/skill-runs/:runId`,
      'skills',
      'One skill run: status, phase timings, tokens per tier, result',
    ),
    doc('get', `${WS}/llm/usage`, 'llm', 'Model calls, tokens and estimated cost per day, tier and model', {
      parameters: [{ name: 'days', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 90 } }],
      response: { status: 200, description: 'ok', schema: list },
    }),
    doc(
      'put',
      `${WS}/llm/config`,
      'llm',
      "Set the workspace's model keys (stored encrypted, never returned) and limits",
      {
        requestBody: {
          type: 'object',
          properties: { keys: any, metadata: any },
          additionalProperties: false,
        },
      },
    ),
  ];
}
