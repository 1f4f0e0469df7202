/** Upload helper for the import tests: multipart through the real HTTP app, then waiting for the apply job. */
import type { TestApp } from '../../helpers/test-app.ts';

export async function upload(
  app: TestApp,
  ws: { id: string; key: string },
  name: string,
  content: string | Buffer,
  fields: Record<string, string> = {},
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([typeof content === 'string' ? content : new Uint8Array(content)]), name);
  const res = await fetch(`${app.url}/api/workspaces/${ws.id}/import/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ws.key}` },
    body: form,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Confirms and polls until the batch leaves 'confirmed' (the apply runs in the background). */
export async function confirmAndWait(
  app: TestApp,
  ws: { id: string; key: string },
  batchId: string,
  body: Record<string, unknown>,
) {
  const res = await app.request('POST', `/api/workspaces/${ws.id}/import/${batchId}/confirm`, {
    token: ws.key,
    body,
  });
  if (res.status !== 202) return res;
  for (let i = 0; i < 600; i++) {
    const got = await app.request('GET', `/api/workspaces/${ws.id}/import/batches/${batchId}`, {
      token: ws.key,
    });
    if (got.body.batch.status !== 'confirmed') return got;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`import batch ${batchId} did not finish`);
}
