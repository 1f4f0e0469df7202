/** Response schemas of the workflow routes: workflows, runs, templates, pieces and the engine. */
import {
  arr,
  bool,
  dateTime,
  enumOf,
  int,
  named,
  nullable,
  obj,
  open,
  record,
  str,
  uuid,
} from '../schema-builders.ts';

const issue = named(
  'WorkflowIssue',
  obj({ path: str, code: str, severity: enumOf(['error', 'warning']), message: str }),
);
/** A workflow tree as submitted: a trigger and steps whose fields depend on their kind. */
const tree = named(
  'WorkflowTree',
  open({ trigger: open({ type: str }), steps: arr(open({ id: str, kind: str })) }),
);
/** The ActivePieces flow version, in the engine's own format. */
const compiledFlow = open({}, { description: 'the ActivePieces flow version the tree compiles to' });

export const treeValidationSchema = named('WorkflowValidation', obj({ valid: bool, issues: arr(issue) }));
export const treeCompileSchema = named(
  'WorkflowCompilation',
  obj({ valid: bool, issues: arr(issue), flow: nullable(compiledFlow) }, { optional: ['flow'] }),
);

export const workflowSchema = named(
  'Workflow',
  obj({
    id: uuid,
    name: str,
    description: nullable(str),
    template_id: nullable(str),
    status: enumOf(['draft', 'active', 'paused', 'error']),
    trigger_type: str,
    tree,
    issues: arr(issue),
    valid: bool,
    compiled: nullable(compiledFlow),
    version: int,
    deployed_version: nullable(int),
    engine: nullable(obj({ flow_id: nullable(str), published_version_id: nullable(str) })),
    last_error: nullable(str),
    created_at: dateTime,
    updated_at: dateTime,
  }),
);

export const workflowRunSchema = named(
  'WorkflowRun',
  obj({
    id: uuid,
    workflow_id: uuid,
    version: int,
    trigger: enumOf(['event', 'manual', 'schedule', 'webhook']),
    event_key: nullable(str),
    ap_run_id: nullable(str),
    status: {
      type: 'string',
      description:
        "the engine's status (QUEUED, RUNNING, SUCCEEDED, FAILED, …); SENT until the engine's run is found",
    },
    steps: { description: 'per-step results as the engine reports them; null until known' },
    error: nullable(str),
    started_at: nullable(dateTime),
    finished_at: nullable(dateTime),
    created_at: dateTime,
    updated_at: dateTime,
  }),
);

export const workflowTemplatesSchema = obj({
  data: arr(
    named(
      'WorkflowTemplate',
      obj({ id: str, name: str, description: str, params: record(str, 'parameter → what to give') }),
    ),
  ),
});

export const pieceRegistrySchema = obj({
  data: arr(
    named(
      'WorkflowPiece',
      obj({
        key: str,
        piece_name: str,
        version: str,
        auth: str,
        connector: nullable(str),
        actions: arr(obj({ action: str, action_name: str, unconfirmed: nullable(str) })),
      }),
    ),
  ),
  unconfirmed: record(str, 'names and versions not confirmed against the engine, with why'),
});

const appConnection = named(
  'EngineConnection',
  obj({
    piece: str,
    external_id: str,
    ap_connection_id: nullable(str),
    status: enumOf(['active', 'needs_consent', 'error']),
    message: nullable(str),
    updated_at: dateTime,
  }),
);
export const pieceStatusSchema = obj({
  data: arr(
    named('WorkflowPieceStatus', obj({ key: str, usable: bool, engine_connection: nullable(appConnection) })),
  ),
});
export const consentSchema = named(
  'EngineConsent',
  obj({ piece: str, external_id: str, status: enumOf(['active', 'error']) }),
);
export const engineStatusSchema = named(
  'EngineStatus',
  obj({
    configured: bool,
    engine_host: nullable(str),
    project_id: nullable(str),
    connections: arr(appConnection),
    message: nullable(str),
  }),
);
