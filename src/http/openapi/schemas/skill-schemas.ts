/** Response schemas of the skill, compute and LLM routes. */
import {
  arr,
  date,
  dateTime,
  enumOf,
  int,
  named,
  nullable,
  num,
  obj,
  open,
  record,
  str,
  uuid,
} from '../schema-builders.ts';

const runStatus = enumOf(['queued', 'running', 'succeeded', 'failed']);

const coverageSchema = named(
  'SkillCoverage',
  obj(
    {
      population: obj({ what: str, count: int }),
      gaps: arr(
        obj(
          { reason: str, count: int, of: int, effect: str, material: { type: 'boolean' }, subject: str },
          { optional: ['subject'] },
        ),
      ),
    },
    { description: 'what the skill counted, and what it could not count and why' },
  ),
);

const findingSchema = named(
  'Finding',
  obj(
    {
      kind: str,
      severity: enumOf(['high', 'medium', 'low', 'info']),
      title: str,
      evidence: record(arr(str), 'entity ids the finding is about, by entity: {deals: [...]}'),
      metrics: record({ type: ['number', 'string', 'null'] }, 'the numbers behind the finding'),
    },
    { optional: ['metrics'] },
  ),
);

export const skillResultSchema = named(
  'SkillResult',
  obj(
    {
      skill_id: str,
      as_of: date,
      facts: open({}, { description: "the skill's computed facts; their fields differ by skill" }),
      findings: arr(findingSchema),
      coverage: coverageSchema,
      labels: record(str),
      narrative: obj({
        headline: str,
        summary: str,
        actions: arr(str),
        provider: str,
        model: str,
        notes: arr(str),
      }),
    },
    { optional: ['coverage', 'labels', 'narrative'] },
  ),
);

const runFields = {
  id: uuid,
  skill_id: str,
  status: runStatus,
  trigger: enumOf(['api', 'cli', 'schedule', 'demo', 'webhook']),
  inputs: open({}, { description: 'the inputs the run was started with' }),
  phase_timings: record(int, 'milliseconds per phase'),
  tokens: record(obj({ input: int, output: int }), 'tokens per model tier'),
  progress: open({}, { description: 'phase, done, total while it runs' }),
  error: nullable(str),
  deliveries: record({}, 'where the result went: `slack` → what was posted, or why not'),
  created_at: dateTime,
  started_at: nullable(dateTime),
  finished_at: nullable(dateTime),
};
export const skillRunSchema = named('SkillRun', obj({ ...runFields, result: nullable(skillResultSchema) }));
/** Listings leave the result out: fetch one run for it. */
export const skillRunListItemSchema = named('SkillRunSummary', obj(runFields));
export const skillRunStartedSchema = named(
  'SkillRunStarted',
  obj({
    id: uuid,
    skill_id: str,
    status: runStatus,
    created_at: dateTime,
  }),
);

export const skillsSchema = obj({
  data: arr(
    named(
      'Skill',
      obj({
        id: str,
        description: str,
        schedule: nullable(str),
        phases: arr(enumOf(['compute', 'classify', 'synthesize'])),
        inputs: open({}, { description: 'the inputs as JSON Schema' }),
      }),
    ),
  ),
});

export const llmUsageSchema = obj({
  data: arr(
    named(
      'LlmUsageDay',
      obj({
        day: date,
        tier: str,
        provider: str,
        model: str,
        calls: int,
        input_tokens: int,
        output_tokens: int,
        cost_usd: num,
      }),
    ),
  ),
});

export const llmConfigSchema = named(
  'LlmConfig',
  obj({
    connector_name: str,
    metadata: nullable(open({}, { description: 'the model settings as stored' })),
    keys_updated: arr(str),
  }),
);

export const computeRunSchema = named(
  'ComputeRun',
  obj({
    as_of: date,
    config_version: int,
    overridden: { ...arr(str), description: 'scoring settings the context layer overrides' },
    ignored_overrides: arr(str),
    deals_updated: int,
    accounts_updated: int,
    duration_ms: int,
  }),
);
