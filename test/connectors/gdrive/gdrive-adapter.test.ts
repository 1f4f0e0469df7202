import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { linkDocumentsToAccounts } from '../../../src/connectors/gdrive/gdrive-account-match.ts';
import { gdriveAdapter } from '../../../src/connectors/gdrive/gdrive-adapter.ts';
import { UpstreamAuthError } from '../../../src/connectors/http-client.ts';
import { withWorkspace } from '../../../src/db/tenant-scope.ts';
import { GoneError, UpstreamError, ValidationError } from '../../../src/errors.ts';
import { postSyncSteps } from '../../../src/sync/post-sync-steps.ts';
import { type DriveFake, driveForbidden, startDriveFake } from '../../fakes/gdrive-fake.ts';
import { adapterContext, collectSync } from '../../helpers/adapter-context.ts';
import { createTestDb, type TestDb } from '../../helpers/test-db.ts';
import { createWorkspace, writePages } from '../../helpers/write-pages.ts';

const DOC = 'application/vnd.google-apps.document';
const FOLDER = 'application/vnd.google-apps.folder';
const owner = [{ displayName: 'Rep One', emailAddress: 'Rep1@Acme.com' }];

describe('Google Drive adapter', () => {
  let drive: DriveFake;
  let t: TestDb;
  let ws: string;
  const ctx = (metadata: Record<string, unknown> = {}, token = drive.data.token) =>
    adapterContext(gdriveAdapter, { baseUrl: drive.url, credentials: { access_token: token }, metadata });
  const selected = { selection: { folders: [{ id: 'fold-clients', name: 'Clients' }] } };

  before(async () => {
    drive = await startDriveFake({
      token: 'drive-token-123',
      pageSize: 2,
      files: [
        {
          id: 'fold-clients',
          name: 'Clients',
          mimeType: FOLDER,
          parents: ['root'],
          modifiedTime: '2026-01-01T00:00:00Z',
        },
        {
          id: 'fold-acme',
          name: 'Acme Corp',
          mimeType: FOLDER,
          parents: ['fold-clients'],
          modifiedTime: '2026-01-01T00:00:00Z',
        },
        {
          id: 'doc-plan',
          name: 'Mutual action plan',
          mimeType: DOC,
          parents: ['fold-acme'],
          modifiedTime: '2026-01-05T00:00:00Z',
          owners: owner,
          content: 'Step 1',
        },
        {
          id: 'doc-globex',
          name: 'globex.com - QBR notes.txt',
          mimeType: 'text/plain',
          parents: ['fold-clients'],
          modifiedTime: '2026-01-06T00:00:00Z',
          content: 'QBR',
        },
        {
          id: 'doc-initech',
          name: 'Initech - Proposal',
          mimeType: DOC,
          parents: ['fold-clients'],
          modifiedTime: '2026-01-07T00:00:00Z',
        },
        {
          id: 'doc-misc',
          name: 'Team offsite',
          mimeType: 'application/pdf',
          parents: ['fold-clients'],
          modifiedTime: '2026-01-08T00:00:00Z',
        },
        {
          id: 'doc-hr',
          name: 'Salaries',
          mimeType: DOC,
          parents: ['fold-hr'],
          modifiedTime: '2026-01-08T00:00:00Z',
        },
      ],
    });
    t = await createTestDb();
    ws = await createWorkspace(t.db);
  });
  after(async () => {
    await drive.close();
    await t.close();
  });
  beforeEach(() => {
    drive.requests.length = 0;
  });

  test('folder selection is validated and required', async () => {
    assert.deepEqual(
      await gdriveAdapter.validateSelection!(ctx(), { folder_ids: ['fold-clients'] }),
      selected.selection,
    );
    await assert.rejects(
      gdriveAdapter.validateSelection!(ctx(), { folder_ids: ['doc-plan'] }),
      ValidationError,
    );
    await assert.rejects(
      gdriveAdapter.validateSelection!(ctx(), { folder_ids: ["x' or '1'='1"] }),
      ValidationError,
    );
    assert.match(gdriveAdapter.readyToSync!({}) ?? '', /folder_ids/);
    assert.equal(gdriveAdapter.readyToSync!(selected), null);
  });

  test('walks selected folders and subfolders with nextPageToken paging; nothing outside is listed', async () => {
    const pages = await collectSync(gdriveAdapter, ctx(selected), { mode: 'initial', cursor: {} });
    const rows = pages.flatMap((p) => p.records?.documents ?? []).map((r) => r.row);
    assert.deepEqual(rows.map((r) => r.source_id).sort(), [
      'doc-globex',
      'doc-initech',
      'doc-misc',
      'doc-plan',
    ]);
    assert.ok(
      drive.requests.some((r) => r.query.pageToken === '2'),
      'second page requested by token',
    );
    assert.ok(drive.requests.every((r) => !(r.query.q ?? '').includes('fold-hr')));
    const plan = rows.find((r) => r.source_id === 'doc-plan')!;
    assert.equal(plan.folder_path, '/Clients/Acme Corp');
    assert.equal(plan.owner_email, 'rep1@acme.com');
    assert.equal(plan.web_url, 'https://docs.google.com/d/doc-plan/view');
    assert.equal(plan.modified_at, '2026-01-05T00:00:00Z');

    await writePages(t.db, ws, pages);
    // Incremental: only files changed after the last run's start are listed (folders still walked).
    drive.requests.length = 0;
    const again = await collectSync(gdriveAdapter, ctx(selected), {
      mode: 'incremental',
      cursor: pages.at(-1)!.cursor,
    });
    assert.equal(again.flatMap((p) => p.records?.documents ?? []).length, 0);
    assert.ok(drive.requests.every((r) => /modifiedTime > '/.test(r.query.q ?? '')));
  });

  test('documents naming an account get account_id by exact name or domain; ambiguous ones stay unlinked', async () => {
    await t.db.query(
      `INSERT INTO accounts (workspace_id, source, source_id, name, domain) VALUES
         ($1, 'hubspot', 'a1', 'Acme Corp', 'acme.com'),
         ($1, 'hubspot', 'a2', 'Globex', 'https://www.globex.com'),
         ($1, 'hubspot', 'a3', 'Initech', 'initech.com'),
         ($1, 'salesforce', 'a4', 'Initech', 'initech.io')`,
      [ws],
    );
    assert.ok(postSyncSteps(['documents']).some((s) => s.name === 'gdrive-account-match'));
    const linked = await withWorkspace(t.db, ws, (tx) => linkDocumentsToAccounts(tx, ws));
    assert.equal(linked, 2);
    const { rows } = await t.db.query<{ source_id: string; account: string | null }>(
      `SELECT d.source_id, a.source_id AS account FROM documents d LEFT JOIN accounts a
         ON a.workspace_id = d.workspace_id AND a.id = d.account_id
       WHERE d.workspace_id = $1 ORDER BY d.source_id`,
      [ws],
    );
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.source_id, r.account])), {
      'doc-globex': 'a2',
      'doc-initech': null,
      'doc-misc': null,
      'doc-plan': 'a1',
    });
    assert.equal(await withWorkspace(t.db, ws, (tx) => linkDocumentsToAccounts(tx, ws)), 0, 'idempotent');
  });

  test('content on demand: Docs exported as text, text files downloaded, binaries null, missing files gone', async () => {
    assert.deepEqual(await gdriveAdapter.fetchDocumentContent!(ctx(), 'doc-plan'), {
      mimeType: 'text/plain',
      text: 'Step 1 (as text/plain)',
    });
    assert.deepEqual(await gdriveAdapter.fetchDocumentContent!(ctx(), 'doc-globex'), {
      mimeType: 'text/plain',
      text: 'QBR',
    });
    assert.equal(await gdriveAdapter.fetchDocumentContent!(ctx(), 'doc-misc'), null);
    await assert.rejects(gdriveAdapter.fetchDocumentContent!(ctx(), 'doc-deleted'), GoneError);
  });

  test('an expired token is an auth error; 429 is retried; a malformed listing is an UpstreamError', async () => {
    await assert.rejects(collectSync(gdriveAdapter, ctx(selected, 'expired-token-1')), UpstreamAuthError);
    await assert.rejects(gdriveAdapter.testConnection(ctx({}, 'expired-token-1')), UpstreamAuthError);
    drive.fault({ status: 429, headers: { 'retry-after': '0' } });
    const pages = await collectSync(gdriveAdapter, ctx(selected), { mode: 'initial', cursor: {} });
    assert.equal(pages.flatMap((p) => p.records?.documents ?? []).length, 4);
    drive.fault({ status: 200, body: '{"files": [{"name": "no id"}]}' });
    await assert.rejects(
      collectSync(gdriveAdapter, ctx(selected), { mode: 'initial', cursor: {} }),
      UpstreamError,
    );
  });

  test('a 403 rate limit is retried with backoff, not taken for rejected credentials', async () => {
    const listing = (r: { path: string }) => r.path === '/drive/v3/files';
    drive.fault({ ...driveForbidden('userRateLimitExceeded'), match: listing });
    drive.fault({ ...driveForbidden('rateLimitExceeded'), match: listing });
    const before = drive.requests.length;
    const pages = await collectSync(gdriveAdapter, ctx(selected), { mode: 'initial', cursor: {} });
    assert.equal(pages.flatMap((p) => p.records?.documents ?? []).length, 4);
    // Each refused listing was asked again with the same query.
    const listings = drive.requests.slice(before).filter(listing);
    assert.equal(listings.length - new Set(listings.map((r) => JSON.stringify(r.query))).size, 2);

    // A rate limit that outlasts the retries fails as an upstream error, leaving the credentials alone.
    drive.fault(driveForbidden('userRateLimitExceeded', 10));
    const err = await collectSync(gdriveAdapter, ctx(selected), { mode: 'initial', cursor: {} }).then(
      () => assert.fail('expected the sync to fail'),
      (e: unknown) => e,
    );
    drive.clearFaults();
    assert.ok(err instanceof UpstreamError && !(err instanceof UpstreamAuthError), String(err));
    assert.equal(err.status, 403);

    // Any other 403 is still about access.
    drive.fault(driveForbidden('insufficientPermissions'));
    await assert.rejects(collectSync(gdriveAdapter, ctx(selected)), UpstreamAuthError);
  });
});
