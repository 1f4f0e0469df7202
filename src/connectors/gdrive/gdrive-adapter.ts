/**
 * The Google Drive connector: an OAuth access token; the folders to read are chosen at connect time
 * (metadata.selection.folders). A sync walks the selected folders and their subfolders breadth first,
 * listing files changed since the last run (modifiedTime), into documents with their folder path.
 * Content is exported only on demand; account links come from the gdrive-account-match post-sync step.
 */
import { z } from 'zod';
import { GoneError, ValidationError } from '../../errors.ts';
import type { ConnectorAdapter, NormalisedRecord } from '../adapter.ts';
import {
  classifyDriveError,
  DRIVE_ID,
  type DriveFile,
  FOLDER_MIME,
  fetchFileText,
  getFile,
  listFiles,
  listQuery,
} from './gdrive-api.ts';
import './gdrive-account-match.ts';

const credentialsSchema = z.object({ access_token: z.string().min(10).max(4000) }).strict();
type DriveCredentials = z.infer<typeof credentialsSchema>;

const selectionInput = z.object({ folder_ids: z.array(z.string().regex(DRIVE_ID)).min(1).max(100) }).strict();
const storedSelection = z.object({
  selection: z.object({
    folders: z.array(z.object({ id: z.string().regex(DRIVE_ID), name: z.string() })).min(1),
  }),
});

const scopeSchema = z.object({ id: z.string().regex(DRIVE_ID), path: z.string() });
type Scope = z.infer<typeof scopeSchema>;
const cursorSchema = z.object({
  /** Files modified after this are read; null on the first run. */
  since: z.string().nullable().default(null),
  /** Present while a run is in progress (with its remaining folders). */
  run_started: z.string().optional(),
  queue: z.array(scopeSchema).optional(),
  page_token: z.string().nullable().optional(),
  seen: z.array(z.string()).optional(),
});

// modifiedTime is stamped by Drive's servers; a few minutes of overlap covers writes racing the listing.
const OVERLAP_MS = 5 * 60 * 1000;

function normaliseFile(file: DriveFile, folderPath: string): NormalisedRecord {
  const owners = (file.owners ?? []).map((o) => ({
    name: o.displayName ?? null,
    email: o.emailAddress ? o.emailAddress.toLowerCase() : null,
  }));
  return {
    row: {
      source: 'gdrive',
      source_id: file.id,
      source_data: file,
      custom_fields: { parents: file.parents ?? [] },
      name: file.name ?? null,
      mime_type: file.mimeType ?? null,
      web_url: file.webViewLink ?? null,
      owner_email: owners[0]?.email ?? null,
      owners,
      folder_path: folderPath,
      modified_at: file.modifiedTime ?? null,
      source_created_at: file.createdTime ?? null,
      source_updated_at: file.modifiedTime ?? null,
    },
  };
}

export const gdriveAdapter: ConnectorAdapter<DriveCredentials> = {
  name: 'gdrive',
  credentialsSchema,
  http: {
    service: 'gdrive',
    defaultBaseUrl: () => 'https://www.googleapis.com',
    authHeaders: (c) => ({ authorization: `Bearer ${c.access_token}` }),
    // Drive allows 12,000 queries per minute per project; stay well below for one connection.
    rateLimit: { capacity: 10, refillPerSecond: 10 },
    classifyErrorResponse: classifyDriveError,
  },
  entities: () => ['documents'],

  async testConnection(ctx) {
    const about = await ctx.http.get<{ user?: { emailAddress?: string } }>('drive/v3/about', {
      fields: 'user(emailAddress)',
    });
    return { account: about?.user?.emailAddress };
  },

  readyToSync(metadata) {
    return storedSelection.safeParse(metadata).success
      ? null
      : 'gdrive needs the folders to read: reconnect with metadata.selection {"folder_ids": [...]}';
  },

  async validateSelection(ctx, selection) {
    const parsed = selectionInput.safeParse(selection);
    if (!parsed.success)
      throw new ValidationError('selection must be {"folder_ids": ["…", …]} with Drive folder ids');
    const folders: Array<{ id: string; name: string }> = [];
    for (const id of new Set(parsed.data.folder_ids)) {
      const file = await getFile(ctx.http, id);
      if (!file || file.mimeType !== FOLDER_MIME)
        throw new ValidationError(`not a folder we can read: ${id}`);
      folders.push({ id, name: file.name ?? id });
    }
    return { folders };
  },

  async *sync(ctx, request) {
    const sel = storedSelection.safeParse(ctx.metadata);
    if (!sel.success) return;
    const parsed = cursorSchema.safeParse(
      request.mode === 'initial' && !request.cursor.run_started ? {} : request.cursor,
    );
    const prev = parsed.success ? parsed.data : cursorSchema.parse({});
    const runStarted = prev.run_started ?? new Date().toISOString();
    const since = prev.since;
    const queue: Scope[] =
      prev.queue ?? sel.data.selection.folders.map((f) => ({ id: f.id, path: `/${f.name}` }));
    const seen = new Set(prev.seen ?? queue.map((s) => s.id));
    let pageToken = prev.page_token ?? null;
    let fetched = 0;
    while (queue.length > 0) {
      const scope = queue[0]!;
      const page = await listFiles(ctx.http, listQuery(scope.id, since), pageToken);
      const documents: NormalisedRecord[] = [];
      for (const file of page.files) {
        if (file.mimeType === FOLDER_MIME) {
          if (!seen.has(file.id) && DRIVE_ID.test(file.id)) {
            seen.add(file.id);
            queue.push({ id: file.id, path: `${scope.path}/${file.name ?? file.id}` });
          }
        } else if (file.mimeType !== 'application/vnd.google-apps.shortcut') {
          documents.push(normaliseFile(file, scope.path));
        }
      }
      pageToken = page.next;
      if (!pageToken) queue.shift();
      fetched += documents.length;
      yield {
        records: { documents },
        cursor: { since, run_started: runStarted, queue: [...queue], page_token: pageToken, seen: [...seen] },
        progress: { phase: 'files', folders_left: queue.length, fetched },
      };
    }
    yield {
      records: {},
      cursor: { since: new Date(Date.parse(runStarted) - OVERLAP_MS).toISOString() },
      progress: { phase: 'done', fetched },
    };
  },

  async fetchDocumentContent(ctx, sourceId) {
    const file = await getFile(ctx.http, sourceId);
    if (!file) throw new GoneError('gdrive no longer has this document');
    return fetchFileText(ctx.http, file);
  },
};
