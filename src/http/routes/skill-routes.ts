/** Skills over HTTP: list them, start a run (202 + run id), read runs; and the LLM usage and settings. */
import { Router } from 'express';
import { z } from 'zod';
import {
  LLM_CONFIG_CONNECTOR,
  llmKeysSchema,
  llmMetadataSchema,
  saveLlmSettings,
} from '../../llm/llm-settings.ts';
import { usageSummary } from '../../llm/usage-ledger.ts';
import '../../skills/all-skills.ts';
import { startSkillRun } from '../../skills/skill-dispatch.ts';
import { listSkills } from '../../skills/skill-registry.ts';
import { getSkillRun, listSkillRuns } from '../../skills/skill-runs.ts';
import { listSkillSchedules, putSkillSchedule, scheduleBody } from '../../skills/skill-schedules.ts';
import { accepted, dataList, named, ok } from '../openapi/schema-builders.ts';
import {
  llmConfigSchema,
  llmUsageSchema,
  skillRunListItemSchema,
  skillRunSchema,
  skillRunStartedSchema,
  skillsSchema,
} from '../openapi/schemas/skill-schemas.ts';
import type { JsonSchema, RouteDoc } from '../openapi/openapi-document.ts';
import { fromZod, routeDoc, WS } from '../openapi/route-doc-builders.ts';
import { type AppDeps, inRequestWorkspace, workspaceOf } from '../deps.ts';
import { parseInput, uuidParam } from '../request-validation.ts';

const skillIdParam = z.string().regex(/^[a-z0-9-]{1,64}$/, 'not a skill id');
const runBody = z.object({ inputs: z.record(z.string(), z.unknown()).default({}) }).strict();
const runsQuery = z
  .object({ skill_id: skillIdParam.optional(), limit: z.coerce.number().int().min(1).max(200).default(50) })
  .strict();
const usageQuery = z.object({ days: z.coerce.number().int().min(1).max(90).default(7) }).strict();
const llmConfigBody = z
  .object({ keys: llmKeysSchema.optional(), metadata: llmMetadataSchema.optional() })
  .strict();

function describeInputs(schema: z.ZodType): unknown {
  try {
    return z.toJSONSchema(schema, { io: 'input' });
  } catch {
    return null; // a schema with no JSON Schema form (refinements) is still usable; the listing just omits it
  }
}

export function skillRoutes(deps: AppDeps): Router {
  const r = Router();
  r.get('/skills', (_req, res) => {
    res.json({
      data: listSkills().map((s) => ({
        id: s.id,
        description: s.description,
        schedule: s.schedule ?? null,
        phases: ['compute', ...(s.classify ? ['classify'] : []), ...(s.synthesize ? ['synthesize'] : [])],
        inputs: describeInputs(s.inputs),
      })),
    });
  });
  r.post('/skills/:skillId/run', async (req, res) => {
    const skillId = parseInput(skillIdParam, req.params.skillId, 'path');
    const body = parseInput(runBody, req.body, 'body');
    const run = await startSkillRun(deps, workspaceOf(res), skillId, body.inputs, 'api');
    res
      .status(202)
      .json({ id: run.id, skill_id: run.skill_id, status: run.status, created_at: run.created_at });
  });
  r.get('/skill-schedules', async (_req, res) => {
    res.json({ data: await inRequestWorkspace(deps, res, (tx, ws) => listSkillSchedules(tx, ws)) });
  });
  r.put('/skill-schedules/:skillId', async (req, res) => {
    const skillId = parseInput(skillIdParam, req.params.skillId, 'path');
    const body = parseInput(scheduleBody, req.body, 'body');
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => putSkillSchedule(tx, ws, skillId, body)));
  });
  r.get('/skill-runs', async (req, res) => {
    const q = parseInput(runsQuery, req.query, 'query');
    res.json({
      data: await inRequestWorkspace(deps, res, (tx, ws) =>
        listSkillRuns(tx, ws, { skillId: q.skill_id, limit: q.limit }),
      ),
    });
  });
  r.get('/skill-runs/:runId', async (req, res) => {
    const id = parseInput(uuidParam, req.params.runId, 'path');
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => getSkillRun(tx, ws, id)));
  });
  r.get('/llm/usage', async (req, res) => {
    const q = parseInput(usageQuery, req.query, 'query');
    res.json({ data: await inRequestWorkspace(deps, res, (tx, ws) => usageSummary(tx, ws, q.days)) });
  });
  r.put('/llm/config', async (req, res) => {
    const body = parseInput(llmConfigBody, req.body, 'body');
    await inRequestWorkspace(deps, res, (tx, ws) => saveLlmSettings(tx, ws, deps.vault, body));
    res.json({
      connector_name: LLM_CONFIG_CONNECTOR,
      metadata: body.metadata ?? null,
      keys_updated: Object.keys(body.keys ?? {}),
    });
  });
  return r;
}

const scheduleSchema: JsonSchema = named('SkillSchedule', {
  type: 'object',
  properties: {
    skill_id: { type: 'string' },
    cron: { type: 'string', description: 'five fields: minute hour day month weekday' },
    timezone: { type: 'string', description: 'IANA time zone the cron is read in' },
    enabled: { type: 'boolean' },
    inputs: { type: 'object', additionalProperties: true },
    is_default: { type: 'boolean', description: "the skill's built-in schedule, unchanged" },
    next_run_at: { type: ['string', 'null'], format: 'date-time' },
    last_run_at: { type: ['string', 'null'], format: 'date-time' },
    last_run_id: { type: ['string', 'null'], format: 'uuid' },
  },
  required: [
    'skill_id',
    'cron',
    'timezone',
    'enabled',
    'inputs',
    'is_default',
    'next_run_at',
    'last_run_at',
    'last_run_id',
  ],
});

export function skillRouteDocs(): RouteDoc[] {
  const query = (schema: z.ZodObject) =>
    Object.entries(fromZod(schema).properties as Record<string, JsonSchema>).map(([name, s]) => ({
      name,
      in: 'query' as const,
      schema: s,
    }));
  return [
    routeDoc('get', `${WS}/skills`, 'skills', 'The registered skills with their phases and inputs', {
      response: ok(skillsSchema),
    }),
    routeDoc('post', `${WS}/skills/:skillId/run`, 'skills', 'Start a skill run', {
      requestBody: fromZod(runBody),
      response: accepted(skillRunStartedSchema),
    }),
    routeDoc(
      'get',
      `${WS}/skill-schedules`,
      'skills',
      "Each skill's schedule here: cron, time zone, on/off, next run",
      {
        response: ok(dataList(scheduleSchema)),
      },
    ),
    routeDoc(
      'put',
      `${WS}/skill-schedules/:skillId`,
      'skills',
      "Change a skill's schedule in this workspace (five-field cron, IANA time zone, enabled, inputs)",
      {
        requestBody: fromZod(scheduleBody),
        response: { status: 200, description: 'ok', schema: scheduleSchema },
      },
    ),
    routeDoc('get', `${WS}/skill-runs`, 'skills', 'Skill runs, newest first', {
      parameters: query(runsQuery),
      response: ok(dataList(skillRunListItemSchema)),
    }),
    routeDoc(
      'get',
      `${WS}/skill-runs/:runId`,
      'skills',
      'One skill run: status, phase timings, tokens, result with evidence',
      { response: ok(skillRunSchema) },
    ),
    routeDoc('get', `${WS}/llm/usage`, 'llm', 'Token usage per day, tier and model', {
      parameters: query(usageQuery),
      response: ok(llmUsageSchema),
    }),
    routeDoc(
      'put',
      `${WS}/llm/config`,
      'llm',
      'Workspace model settings and API keys (stored encrypted, never returned)',
      {
        requestBody: fromZod(llmConfigBody),
        response: ok(llmConfigSchema),
      },
    ),
  ];
}
