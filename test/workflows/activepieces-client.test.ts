import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UpstreamError } from '../../src/errors.ts';
import {
  ActivePiecesError,
  apiBase,
  createActivePiecesClient,
} from '../../src/workflows/activepieces-client.ts';
import { FAKE_AP_KEY, type FakeActivePieces, startFakeActivePieces } from '../fakes/fake-activepieces.ts';

describe('ActivePieces client against the fake engine', () => {
  let ap: FakeActivePieces;
  const outbound = { allowedHosts: [], privateAddresses: 'deny' as const };
  const client = () =>
    createActivePiecesClient({
      baseUrl: ap.url,
      apiKey: FAKE_AP_KEY,
      timeoutMs: 5000,
      retryBaseMs: 5,
      maxRetries: 3,
      config: { outbound },
    });

  before(async () => {
    ap = await startFakeActivePieces();
  });
  after(() => ap.close());

  it('adds /api/v1 to a bare host and keeps an explicit /v1 base', () => {
    assert.equal(apiBase('https://ap.example.com/'), 'https://ap.example.com/api/v1');
    assert.equal(apiBase('https://cloud.activepieces.com/api/v1'), 'https://cloud.activepieces.com/api/v1');
  });

  it('creates one project per external id, and reads it back when a concurrent create won', async () => {
    const c = client();
    const first = await c.ensureProject('ws-1', 'Pandora ws-1');
    const again = await c.ensureProject('ws-1', 'Pandora ws-1');
    assert.equal(again.id, first.id);
    assert.equal(ap.projects.length, 1);
    // The look-up misses (another worker is between look-up and create), the create answers 409.
    ap.fault({
      match: (r) => r.method === 'GET' && r.path.endsWith('/projects'),
      status: 200,
      body: '{"data":[],"next":null,"previous":null}',
    });
    const raced = await c.ensureProject('ws-1', 'Pandora ws-1');
    assert.equal(raced.id, first.id);
  });

  it('walks every page of flow runs through the cursor', async () => {
    const c = client();
    const project = await c.ensureProject('ws-pages', 'Pandora pages');
    const flow = await c.createFlow(project.id, 'Paged', 'pandora-paged');
    await c.flowOperation(flow.id, 'LOCK_AND_PUBLISH', { status: 'ENABLED' });
    for (let i = 0; i < 5; i++) await c.triggerWebhook(flow.id, { n: i });
    const runs = await c.listFlowRuns(project.id, flow.id, '2000-01-01T00:00:00.000Z');
    assert.equal(runs.length, 5);
    assert.equal(new Set(runs.map((r) => r.id)).size, 5);
    const pageRequests = ap.requests.filter((r) => r.path === '/api/v1/flow-runs');
    assert.equal(pageRequests.length, 3, 'five runs at two per page');
  });

  it('waits out a 429 with Retry-After and retries a 5xx', async () => {
    const c = client();
    const before = ap.requests.length;
    ap.fault({
      match: (r) => r.path.startsWith('/api/v1/pieces/'),
      status: 429,
      headers: { 'retry-after': '1' },
      body: '{"code":"SANDBOX_CAPACITY_EXCEEDED"}',
    });
    ap.fault({ match: (r) => r.path.startsWith('/api/v1/pieces/'), status: 503, body: 'upstream down' });
    assert.equal(await c.pieceVersion('@activepieces/piece-slack'), '0.12.9');
    assert.equal(ap.requests.length - before, 3);
  });

  it('gives up after the retries with the status, and never retries a refused key', async () => {
    const c = client();
    ap.fault({ match: (r) => r.path.startsWith('/api/v1/pieces/'), status: 500, times: 10 });
    await assert.rejects(
      c.pieceVersion('@activepieces/piece-http'),
      (e: unknown) => e instanceof UpstreamError && e.status === 500,
    );
    ap.clearFaults();
    ap.expireKey(true);
    const before = ap.requests.length;
    await assert.rejects(
      c.findProject('ws-1'),
      (e: unknown) =>
        e instanceof ActivePiecesError && e.status === 401 && e.apCode === 'INVALID_BEARER_TOKEN',
    );
    assert.equal(ap.requests.length - before, 1);
    ap.expireKey(false);
  });

  it('reports a body that is not JSON, or a list without data, as an upstream error', async () => {
    const c = client();
    ap.fault({ match: (r) => r.path.endsWith('/projects'), status: 200, body: '<html>proxy error</html>' });
    await assert.rejects(c.findProject('ws-1'), /not JSON/);
    ap.fault({ match: (r) => r.path.endsWith('/projects'), status: 200, body: '{"items":[]}' });
    await assert.rejects(c.findProject('ws-1'), /without a data array/);
  });

  it('maps the engine error codes: validation refusals and an unknown flow on its webhook', async () => {
    const c = client();
    const project = await c.ensureProject('ws-err', 'Pandora err');
    const flow = await c.createFlow(project.id, 'Bad', 'pandora-bad');
    await assert.rejects(
      c.flowOperation(flow.id, 'CHANGE_STATUS', { status: 'ENABLED' }),
      (e: unknown) => e instanceof ActivePiecesError && e.status === 409 && e.apCode === 'VALIDATION',
    );
    await assert.rejects(
      c.triggerWebhook(flow.id, {}),
      (e: unknown) => e instanceof ActivePiecesError && e.status === 404 && e.apCode === 'FLOW_NOT_RUNNABLE',
    );
    await assert.rejects(
      c.triggerWebhook('nosuchflow', {}),
      (e: unknown) => e instanceof ActivePiecesError && e.status === 410,
    );
    // A duplicate flow external id resolves to the existing flow.
    const same = await c.createFlow(project.id, 'Bad', 'pandora-bad');
    assert.equal(same.id, flow.id);
  });
});
