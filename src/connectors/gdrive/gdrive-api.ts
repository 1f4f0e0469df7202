/**
 * Google Drive v3: files.list with a `q` filter and nextPageToken paging, folder lookups for the
 * selection, content export (Google Docs editors files) or download (plain text files) on demand, and
 * the reading of Drive's error responses (its rate limits arrive as 403).
 */
import { z } from 'zod';
import { UpstreamError } from '../../errors.ts';
import type { ErrorVerdict, HttpClient } from '../http-client.ts';
import { parseUpstream } from '../upstream-payload.ts';

export const FOLDER_MIME = 'application/vnd.google-apps.folder';
export const DRIVE_PAGE_SIZE = 100;
// Drive ids are URL-safe base64-ish; anything else never reaches a `q` string.
export const DRIVE_ID = /^[A-Za-z0-9_-]{5,200}$/;

const FILE_FIELDS =
  'id,name,mimeType,owners(displayName,emailAddress),webViewLink,modifiedTime,createdTime,parents';

const fileSchema = z
  .object({
    id: z.string(),
    name: z.string().nullish(),
    mimeType: z.string().nullish(),
    owners: z
      .array(z.object({ displayName: z.string().nullish(), emailAddress: z.string().nullish() }).loose())
      .nullish(),
    webViewLink: z.string().nullish(),
    modifiedTime: z.string().nullish(),
    createdTime: z.string().nullish(),
    parents: z.array(z.string()).nullish(),
  })
  .loose();
export type DriveFile = z.infer<typeof fileSchema>;
const listSchema = z
  .object({ nextPageToken: z.string().nullish(), files: z.array(fileSchema).default([]) })
  .loose();

// Drive reports "slow down" as 403 with one of these reasons in error.errors[]; other 403s
// (insufficientPermissions, a revoked grant) really are about access.
const RATE_LIMIT_REASONS = new Set(['userRateLimitExceeded', 'rateLimitExceeded']);
const errorBodySchema = z.object({
  error: z.object({ errors: z.array(z.object({ reason: z.string().nullish() }).loose()).nullish() }).loose(),
});

/** A 403 whose reason is a rate limit is retried with backoff; everything else keeps the default. */
export function classifyDriveError(status: number, body: string): ErrorVerdict | undefined {
  if (status !== 403) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = errorBodySchema.safeParse(json);
  if (!parsed.success) return undefined;
  const reasons = parsed.data.error.errors ?? [];
  return reasons.some((e) => e.reason && RATE_LIMIT_REASONS.has(e.reason)) ? 'retryable' : undefined;
}

/** A Drive query literal: single quotes and backslashes escaped as the q grammar requires. */
function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Children of a folder: subfolders always (to walk them), other files only when changed since `since`. */
export function listQuery(folderId: string, since: string | null): string {
  const base = `${literal(folderId)} in parents and trashed = false`;
  if (!since) return base;
  return `${base} and (mimeType = ${literal(FOLDER_MIME)} or modifiedTime > ${literal(since)})`;
}

export async function listFiles(
  http: HttpClient,
  q: string,
  pageToken: string | null,
): Promise<{ files: DriveFile[]; next: string | null }> {
  const raw = await http.get('drive/v3/files', {
    q,
    fields: `nextPageToken,files(${FILE_FIELDS})`,
    pageSize: DRIVE_PAGE_SIZE,
    pageToken: pageToken ?? undefined,
    supportsAllDrives: true,
    includeItemsFromAllDrives: true,
  });
  const page = parseUpstream('gdrive', 'files', listSchema, raw);
  return { files: page.files, next: page.nextPageToken ?? null };
}

/** null when Drive says the file does not exist (or is no longer shared with us). */
export async function getFile(http: HttpClient, id: string): Promise<DriveFile | null> {
  try {
    const raw = await http.get(`drive/v3/files/${encodeURIComponent(id)}`, {
      fields: FILE_FIELDS,
      supportsAllDrives: true,
    });
    return parseUpstream('gdrive', 'file', fileSchema, raw);
  } catch (err) {
    if (err instanceof UpstreamError && err.status === 404) return null;
    throw err;
  }
}

const EXPORT_AS: Record<string, string> = {
  'application/vnd.google-apps.document': 'text/plain',
  'application/vnd.google-apps.presentation': 'text/plain',
  'application/vnd.google-apps.spreadsheet': 'text/csv',
};

const DOWNLOADABLE = /^(text\/|application\/(json|csv|xml|x-yaml))/;

/** Text of a file: exported for Google Docs editors files, downloaded for text files; null otherwise. */
export async function fetchFileText(
  http: HttpClient,
  file: DriveFile,
): Promise<{ mimeType: string; text: string } | null> {
  const mime = file.mimeType ?? '';
  const path = `drive/v3/files/${encodeURIComponent(file.id)}`;
  const exportAs = EXPORT_AS[mime];
  if (exportAs) {
    const text = await http.request<string>('GET', `${path}/export`, {
      query: { mimeType: exportAs },
      responseType: 'text',
    });
    return { mimeType: exportAs, text };
  }
  if (DOWNLOADABLE.test(mime)) {
    const text = await http.request<string>('GET', path, { query: { alt: 'media' }, responseType: 'text' });
    return { mimeType: mime, text };
  }
  return null;
}
