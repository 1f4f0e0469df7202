/**
 * Validates a workflow tree and reports every problem with its path in the tree (`steps[1].arms[0].when[0][1]`):
 * shape errors, unknown or unavailable actions, missing or unknown inputs, references to data the
 * trigger does not provide or to steps that may not have run, unreachable branch arms, bad schedules,
 * and connectors the workspace lacks. Errors block activation; warnings (unconfirmed piece names) do not.
 */
import { Cron } from 'croner';
import type { z } from 'zod';
import { ACTION_SPECS, PIECES, UNCONFIRMED } from './piece-catalog.ts';
import {
  type Condition,
  triggerProvides,
  referencesIn,
  type TriggerType,
  UNARY_OPERATORS,
  type WorkflowStep,
  type WorkflowTree,
  workflowTreeSchema,
} from './workflow-tree.ts';

export type TreeIssueCode =
  | 'invalid_shape'
  | 'unknown_action'
  | 'unavailable_action'
  | 'unconfirmed_action'
  | 'missing_input'
  | 'unknown_input'
  | 'unknown_reference'
  | 'unreachable_branch'
  | 'bad_condition'
  | 'duplicate_step_id'
  | 'invalid_schedule'
  | 'missing_connector'
  | 'needs_public_url';

export interface TreeIssue {
  path: string;
  code: TreeIssueCode;
  severity: 'error' | 'warning';
  message: string;
}

export interface ValidationContext {
  /** Connectors the workspace has (Pandora connections, Slack settings, provisioned app connections). */
  connectors: ReadonlySet<string>;
  /** PANDORA_PUBLIC_URL: actions that call Pandora back need it. */
  publicUrl: string | undefined;
}

export type TreeValidation =
  | { valid: true; tree: WorkflowTree; issues: TreeIssue[] }
  | { valid: false; tree: WorkflowTree | null; issues: TreeIssue[] };

/** `steps.0.arms.1.when` → `steps[0].arms[1].when`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out ? `.${String(s)}` : String(s);
  return out || '(root)';
}

function shapeIssues(error: z.ZodError): TreeIssue[] {
  return error.issues.map((i) => {
    const path = formatPath(i.path);
    const last = i.path[i.path.length - 1];
    const unknownAction = last === 'action' && i.code === 'invalid_value';
    return {
      path,
      code: unknownAction ? 'unknown_action' : 'invalid_shape',
      severity: 'error',
      message: unknownAction
        ? `unknown action; known: ${Object.keys(ACTION_SPECS).join(', ')}`
        : i.code === 'unrecognized_keys'
          ? `unknown field(s): ${i.keys.join(', ')}`
          : i.message,
    } satisfies TreeIssue;
  });
}

export function validateTree(input: unknown, ctx: ValidationContext): TreeValidation {
  const parsed = workflowTreeSchema.safeParse(input);
  if (!parsed.success) return { valid: false, tree: null, issues: shapeIssues(parsed.error) };
  const tree = parsed.data;
  const issues: TreeIssue[] = [];
  const add = (path: string, code: TreeIssueCode, message: string, severity: 'error' | 'warning' = 'error') =>
    issues.push({ path, code, severity, message });

  if (tree.trigger.type === 'schedule') checkSchedule(tree.trigger.cron, tree.trigger.timezone, add);

  const seen = new Set<string>();
  const triggerType = tree.trigger.type;

  /** A `{{…}}` expression or condition field: the trigger's data, or an earlier step that surely ran. */
  function checkReference(ref: string, path: string, ran: ReadonlyMap<string, WorkflowStep>) {
    const trigger = /^trigger\.(.+)$/.exec(ref);
    if (trigger) {
      if (!triggerProvides(triggerType, trigger[1]!))
        add(path, 'unknown_reference', describeMissingField(triggerType, trigger[1]!));
      return;
    }
    const step = /^steps\.([a-z][a-z0-9_]*)(?:\.(.+))?$/.exec(ref);
    if (step) {
      const target = ran.get(step[1]!);
      if (!target)
        add(path, 'unknown_reference', `"${ref}": no step "${step[1]}" runs before this point on every path`);
      else if (target.kind === 'branch') add(path, 'unknown_reference', `"${ref}": a branch has no output`);
      return;
    }
    add(path, 'unknown_reference', `"${ref}": references start with trigger. or steps.<id>`);
  }

  function checkText(text: unknown, path: string, ran: ReadonlyMap<string, WorkflowStep>) {
    if (typeof text !== 'string') return;
    for (const ref of referencesIn(text)) checkReference(ref, path, ran);
  }

  function checkCondition(c: Condition, path: string, ran: ReadonlyMap<string, WorkflowStep>) {
    checkReference(c.field, `${path}.field`, ran);
    const unary = UNARY_OPERATORS.has(c.operator);
    if (unary && c.value !== undefined)
      add(`${path}.value`, 'bad_condition', `${c.operator} compares with nothing; remove value`);
    if (!unary && c.value === undefined) add(`${path}.value`, 'bad_condition', `${c.operator} needs a value`);
    if (c.operator.startsWith('NUMBER_') && c.value !== undefined && typeof c.value !== 'number') {
      if (
        typeof c.value !== 'string' ||
        (referencesIn(c.value).length === 0 && !Number.isFinite(Number(c.value)))
      )
        add(`${path}.value`, 'bad_condition', `${c.operator} needs a number`);
    }
    checkText(c.value, `${path}.value`, ran);
  }

  function checkSteps(
    steps: readonly WorkflowStep[],
    path: string,
    outer: ReadonlyMap<string, WorkflowStep>,
  ) {
    // Steps that surely ran before the one being checked: the enclosing ones plus earlier siblings.
    const ran = new Map(outer);
    for (const [i, step] of steps.entries()) {
      const here = `${path}[${i}]`;
      if (seen.has(step.id)) add(`${here}.id`, 'duplicate_step_id', `step id "${step.id}" is used twice`);
      seen.add(step.id);
      if (step.kind === 'action') checkAction(step, here, ran);
      else {
        const groupsSeen: string[] = [];
        for (const [a, arm] of step.arms.entries()) {
          const armPath = `${here}.arms[${a}]`;
          for (const [g, group] of arm.when.entries())
            for (const [k, c] of group.entries()) checkCondition(c, `${armPath}.when[${g}][${k}]`, ran);
          const key = canonicalConditions(arm.when);
          const earlier = groupsSeen.indexOf(key);
          if (earlier >= 0)
            add(
              armPath,
              'unreachable_branch',
              `arm "${arm.name}" has the same conditions as arm ${earlier}, which always matches first`,
            );
          else if (arm.when.every(contradictory))
            add(armPath, 'unreachable_branch', `arm "${arm.name}" has conditions that can never all hold`);
          groupsSeen.push(key);
          checkSteps(arm.steps, `${armPath}.steps`, ran);
        }
        checkSteps(step.otherwise, `${here}.otherwise`, ran);
      }
      ran.set(step.id, step);
    }
  }

  function checkAction(
    step: Extract<WorkflowStep, { kind: 'action' }>,
    here: string,
    ran: ReadonlyMap<string, WorkflowStep>,
  ) {
    const spec = ACTION_SPECS[step.action];
    if (spec.unavailable) add(`${here}.action`, 'unavailable_action', `${step.action}: ${spec.unavailable}`);
    if (spec.unconfirmed)
      add(
        `${here}.action`,
        'unconfirmed_action',
        `${step.action} compiles to ${PIECES[spec.piece].pieceName} "${spec.actionName}", a name not confirmed: ${UNCONFIRMED[spec.unconfirmed]}`,
        'warning',
      );
    for (const key of spec.required)
      if (step.inputs[key] === undefined || step.inputs[key] === '')
        add(`${here}.inputs.${key}`, 'missing_input', `${step.action} needs input "${key}"`);
    if (spec.optional !== null)
      for (const key of Object.keys(step.inputs))
        if (!spec.required.includes(key) && !spec.optional.includes(key))
          add(`${here}.inputs.${key}`, 'unknown_input', `${step.action} takes no input "${key}"`);
    for (const [key, value] of Object.entries(step.inputs)) checkText(value, `${here}.inputs.${key}`, ran);
    if (step.action === 'call_webhook') checkWebhookUrl(step.inputs.url, `${here}.inputs.url`, add);
    const connector = PIECES[spec.piece].connector;
    if (connector && !ctx.connectors.has(connector))
      add(
        `${here}.action`,
        'missing_connector',
        `${step.action} needs the ${connector} connector, which this workspace lacks`,
      );
    if (spec.callsPandora && !ctx.publicUrl)
      add(
        `${here}.action`,
        'needs_public_url',
        `${step.action} calls Pandora back and needs PANDORA_PUBLIC_URL`,
      );
  }

  checkSteps(tree.steps, 'steps', new Map());
  if (issues.some((i) => i.severity === 'error')) return { valid: false, tree, issues };
  return { valid: true, tree, issues };
}

function describeMissingField(type: TriggerType, field: string): string {
  if (type === 'schedule') return `"trigger.${field}": a schedule trigger provides no data`;
  return `"trigger.${field}": a ${type} trigger does not provide "${field}"`;
}

function checkSchedule(
  cron: string,
  timezone: string,
  add: (path: string, code: TreeIssueCode, message: string) => void,
) {
  try {
    new Cron(cron, { paused: true, timezone }).stop();
  } catch (err) {
    add('trigger.cron', 'invalid_schedule', `not a valid cron pattern: ${(err as Error).message}`);
    return;
  }
  // Five fields only: ActivePieces' cron_expression trigger takes classic cron, without seconds.
  if (cron.trim().split(/\s+/).length !== 5)
    add('trigger.cron', 'invalid_schedule', 'expected five cron fields (minute hour day month weekday)');
}

function checkWebhookUrl(
  url: unknown,
  path: string,
  add: (path: string, code: TreeIssueCode, message: string) => void,
) {
  if (typeof url !== 'string' || url === '' || referencesIn(url).length > 0) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    add(path, 'invalid_shape', 'not a URL');
    return;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    add(path, 'invalid_shape', 'must be http(s)');
}

/** Order-insensitive key of an arm's conditions, so reordered duplicates are caught too. */
function canonicalConditions(when: readonly Condition[][]): string {
  const groups = when.map((g) =>
    JSON.stringify(
      g
        .map((c) => [c.field, c.operator, c.value ?? null])
        .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
    ),
  );
  return JSON.stringify([...new Set(groups)].sort());
}

const OPPOSITES: ReadonlyArray<[string, string]> = [
  ['EXISTS', 'DOES_NOT_EXIST'],
  ['BOOLEAN_IS_TRUE', 'BOOLEAN_IS_FALSE'],
  ['LIST_IS_EMPTY', 'LIST_IS_NOT_EMPTY'],
];

/** An AND group that can never hold: a field required to both exist and not exist, and the like. */
function contradictory(group: readonly Condition[]): boolean {
  for (const [a, b] of OPPOSITES)
    for (const c of group)
      if (c.operator === a && group.some((d) => d.field === c.field && d.operator === b)) return true;
  const equals = new Map<string, Set<string>>();
  for (const c of group)
    if (c.operator === 'NUMBER_IS_EQUAL_TO' && typeof c.value === 'number') {
      const set = equals.get(c.field) ?? new Set();
      set.add(String(c.value));
      equals.set(c.field, set);
    }
  return [...equals.values()].some((s) => s.size > 1);
}
