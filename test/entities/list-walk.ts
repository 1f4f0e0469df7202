/** Walks every keyset page of an entity list (a test helper shared by the entity query tests). */
import assert from 'node:assert/strict';
import type { Db } from '../../src/db/db.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { type ApiRecord, type EntityListing, listEntity } from '../../src/entities/entity-listing.ts';

export async function walkAll(
  db: Db,
  workspaceId: string,
  listing: EntityListing,
  query: Record<string, string>,
  between?: (pageNo: number) => Promise<void>,
): Promise<ApiRecord[]> {
  const out: ApiRecord[] = [];
  let cursor: string | null = null;
  for (let pageNo = 0; pageNo < 10_000; pageNo++) {
    const q: Record<string, string> = cursor ? { ...query, cursor } : { ...query };
    const page = (
      await withWorkspace(db, workspaceId, (tx) => listEntity(tx, workspaceId, listing, q))
    ).parse();
    out.push(...page.data);
    if (!page.next_cursor) return out;
    assert.ok(page.data.length > 0, 'a page with a next cursor must not be empty');
    cursor = page.next_cursor;
    if (between) await between(pageNo);
  }
  throw new Error('too many pages');
}
