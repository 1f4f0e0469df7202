/**
 * A fake Google Drive v3: files.list (parses the `'<id>' in parents` and `modifiedTime > '…'` parts of q),
 * nextPageToken paging, files.get, export and alt=media, about. Bearer token; 401 UNAUTHENTICATED otherwise.
 */
import { type Fault, type FakeServer, startFakeServer } from './fake-server.ts';

export interface DriveFakeFile {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  modifiedTime: string;
  owners?: Array<{ displayName: string; emailAddress: string }>;
  content?: string;
}

export interface DriveFakeData {
  token: string;
  files: DriveFakeFile[];
  pageSize: number;
}

export type DriveFake = FakeServer & { data: DriveFakeData };

const FOLDER = 'application/vnd.google-apps.folder';

/**
 * Drive's 403 answers, as documented (error.errors[].reason): the per-user and per-project rate limits,
 * which a client should retry with backoff, and a genuine permission refusal.
 */
export function driveForbidden(
  reason: 'userRateLimitExceeded' | 'rateLimitExceeded' | 'insufficientPermissions',
  times = 1,
): Fault {
  const message =
    reason === 'insufficientPermissions'
      ? 'Insufficient Permission: Request had insufficient authentication scopes.'
      : reason === 'userRateLimitExceeded'
        ? 'User Rate Limit Exceeded'
        : 'Rate Limit Exceeded';
  const domain = reason === 'insufficientPermissions' ? 'global' : 'usageLimits';
  return {
    status: 403,
    times,
    body: JSON.stringify({ error: { errors: [{ domain, reason, message }], code: 403, message } }),
  };
}

export async function startDriveFake(data: DriveFakeData): Promise<DriveFake> {
  const unauthenticated = {
    status: 401,
    json: {
      error: {
        code: 401,
        message: 'Request had invalid authentication credentials.',
        status: 'UNAUTHENTICATED',
      },
    },
  };
  const view = (f: DriveFakeFile) => {
    const { content: _content, ...rest } = f;
    return {
      ...rest,
      webViewLink: `https://docs.google.com/d/${f.id}/view`,
      createdTime: '2025-12-01T00:00:00.000Z',
    };
  };
  const fake = await startFakeServer((req) => {
    if (req.headers.authorization !== `Bearer ${data.token}`) return unauthenticated;
    if (req.path === '/drive/v3/about') return { json: { user: { emailAddress: 'admin@acme.com' } } };
    if (req.path === '/drive/v3/files') {
      const q = req.query.q ?? '';
      const parent = /'([^']+)' in parents/.exec(q)?.[1];
      const since = /modifiedTime > '([^']+)'/.exec(q)?.[1];
      const matching = data.files.filter(
        (f) =>
          (!parent || f.parents.includes(parent)) &&
          (!since || f.mimeType === FOLDER || Date.parse(f.modifiedTime) > Date.parse(since)),
      );
      const start = req.query.pageToken ? Number(req.query.pageToken) : 0;
      const size = Math.min(Number(req.query.pageSize ?? 100), data.pageSize);
      const next = start + size < matching.length ? String(start + size) : undefined;
      return {
        json: {
          kind: 'drive#fileList',
          files: matching.slice(start, start + size).map(view),
          ...(next ? { nextPageToken: next } : {}),
        },
      };
    }
    const m = /^\/drive\/v3\/files\/([^/]+)(\/export)?$/.exec(req.path);
    const file = m ? data.files.find((f) => f.id === decodeURIComponent(m[1]!)) : undefined;
    if (!file)
      return { status: 404, json: { error: { code: 404, message: 'File not found.', status: 'NOT_FOUND' } } };
    if (m![2])
      return {
        text: `${file.content ?? ''} (as ${req.query.mimeType})`,
        headers: { 'content-type': 'text/plain' },
      };
    if (req.query.alt === 'media')
      return { text: file.content ?? '', headers: { 'content-type': file.mimeType } };
    return { json: view(file) };
  });
  return Object.assign(fake, { data });
}
