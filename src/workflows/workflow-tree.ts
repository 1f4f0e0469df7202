/**
 * The abstract workflow tree a workspace designs: one trigger (a skill finding, a sync event, a schedule,
 * an inbound webhook), then steps in order; a step is an action or a branch whose arms hold their own
 * steps. Text inputs may reference data with `{{trigger.<field>}}` and `{{steps.<step id>.<path>}}`.
 * The zod schema checks shape only; what the tree means (references, connectors, reachability) is the
 * tree validator's job, so every problem there can name its path.
 */
import { z } from 'zod';

export const ACTION_KINDS = [
  'post_slack',
  'call_webhook',
  'send_email',
  'create_crm_task',
  'update_crm_field',
  'run_skill',
  'start_enrichment',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** The operators of ActivePieces' router conditions (reference §3), used as is in the tree. */
export const CONDITION_OPERATORS = [
  'TEXT_CONTAINS',
  'TEXT_DOES_NOT_CONTAIN',
  'TEXT_EXACTLY_MATCHES',
  'TEXT_DOES_NOT_EXACTLY_MATCH',
  'TEXT_START_WITH',
  'TEXT_DOES_NOT_START_WITH',
  'TEXT_ENDS_WITH',
  'TEXT_DOES_NOT_END_WITH',
  'NUMBER_IS_GREATER_THAN',
  'NUMBER_IS_LESS_THAN',
  'NUMBER_IS_EQUAL_TO',
  'BOOLEAN_IS_TRUE',
  'BOOLEAN_IS_FALSE',
  'DATE_IS_BEFORE',
  'DATE_IS_EQUAL',
  'DATE_IS_AFTER',
  'LIST_CONTAINS',
  'LIST_DOES_NOT_CONTAIN',
  'LIST_IS_EMPTY',
  'LIST_IS_NOT_EMPTY',
  'EXISTS',
  'DOES_NOT_EXIST',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** Operators that compare with nothing: a `value` beside them is a mistake the validator reports. */
export const UNARY_OPERATORS: ReadonlySet<ConditionOperator> = new Set([
  'BOOLEAN_IS_TRUE',
  'BOOLEAN_IS_FALSE',
  'LIST_IS_EMPTY',
  'LIST_IS_NOT_EMPTY',
  'EXISTS',
  'DOES_NOT_EXIST',
]);

export const SYNC_EVENTS = ['sync.completed', 'sync.failed'] as const;
export const SEVERITIES = ['high', 'medium', 'low', 'info'] as const;

const stepId = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case letters, digits and _, starting with a letter (max 40)');

const inputValue = z.union([z.string().max(10_000), z.number(), z.boolean()]);

const triggerSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('skill_finding'),
      /** Only findings of this skill; absent: any skill. */
      skill_id: z.string().min(1).max(100).optional(),
      /** Only findings at least this severe. */
      min_severity: z.enum(SEVERITIES).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('sync_event'),
      event: z.enum(SYNC_EVENTS),
      /** Only syncs of this connector; absent: any. */
      connector: z.string().min(1).max(100).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('schedule'),
      cron: z.string().min(9).max(100),
      timezone: z.string().min(1).max(64).default('UTC'),
    })
    .strict(),
  z.object({ type: z.literal('webhook') }).strict(),
]);
export type WorkflowTrigger = z.infer<typeof triggerSchema>;
export type TriggerType = WorkflowTrigger['type'];

export const conditionSchema = z
  .object({
    /** A reference such as `trigger.severity` or `steps.lookup.status`. */
    field: z.string().min(1).max(200),
    operator: z.enum(CONDITION_OPERATORS),
    value: inputValue.optional(),
  })
  .strict();
export type Condition = z.infer<typeof conditionSchema>;

export interface ActionStep {
  id: string;
  kind: 'action';
  name?: string | undefined;
  action: ActionKind;
  inputs: Record<string, string | number | boolean>;
}

export interface BranchArm {
  name: string;
  /** Inner lists are AND-ed, the outer list OR-ed (ActivePieces' router semantics). */
  when: Condition[][];
  steps: WorkflowStep[];
}

export interface BranchStep {
  id: string;
  kind: 'branch';
  name?: string | undefined;
  /** First matching arm runs; `otherwise` runs when none matched. */
  arms: BranchArm[];
  otherwise: WorkflowStep[];
}

export type WorkflowStep = ActionStep | BranchStep;

const actionStepSchema = z
  .object({
    id: stepId,
    kind: z.literal('action'),
    name: z.string().min(1).max(200).optional(),
    action: z.enum(ACTION_KINDS),
    inputs: z.record(z.string().min(1).max(100), inputValue).default({}),
  })
  .strict();

// Recursive: arms hold steps, which may be branches again.
export const stepSchema: z.ZodType<WorkflowStep> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    actionStepSchema,
    z
      .object({
        id: stepId,
        kind: z.literal('branch'),
        name: z.string().min(1).max(200).optional(),
        arms: z
          .array(
            z
              .object({
                name: z.string().min(1).max(100),
                when: z.array(z.array(conditionSchema).min(1).max(20)).min(1).max(20),
                steps: z.array(stepSchema).max(50),
              })
              .strict(),
          )
          .min(1)
          .max(10),
        otherwise: z.array(stepSchema).max(50).default([]),
      })
      .strict(),
  ]),
) as z.ZodType<WorkflowStep>;

export const workflowTreeSchema = z
  .object({
    trigger: triggerSchema,
    steps: z.array(stepSchema).min(1).max(50),
  })
  .strict();
export type WorkflowTree = z.infer<typeof workflowTreeSchema>;

/**
 * What each trigger hands its steps. Names ending in `.*` admit any sub-path (metrics, counts, a webhook
 * body). A schedule hands nothing Pandora can promise, so references to it are reported.
 */
export const TRIGGER_FIELDS: Readonly<Record<TriggerType, readonly string[]>> = {
  skill_finding: [
    'event_id',
    'skill_id',
    'run_id',
    'kind',
    'severity',
    'title',
    'deal_ids',
    'account_ids',
    'metrics.*',
  ],
  sync_event: [
    'event_id',
    'event',
    'connector',
    'status',
    'sync_log_id',
    'mode',
    'error',
    'counts.*',
    'finished_at',
  ],
  schedule: [],
  webhook: ['body.*', 'headers.*', 'queryParams.*', 'method'],
};

export function triggerProvides(type: TriggerType, field: string): boolean {
  return TRIGGER_FIELDS[type].some((f) =>
    f.endsWith('.*') ? field.startsWith(f.slice(0, -1)) && field.length > f.length - 1 : f === field,
  );
}

/** `{{ trigger.x }}` / `{{steps.a.b}}` references in a text input, trimmed. */
export function referencesIn(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)].map((m) => m[1]!);
}

/** Every step in document order (depth first), with its path from the tree root. */
export function* walkSteps(
  steps: readonly WorkflowStep[],
  path = 'steps',
): Generator<{ step: WorkflowStep; path: string }> {
  for (const [i, step] of steps.entries()) {
    const here = `${path}[${i}]`;
    yield { step, path: here };
    if (step.kind === 'branch') {
      for (const [a, arm] of step.arms.entries()) yield* walkSteps(arm.steps, `${here}.arms[${a}].steps`);
      yield* walkSteps(step.otherwise, `${here}.otherwise`);
    }
  }
}
