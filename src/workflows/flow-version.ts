/**
 * The ActivePieces flow version shape that `IMPORT_FLOW` takes (reference §3): a trigger step with
 * nested `nextAction`s, PIECE and ROUTER actions, `propertySettings` for every input key, exact piece
 * versions, unique step names, and `{{step}}` expressions that name earlier steps. The compiler's output
 * is checked against it, and the fake engine in the tests refuses what it rejects.
 */
import { z } from 'zod';
import { CONDITION_OPERATORS } from './workflow-tree.ts';

const PIECE_VERSION = /^([~^])?[0-9]+\.[0-9]+\.[0-9]+$/;

const propertySettings = z.record(
  z.string(),
  z.object({ type: z.enum(['MANUAL', 'DYNAMIC']), schema: z.unknown().optional() }),
);

const stepBase = {
  name: z.string().regex(/^[A-Za-z0-9_]+$/),
  displayName: z.string().min(1),
  valid: z.boolean(),
  lastUpdatedDate: z.string().datetime(),
};

export const flowConditionSchema = z.object({
  firstValue: z.string(),
  operator: z.enum(CONDITION_OPERATORS),
  secondValue: z.string().optional(),
  caseSensitive: z.boolean().optional(),
});

export interface FlowAction {
  name: string;
  displayName: string;
  valid: boolean;
  lastUpdatedDate: string;
  skip?: boolean;
  type: 'PIECE' | 'ROUTER';
  settings: Record<string, unknown>;
  nextAction?: FlowAction | undefined;
  children?: Array<FlowAction | null>;
}

const pieceActionSchema = z.object({
  ...stepBase,
  type: z.literal('PIECE'),
  skip: z.boolean().optional(),
  settings: z.object({
    pieceName: z.string().min(1),
    pieceVersion: z.string().regex(PIECE_VERSION),
    actionName: z.string().min(1),
    input: z.record(z.string(), z.unknown()),
    propertySettings,
    errorHandlingOptions: z.unknown().optional(),
  }),
  get nextAction() {
    return actionSchema.optional();
  },
});

const routerActionSchema = z.object({
  ...stepBase,
  type: z.literal('ROUTER'),
  skip: z.boolean().optional(),
  settings: z.object({
    executionType: z.enum(['EXECUTE_FIRST_MATCH', 'EXECUTE_ALL_MATCH']),
    branches: z
      .array(
        z.discriminatedUnion('branchType', [
          z.object({
            branchType: z.literal('CONDITION'),
            branchName: z.string().min(1),
            conditions: z.array(z.array(flowConditionSchema).min(1)).min(1),
          }),
          z.object({ branchType: z.literal('FALLBACK'), branchName: z.string().min(1) }),
        ]),
      )
      .min(1),
  }),
  get children() {
    return z.array(actionSchema.nullable());
  },
  get nextAction() {
    return actionSchema.optional();
  },
});

const actionSchema: z.ZodType<FlowAction> = z.lazy(() =>
  z.discriminatedUnion('type', [pieceActionSchema, routerActionSchema]),
) as unknown as z.ZodType<FlowAction>;

export const flowTriggerSchema = z.object({
  ...stepBase,
  type: z.literal('PIECE_TRIGGER'),
  settings: z.object({
    pieceName: z.string().min(1),
    pieceVersion: z.string().regex(PIECE_VERSION),
    triggerName: z.string().min(1),
    input: z.record(z.string(), z.unknown()),
    propertySettings,
  }),
  nextAction: actionSchema.optional(),
});
export type FlowTrigger = z.infer<typeof flowTriggerSchema>;

/** The `request` of an `IMPORT_FLOW` operation. */
export const importFlowRequestSchema = z.object({
  displayName: z.string().min(1),
  trigger: flowTriggerSchema,
  schemaVersion: z.string().nullable(),
  notes: z.array(z.unknown()).nullable(),
});
export type ImportFlowRequest = z.infer<typeof importFlowRequestSchema>;

/** A problem in a flow version, with the JSON path of the step or field. */
export interface FlowShapeIssue {
  path: string;
  message: string;
}

/**
 * Checks a flow version beyond its JSON shape: unique step names, a propertySettings entry for every
 * input key (servers since schema v6 refuse otherwise), a router's children matching its branches with
 * the fallback last, and expressions that only name the trigger or a step that ran before.
 */
export function checkFlowVersion(request: unknown): FlowShapeIssue[] {
  const parsed = importFlowRequestSchema.safeParse(request);
  if (!parsed.success)
    return parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
  const issues: FlowShapeIssue[] = [];
  const names = new Set<string>(['trigger']);
  const trigger = parsed.data.trigger;
  if (trigger.name !== 'trigger')
    issues.push({ path: 'trigger.name', message: 'the trigger step is named "trigger"' });
  checkInputs(trigger.settings.input, trigger.settings.propertySettings, 'trigger.settings', issues);

  function walk(action: FlowAction | undefined, path: string, before: ReadonlySet<string>) {
    const ran = new Set(before);
    for (let a = action, p = path; a; p = `${p}.nextAction`, a = a.nextAction) {
      if (names.has(a.name))
        issues.push({ path: `${p}.name`, message: `step name "${a.name}" is used twice` });
      names.add(a.name);
      for (const ref of expressionSteps(a.settings)) {
        if (!ran.has(ref))
          issues.push({ path: `${p}.settings`, message: `expression names "${ref}", which has not run` });
      }
      if (a.type === 'PIECE') {
        const s = a.settings as { input: Record<string, unknown>; propertySettings: Record<string, unknown> };
        checkInputs(s.input, s.propertySettings, `${p}.settings`, issues);
      } else {
        const branches = (a.settings as { branches: Array<{ branchType: string }> }).branches;
        const children = a.children ?? [];
        if (children.length !== branches.length)
          issues.push({
            path: `${p}.children`,
            message: `${branches.length} branches but ${children.length} children`,
          });
        branches.forEach((b, i) => {
          if (b.branchType === 'FALLBACK' && i !== branches.length - 1)
            issues.push({ path: `${p}.settings.branches.${i}`, message: 'the fallback branch must be last' });
        });
        children.forEach((child, i) => {
          if (child) walk(child, `${p}.children.${i}`, ran);
        });
      }
      // Inside a router only the enclosing steps are sure to have run; the router's own children are not.
      ran.add(a.name);
    }
  }
  walk(trigger.nextAction, 'trigger.nextAction', new Set(['trigger']));
  return issues;
}

function checkInputs(
  input: Record<string, unknown>,
  settings: Record<string, unknown>,
  path: string,
  issues: FlowShapeIssue[],
) {
  for (const key of Object.keys(input))
    if (!(key in settings))
      issues.push({
        path: `${path}.propertySettings`,
        message: `no propertySettings entry for input "${key}"`,
      });
}

/** Step names in `{{name…}}` expressions anywhere in a step's settings (connections excluded). */
function expressionSteps(settings: unknown): string[] {
  const out: string[] = [];
  const visit = (v: unknown) => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(/\{\{\s*([A-Za-z0-9_]+)/g)) if (m[1] !== 'connections') out.push(m[1]!);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(settings);
  return out;
}
