/**
 * The world the documented-operations walk runs in: the real app with its job queue and sync workers,
 * one workspace seeded with a GTM world and a call with a transcript, and every external service it
 * reaches (HubSpot, Gong, Google Drive, Slack, the workflow engine) a loopback fake.
 */
import { runComputedFields } from '../../src/compute/compute-engine.ts';
import { registerEnrichmentWorker, settleEnrichmentRuns } from '../../src/enrichment/enrichment-runs.ts';
import { settleInsightRuns } from '../../src/insights/insight-runs.ts';
import { startFileImport } from '../../src/connectors/file-import/file-import-jobs.ts';
import { registerInsightWorker } from '../../src/insights/insight-runs.ts';
import { registerWebhookDeliveryWorker } from '../../src/outputs/webhooks/webhook-deliveries.ts';
import { registerSkillRunWorker, settleSkillRuns } from '../../src/skills/skill-dispatch.ts';
import { FAKE_AP_KEY, type FakeActivePieces, startFakeActivePieces } from '../fakes/fake-activepieces.ts';
import { type HubspotDataset, makeHubspotDataset, startFakeHubspot } from '../fakes/fake-hubspot.ts';
import type { FakeServer } from '../fakes/fake-server.ts';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.ts';
import { type DriveFake, startDriveFake } from '../fakes/gdrive-fake.ts';
import { type GongFake, makeGongData, startGongFake } from '../fakes/gong-fake.ts';
import { ADMIN_TOKEN, type ConnectorApp, startConnectorApp } from '../helpers/connector-app.ts';
import { learnIcpProfile } from '../helpers/icp-profile.ts';
import { seedGtmWorld } from '../helpers/seed-gtm.ts';
import { addCall, transcriptOf } from '../insights/insight-seed.ts';

export interface WalkWorld {
  app: ConnectorApp;
  adminToken: string;
  workspaceId: string;
  dealIds: string[];
  /** A closed deal (enrichment runs on closed deals only). */
  closedDealId: string;
  /** A call on the first deal, with a transcript. */
  callId: string;
  /** An account scored against the ICP profile learned at the start. */
  scoredAccountId: string;
  hubspot: FakeServer & { data: HubspotDataset };
  gong: GongFake;
  drive: DriveFake;
  slack: FakeSlack;
  engine: FakeActivePieces;
  /** Waits for every background job (syncs, skill runs, insight runs) to finish. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startWalkWorld(): Promise<WalkWorld> {
  const hubspot = await startFakeHubspot(makeHubspotDataset(4));
  const gong = await startGongFake(makeGongData(2));
  const drive = await startDriveFake({
    token: 'drive-token-123',
    pageSize: 50,
    files: [
      {
        id: 'fold-clients',
        name: 'Clients',
        mimeType: 'application/vnd.google-apps.folder',
        parents: ['root'],
        modifiedTime: '2026-01-01T00:00:00Z',
      },
      {
        id: 'doc-acme',
        name: 'Acme - plan',
        mimeType: 'application/vnd.google-apps.document',
        parents: ['fold-clients'],
        modifiedTime: '2026-01-02T00:00:00Z',
        content: 'Plan',
      },
    ],
  });
  const slack = await startFakeSlack();
  const engine = await startFakeActivePieces();
  const app = await startConnectorApp({
    PANDORA_HUBSPOT_RATE_LIMIT: '1000/1',
    PANDORA_SLACK_BASE_URL: slack.apiUrl,
    PANDORA_PRIVATE_UPSTREAMS: 'allow',
    PANDORA_ACTIVEPIECES_URL: engine.url,
    PANDORA_ACTIVEPIECES_API_KEY: FAKE_AP_KEY,
    PANDORA_ACTIVEPIECES_RETRY_BASE_MS: '5',
  });
  // The workers a server runs beside the sync workers; the cron ticks are left out so the queue settles.
  await registerSkillRunWorker(app.deps.queue, app.deps);
  await registerWebhookDeliveryWorker(app.deps.queue, app.deps);
  await registerInsightWorker(app.deps.queue, app.deps);
  await registerEnrichmentWorker(app.deps.queue, app.deps);
  const stopImport = await startFileImport(app.deps);
  const ws = app.workspaceId;
  const world = await seedGtmWorld(app.t.db, ws, { deals: 16, seed: 7 });
  const callId = await addCall(app.t.db, ws, {
    sourceId: 'walk-call',
    dealId: world.dealIds[0]!,
    startedAt: '2026-01-10T15:00:00Z',
    transcript: transcriptOf([
      ['b', 'We are also evaluating Clari for this.'],
      ['b', 'Our budget for this is 120k.'],
      ['b', 'Priya Raman, our CFO, will need to sign off on this.'],
      ['s', 'Next step: I will send over a pricing proposal by Friday.'],
    ]),
  });
  // Calls at an account on no deal, kept so by a manual link, for conversations-without-deals.
  await app.t.db.query(
    `UPDATE conversations SET deal_id = NULL, is_internal = false, account_id = $2::uuid, link_method = 'manual'
     WHERE workspace_id = $1::uuid AND id IN (
       SELECT id FROM conversations WHERE workspace_id = $1::uuid AND source_id <> 'walk-call' ORDER BY id LIMIT 3)`,
    [ws, world.accountIds[0]!],
  );
  await runComputedFields(app.t.db, ws, { asOf: '2026-03-01' });
  // An ICP profile, so the ICP routes have a profile and scores to answer with.
  await learnIcpProfile(app.t.db, ws);
  const closed = await app.t.db.query<{ id: string }>(
    `SELECT id FROM deals WHERE workspace_id = $1::uuid AND is_closed ORDER BY id LIMIT 1`,
    [ws],
  );
  const settle = async () => {
    await app.deps.queue.idle();
    await settleSkillRuns();
    await settleInsightRuns();
    await settleEnrichmentRuns();
    await app.deps.queue.idle();
  };
  return {
    app,
    adminToken: ADMIN_TOKEN,
    workspaceId: ws,
    dealIds: world.dealIds,
    closedDealId: closed.rows[0]!.id,
    callId,
    scoredAccountId: world.accountIds[0]!,
    hubspot,
    gong,
    drive,
    slack,
    engine,
    settle,
    async close() {
      await settle();
      stopImport();
      await app.close();
      await Promise.all([hubspot.close(), gong.close(), drive.close(), slack.close(), engine.close()]);
    },
  };
}
