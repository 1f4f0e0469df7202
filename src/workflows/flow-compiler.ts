/**
 * Compiles a validated workflow tree into the flow version ActivePieces' `IMPORT_FLOW` takes. Pandora's
 * events reach a flow through the webhook piece's `catch_webhook` trigger (their data arrives as the
 * request body); schedules use the schedule piece. Steps are named step_1, step_2, … in document order,
 * connections are referenced by external id, piece versions are pinned, and nothing depends on the clock:
 * the same tree always compiles to the same JSON.
 */
import type { FlowAction, ImportFlowRequest } from './flow-version.ts';
import {
  ACTION_SPECS,
  connectionExternalId,
  PIECES,
  type PieceEntry,
  type PieceKey,
} from './piece-catalog.ts';
import type { ActionStep, BranchStep, Condition, WorkflowStep, WorkflowTree } from './workflow-tree.ts';

/**
 * ActivePieces requires `lastUpdatedDate` on every step (schema 17+) but runs do not depend on it; a
 * fixed value keeps compilation deterministic.
 */
export const STEP_DATE = '2026-01-01T00:00:00.000Z';

/** Used for previews when no engine was asked; activation sends the engine's own (reference §3). */
export const DEFAULT_SCHEMA_VERSION = '23';

export interface CompileOptions {
  displayName: string;
  workspaceId: string;
  /** PANDORA_PUBLIC_URL, for actions that call Pandora back. */
  publicUrl?: string | undefined;
  schemaVersion?: string | null;
  /** pieceName → the exact version installed on the engine; missing ones use the catalog's. */
  pieceVersions?: Readonly<Record<string, string>>;
}

const ACTION_LABELS: Record<ActionStep['action'], string> = {
  post_slack: 'Post to Slack',
  call_webhook: 'Call webhook',
  send_email: 'Send email',
  create_crm_task: 'Create CRM task',
  update_crm_field: 'Update CRM field',
  run_skill: 'Run skill',
  start_enrichment: 'Start enrichment',
};

const TEXT_OPERATOR = /^TEXT_/;

export function compileWorkflow(tree: WorkflowTree, options: CompileOptions): ImportFlowRequest {
  const names = new Map<string, string>();
  for (const step of allSteps(tree.steps)) names.set(step.id, `step_${names.size + 1}`);
  const eventTrigger = tree.trigger.type === 'skill_finding' || tree.trigger.type === 'sync_event';

  const expr = (ref: string): string => {
    const t = /^trigger\.(.+)$/.exec(ref);
    if (t) return eventTrigger ? `trigger.body.${t[1]}` : `trigger.${t[1]}`;
    const s = /^steps\.([a-z][a-z0-9_]*)(\.(.+))?$/.exec(ref);
    if (s && names.has(s[1]!)) return `${names.get(s[1]!)}${s[2] ?? ''}`;
    return ref;
  };
  const text = (value: string | number | boolean | undefined): string | number | boolean | undefined =>
    typeof value === 'string'
      ? value.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (_m, ref) => `{{${expr(ref)}}}`)
      : value;
  const version = (p: PieceEntry) => options.pieceVersions?.[p.pieceName] ?? p.version;

  function pieceStep(step: ActionStep): FlowAction {
    const spec = ACTION_SPECS[step.action];
    const piece = PIECES[spec.piece];
    const input = actionInput(step, spec.piece, text, options);
    return {
      name: names.get(step.id)!,
      displayName: step.name ?? ACTION_LABELS[step.action],
      valid: true,
      lastUpdatedDate: STEP_DATE,
      skip: false,
      type: 'PIECE',
      settings: {
        pieceName: piece.pieceName,
        pieceVersion: version(piece),
        actionName: spec.actionName,
        input,
        propertySettings: manualSettings(input),
      },
    };
  }

  function condition(c: Condition) {
    return {
      firstValue: `{{${expr(c.field)}}}`,
      operator: c.operator,
      ...(c.value !== undefined ? { secondValue: String(text(c.value)) } : {}),
      ...(TEXT_OPERATOR.test(c.operator) ? { caseSensitive: false } : {}),
    };
  }

  function routerStep(step: BranchStep): FlowAction {
    return {
      name: names.get(step.id)!,
      displayName: step.name ?? 'Branch',
      valid: true,
      lastUpdatedDate: STEP_DATE,
      skip: false,
      type: 'ROUTER',
      settings: {
        executionType: 'EXECUTE_FIRST_MATCH',
        branches: [
          ...step.arms.map((arm) => ({
            branchType: 'CONDITION',
            branchName: arm.name,
            conditions: arm.when.map((group) => group.map(condition)),
          })),
          { branchType: 'FALLBACK', branchName: 'Otherwise' },
        ],
      },
      children: [...step.arms.map((arm) => chain(arm.steps) ?? null), chain(step.otherwise) ?? null],
    };
  }

  function chain(steps: readonly WorkflowStep[]): FlowAction | undefined {
    let next: FlowAction | undefined;
    for (const step of [...steps].reverse()) {
      const compiled = step.kind === 'action' ? pieceStep(step) : routerStep(step);
      if (next) compiled.nextAction = next;
      next = compiled;
    }
    return next;
  }

  const trigger = tree.trigger;
  const triggerPiece = trigger.type === 'schedule' ? PIECES.schedule : PIECES.webhook;
  const triggerInput: Record<string, unknown> =
    trigger.type === 'schedule'
      ? { cronExpression: trigger.cron, timezone: trigger.timezone }
      : { authType: 'none', authFields: {} };
  const first = chain(tree.steps);
  return {
    displayName: options.displayName,
    schemaVersion: options.schemaVersion === undefined ? DEFAULT_SCHEMA_VERSION : options.schemaVersion,
    notes: [],
    trigger: {
      name: 'trigger',
      displayName: trigger.type === 'schedule' ? 'Schedule' : 'Catch Webhook',
      valid: true,
      lastUpdatedDate: STEP_DATE,
      type: 'PIECE_TRIGGER',
      settings: {
        pieceName: triggerPiece.pieceName,
        pieceVersion: version(triggerPiece),
        triggerName: trigger.type === 'schedule' ? 'cron_expression' : 'catch_webhook',
        input: triggerInput,
        propertySettings: manualSettings(triggerInput),
      },
      ...(first ? { nextAction: first } : {}),
    },
  };
}

/** The pieces a tree's compiled flow uses (for resolving installed versions before compiling). */
export function piecesUsed(tree: WorkflowTree): string[] {
  const used = new Set<string>([
    tree.trigger.type === 'schedule' ? PIECES.schedule.pieceName : PIECES.webhook.pieceName,
  ]);
  for (const step of allSteps(tree.steps))
    if (step.kind === 'action') used.add(PIECES[ACTION_SPECS[step.action].piece].pieceName);
  return [...used].sort();
}

/** Connection external ids a tree's flow names, by piece (for provisioning before import). */
export function connectionsUsed(tree: WorkflowTree): PieceKey[] {
  const used = new Set<PieceKey>();
  for (const step of allSteps(tree.steps))
    if (step.kind === 'action' && PIECES[ACTION_SPECS[step.action].piece].auth !== 'NONE')
      used.add(ACTION_SPECS[step.action].piece);
  return [...used].sort();
}

function* allSteps(steps: readonly WorkflowStep[]): Generator<WorkflowStep> {
  for (const step of steps) {
    yield step;
    if (step.kind === 'branch') {
      for (const arm of step.arms) yield* allSteps(arm.steps);
      yield* allSteps(step.otherwise);
    }
  }
}

function manualSettings(input: Record<string, unknown>): Record<string, { type: 'MANUAL' }> {
  return Object.fromEntries(Object.keys(input).map((k) => [k, { type: 'MANUAL' as const }]));
}

type TextFn = (value: string | number | boolean | undefined) => string | number | boolean | undefined;

function actionInput(step: ActionStep, piece: PieceKey, text: TextFn, options: CompileOptions) {
  const i = step.inputs;
  const auth = `{{connections['${connectionExternalId(piece)}']}}`;
  switch (step.action) {
    case 'post_slack':
      return {
        auth,
        channel: text(i.channel),
        text: text(i.text),
        sendAsBot: true,
        ...(i.thread_ts !== undefined ? { threadTs: text(i.thread_ts) } : {}),
      };
    case 'call_webhook': {
      const { url, method, ...fields } = i;
      return httpRequest(
        String(method ?? 'POST').toUpperCase(),
        String(text(url)),
        {},
        Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, text(v)])),
      );
    }
    case 'send_email':
      return {
        auth,
        receiver: [text(i.to)],
        subject: text(i.subject),
        body: text(i.body),
        body_type: 'plain_text',
      };
    case 'create_crm_task':
    case 'update_crm_field':
      return { auth, ...Object.fromEntries(Object.entries(i).map(([k, v]) => [k, text(v)])) };
    case 'run_skill':
    case 'start_enrichment': {
      const base = (options.publicUrl ?? '').replace(/\/$/, '');
      const path =
        step.action === 'run_skill'
          ? `/api/workspaces/${options.workspaceId}/skills/${encodeURIComponent(String(i.skill_id))}/run`
          : `/api/workspaces/${options.workspaceId}/enrichment`;
      return httpRequest(
        'POST',
        base + path,
        { authorization: `Bearer {{connections['${connectionExternalId('pandora_api')}']}}` },
        {},
      );
    }
  }
}

function httpRequest(
  method: string,
  url: string,
  headers: Record<string, string>,
  data: Record<string, unknown>,
) {
  return {
    method,
    url,
    headers,
    queryParams: {},
    authType: 'NONE',
    body_type: 'json',
    body: { data },
    // The value the reference's example uses; other failure modes are not documented there.
    failureMode: 'continue_none',
  };
}
