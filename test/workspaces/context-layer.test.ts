import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getContextLayer, putContextSections } from '../../src/workspaces/context-layer.ts';
import { createTestDb } from '../helpers/test-db.ts';

describe('context layer without its row', () => {
  test('reads as empty sections and is created on the first write; an unknown workspace is 404', async () => {
    const t = await createTestDb();
    try {
      const { rows } = await t.db.query<{ id: string }>(
        "INSERT INTO workspaces (name) VALUES ('bare') RETURNING id",
      );
      const ws = rows[0]!.id;
      const layer = await getContextLayer(t.db, ws);
      assert.deepEqual(layer.definitions, {});
      assert.equal(layer.version, 0);
      const written = await putContextSections(t.db, ws, { definitions: { internal_domains: ['acme.com'] } });
      assert.deepEqual(written.definitions, { internal_domains: ['acme.com'] });
      await assert.rejects(
        getContextLayer(t.db, '00000000-0000-0000-0000-000000000000'),
        /workspace not found/,
      );
    } finally {
      await t.close();
    }
  });
});
