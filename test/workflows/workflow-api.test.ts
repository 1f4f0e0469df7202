import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { announceSyncFinished } from '../../src/outputs/output-events.ts';
import type { SkillRun } from '../../src/skills/skill-runs.ts';
import type { SyncLogRow } from '../../src/sync/sync-log.ts';
import { monitorWorkflowRuns } from '../../src/workflows/workflow-monitor.ts';
import { findingEvents, startWorkflowsForEvents } from '../../src/workflows/workflow-trigger.ts';
import { FAKE_AP_KEY, type FakeActivePieces, startFakeActivePieces } from '../fakes/fake-activepieces.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const syncFailedTree = {
  trigger: { type: 'sync_event', event: 'sync.failed' },
  steps: [
    {
      id: 'notify',
      kind: 'action',
      action: 'call_webhook',
      inputs: { url: 'https://hooks.example.com/pandora', error: '{{trigger.error}}' },
    },
  ],
};

function failedSync(connector = 'hubspot'): SyncLogRow {
  return {
    id: randomUUID(),
    connection_id: null,
    connector_name: connector,
    trigger: 'scheduled',
    mode: 'incremental',
    status: 'failed',
    phase: null,
    post_sync: null,
    counts: {},
    progress: {},
    error: 'HubSpot rejected the credentials (401)',
    started_at: null,
    finished_at: new Date().toISOString(),
    created_at: new Date().toISOString(),
  } as SyncLogRow;
}

describe('workflows without an engine (degraded mode)', () => {
  let app: TestApp;
  let base: string;
  before(async () => {
    app = await startTestApp();
    base = `/api/workspaces/${(await app.createWorkspace()).id}`;
  });
  after(() => app.close());

  it('designs, validates and compiles; activation answers 409 naming the missing engine', async () => {
    const created = await app.request('POST', `${base}/workflows`, {
      body: { name: 'Sync alarm', tree: syncFailedTree },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.status, 'draft');
    assert.equal(created.body.valid, true);
    assert.equal(created.body.compiled.trigger.settings.triggerName, 'catch_webhook');
    const compiled = await app.request('POST', `${base}/workflows/compile`, {
      body: { tree: syncFailedTree },
    });
    assert.equal(compiled.status, 200);
    assert.deepEqual(compiled.body.flow.trigger.nextAction.settings.input.body, {
      data: { error: '{{trigger.body.error}}' },
    });
    const activate = await app.request('POST', `${base}/workflows/${created.body.id}/activate`);
    assert.equal(activate.status, 409);
    assert.equal(activate.body.error.code, 'conflict');
    assert.match(activate.body.error.message, /PANDORA_ACTIVEPIECES_URL/);
    const execute = await app.request('POST', `${base}/workflows/${created.body.id}/execute`, { body: {} });
    assert.equal(execute.status, 409);
    const engine = await app.request('GET', `${base}/workflow-engine`);
    assert.equal(engine.body.configured, false);
    const pause = await app.request('POST', `${base}/workflows/${created.body.id}/pause`);
    assert.equal(pause.body.status, 'paused', 'a never-provisioned workflow pauses locally');
    assert.equal((await app.request('DELETE', `${base}/workflows/${created.body.id}`)).status, 204);
  });

  it('refuses a malformed tree with its path, and stores a tree with errors as a draft with its issues', async () => {
    const bad = await app.request('POST', `${base}/workflows/validate`, {
      body: {
        tree: {
          trigger: { type: 'webhook' },
          steps: [{ id: 'x', kind: 'action', action: 'teleport', inputs: {} }],
        },
      },
    });
    assert.equal(bad.status, 200);
    assert.deepEqual(
      bad.body.issues.map((i: any) => [i.code, i.path]),
      [['unknown_action', 'steps[0].action']],
    );
    const shape = await app.request('POST', `${base}/workflows`, {
      body: { name: 'x', tree: { trigger: { type: 'webhook' }, steps: [] } },
    });
    assert.equal(shape.status, 400);
    assert.match(shape.body.error.message, /steps/);
    const slackless = await app.request(
      'POST',
      `${base}/workflow-templates/high-risk-deals-to-slack/instantiate`,
      {
        body: { params: { channel: 'C0123456789' } },
      },
    );
    assert.equal(slackless.status, 201);
    assert.equal(slackless.body.valid, false);
    assert.equal(slackless.body.compiled, null);
    assert.deepEqual(
      slackless.body.issues.map((i: any) => i.code),
      ['missing_connector'],
    );
    const missingParam = await app.request(
      'POST',
      `${base}/workflow-templates/sync-failed-webhook/instantiate`,
      { body: {} },
    );
    assert.equal(missingParam.status, 400);
    const unknown = await app.request('POST', `${base}/workflow-templates/no-such/instantiate`, { body: {} });
    assert.equal(unknown.status, 404);
  });
});

describe('workflows on the ActivePieces engine (fake)', () => {
  let ap: FakeActivePieces;
  let app: TestApp;
  let ws: { id: string; key: string };
  let base: string;
  before(async () => {
    ap = await startFakeActivePieces();
    app = await startTestApp({
      PANDORA_ACTIVEPIECES_URL: ap.url,
      PANDORA_ACTIVEPIECES_API_KEY: FAKE_AP_KEY,
      PANDORA_ACTIVEPIECES_RETRY_BASE_MS: '5',
      PANDORA_WORKFLOW_RUN_TIMEOUT_SECONDS: '600',
    });
    ws = await app.createWorkspace();
    base = `/api/workspaces/${ws.id}`;
  });
  after(async () => {
    await app.close();
    await ap.close();
  });

  let webhookFlow: any;

  it('activates a template: project by external id, installed piece versions, import then publish', async () => {
    const made = await app.request('POST', `${base}/workflow-templates/sync-failed-webhook/instantiate`, {
      token: ws.key,
      body: { params: { url: 'https://hooks.example.com/pandora' } },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const active = await app.request('POST', `${base}/workflows/${made.body.id}/activate`, { token: ws.key });
    assert.equal(active.status, 200, JSON.stringify(active.body));
    assert.equal(active.body.status, 'active');
    webhookFlow = active.body;
    assert.deepEqual(
      ap.projects.map((p) => p.externalId),
      [ws.id],
    );
    const flow = ap.flows.get(active.body.engine.flow_id)!;
    assert.equal(flow.status, 'ENABLED');
    assert.equal(flow.externalId, `pandora-${made.body.id}`);
    assert.equal(flow.imports.length, 1);
    const imported = flow.imports[0] as any;
    assert.equal(imported.schemaVersion, '21', "the engine's own schema version");
    assert.equal(imported.trigger.settings.pieceVersion, '0.1.40');
    assert.equal(imported.trigger.nextAction.settings.pieceVersion, '0.11.12');
    assert.deepEqual(active.body.compiled, imported);
    // Operations in order: import, then publish (steps never ride on LOCK_AND_PUBLISH).
    const ops = ap.requests
      .filter((r) => r.path === `/api/v1/flows/${flow.id}` && r.method === 'POST')
      .map((r) => (r.body as any).type);
    assert.deepEqual(ops, ['IMPORT_FLOW', 'LOCK_AND_PUBLISH']);
  });

  it('a failed sync starts the matching workflow once; the monitor mirrors the run to its result', async () => {
    const sync = failedSync();
    await announceSyncFinished(app.deps, ws.id, sync);
    await announceSyncFinished(app.deps, ws.id, sync); // announced twice: still one run
    await announceSyncFinished(app.deps, ws.id, { ...failedSync(), status: 'succeeded' } as SyncLogRow); // no match
    assert.equal(ap.runs.length, 1);
    assert.equal((ap.runs[0]!.body as any).error, sync.error);
    assert.equal((ap.runs[0]!.body as any).sync_log_id, sync.id);
    let runs = await app.request('GET', `${base}/workflows/${webhookFlow.id}/runs`, { token: ws.key });
    assert.deepEqual(
      runs.body.data.map((r: any) => [r.trigger, r.status]),
      [['event', 'SENT']],
    );

    await monitorWorkflowRuns(app.deps);
    runs = await app.request('GET', `${base}/workflows/${webhookFlow.id}/runs`, { token: ws.key });
    assert.equal(runs.body.data[0].status, 'QUEUED');
    assert.equal(runs.body.data[0].ap_run_id, ap.runs[0]!.id);

    ap.setRun(ap.runs[0]!.id, 'FAILED', {
      startTime: '2026-12-05T10:00:00.000Z',
      finishTime: '2026-12-05T10:00:02.000Z',
      steps: { step_1: { type: 'PIECE', status: 'FAILED', errorMessage: 'connect ECONNREFUSED' } },
      failedStep: { name: 'step_1', displayName: 'Call webhook', message: 'connect ECONNREFUSED' },
    });
    await monitorWorkflowRuns(app.deps);
    const detail = await app.request(
      'GET',
      `${base}/workflows/${webhookFlow.id}/runs/${runs.body.data[0].id}`,
      { token: ws.key },
    );
    assert.equal(detail.body.status, 'FAILED');
    assert.equal(detail.body.error, 'Call webhook: connect ECONNREFUSED');
    assert.equal(detail.body.steps.step_1.status, 'FAILED');
    assert.equal(new Date(detail.body.finished_at).toISOString(), '2026-12-05T10:00:02.000Z');
  });

  it('execute now runs through the webhook; runs the engine started itself are mirrored too', async () => {
    const exec = await app.request('POST', `${base}/workflows/${webhookFlow.id}/execute`, {
      token: ws.key,
      body: { payload: { error: 'test' } },
    });
    assert.equal(exec.status, 202, JSON.stringify(exec.body));
    // Someone else calls the flow's webhook directly: a run Pandora did not start.
    await fetch(`${ap.url}/api/v1/webhooks/${webhookFlow.engine.flow_id}`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    for (const r of ap.runs.slice(1))
      ap.setRun(r.id, 'SUCCEEDED', { steps: { step_1: { status: 'SUCCEEDED' } } });
    await monitorWorkflowRuns(app.deps);
    const runs = await app.request('GET', `${base}/workflows/${webhookFlow.id}/runs`, { token: ws.key });
    assert.deepEqual(runs.body.data.map((r: any) => [r.trigger, r.status]).sort(), [
      ['event', 'FAILED'],
      ['manual', 'SUCCEEDED'],
      ['webhook', 'SUCCEEDED'],
    ]);
    const pass = await monitorWorkflowRuns(app.deps);
    assert.equal(pass.updated, 0, 'a second pass changes nothing');
  });

  it('times out a run the engine never finishes', async () => {
    const exec = await app.request('POST', `${base}/workflows/${webhookFlow.id}/execute`, {
      token: ws.key,
      body: {},
    });
    await app.db.query(
      `UPDATE workflow_runs SET created_at = now() - interval '11 minutes' WHERE id = $1::uuid`,
      [exec.body.id],
    );
    const pass = await monitorWorkflowRuns(app.deps);
    assert.equal(pass.timedOut, 1);
    const run = await app.request('GET', `${base}/workflows/${webhookFlow.id}/runs/${exec.body.id}`, {
      token: ws.key,
    });
    assert.equal(run.body.status, 'TIMEOUT');
    assert.match(run.body.error, /within 600 seconds/);
  });

  it('a Slack workflow needs the OAuth consent step before it activates; findings then start it', async () => {
    const slack = await app.request('PUT', `${base}/slack/settings`, {
      token: ws.key,
      body: { bot_token: 'xoxb-1234567890-abcdef', default_channel: 'C0123456789' },
    });
    assert.equal(slack.status, 200, JSON.stringify(slack.body));
    const made = await app.request(
      'POST',
      `${base}/workflow-templates/high-risk-deals-to-slack/instantiate`,
      { token: ws.key, body: { params: { channel: 'C0123456789' } } },
    );
    assert.equal(made.body.valid, true, JSON.stringify(made.body.issues));
    const refused = await app.request('POST', `${base}/workflows/${made.body.id}/activate`, {
      token: ws.key,
    });
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, /slack connects by OAuth: complete the consent step/);
    const status = await app.request('GET', `${base}/workflow-connectors/status`, { token: ws.key });
    assert.equal(
      status.body.data.find((c: any) => c.key === 'slack').engine_connection.status,
      'needs_consent',
    );

    const consent = await app.request('POST', `${base}/workflow-connectors/slack/consent`, {
      token: ws.key,
      body: {
        client_id: 'cid',
        client_secret: 'csecret',
        code: 'auth-code',
        redirect_url: 'https://pandora.example.com/oauth',
        scope: 'chat:write',
      },
    });
    assert.equal(consent.status, 200, JSON.stringify(consent.body));
    assert.equal(consent.body.status, 'active');
    assert.equal(ap.connections[0]!.externalId, 'pandora-slack');
    assert.equal((ap.connections[0]!.value as any).code, 'auth-code');
    assert.equal(JSON.stringify(consent.body).includes('csecret'), false);

    const active = await app.request('POST', `${base}/workflows/${made.body.id}/activate`, { token: ws.key });
    assert.equal(active.status, 200, JSON.stringify(active.body));
    const slackStep = (ap.flows.get(active.body.engine.flow_id)!.imports[0] as any).trigger.nextAction
      .children[0];
    assert.equal(slackStep.settings.input.auth, "{{connections['pandora-slack']}}");
    assert.equal(slackStep.settings.pieceVersion, '0.12.9');

    const before = ap.runs.length;
    const run = {
      id: randomUUID(),
      skill_id: 'pipeline-hygiene',
      status: 'succeeded',
      result: {
        findings: [
          {
            kind: 'deal_at_risk',
            severity: 'high',
            title: 'Acme renewal slipped twice',
            evidence: { deals: ['d1'] },
          },
          { kind: 'deal_at_risk', severity: 'low', title: 'Minor', evidence: {} },
        ],
      },
    } as unknown as SkillRun;
    assert.equal(
      await startWorkflowsForEvents(app.deps, ws.id, findingEvents(run)),
      1,
      'only the high finding matches',
    );
    assert.equal(
      await startWorkflowsForEvents(app.deps, ws.id, findingEvents(run)),
      0,
      'deduplicated per event',
    );
    assert.equal(ap.runs.length, before + 1);
    assert.equal((ap.runs.at(-1)!.body as any).title, 'Acme renewal slipped twice');
  });

  it('pauses (the engine disables the flow), refuses to run paused, and deletes the flow with the workflow', async () => {
    const paused = await app.request('POST', `${base}/workflows/${webhookFlow.id}/pause`, { token: ws.key });
    assert.equal(paused.body.status, 'paused');
    assert.equal(ap.flows.get(webhookFlow.engine.flow_id)!.status, 'DISABLED');
    const exec = await app.request('POST', `${base}/workflows/${webhookFlow.id}/execute`, {
      token: ws.key,
      body: {},
    });
    assert.equal(exec.status, 409);
    const other = await app.createWorkspace('Other');
    const hidden = await app.request('GET', `/api/workspaces/${other.id}/workflows/${webhookFlow.id}`, {
      token: other.key,
    });
    assert.equal(hidden.status, 404);
    assert.equal(
      (await app.request('DELETE', `${base}/workflows/${webhookFlow.id}`, { token: ws.key })).status,
      204,
    );
    assert.equal(ap.flows.has(webhookFlow.engine.flow_id), false);
  });

  it('an engine error on activation is recorded on the workflow and answered 502', async () => {
    const made = await app.request('POST', `${base}/workflows`, {
      token: ws.key,
      body: { name: 'Broken', tree: syncFailedTree },
    });
    ap.fault({ match: (r) => r.path.startsWith('/api/v1/pieces/'), status: 500, times: 20 });
    const res = await app.request('POST', `${base}/workflows/${made.body.id}/activate`, { token: ws.key });
    ap.clearFaults();
    assert.equal(res.status, 502);
    assert.equal(res.body.error.code, 'upstream_error');
    const row = await app.request('GET', `${base}/workflows/${made.body.id}`, { token: ws.key });
    assert.equal(row.body.status, 'error');
    assert.match(row.body.last_error, /ActivePieces failed \(500\)/);
  });
});
