import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { relinkAll } from '../../../src/connectors/file-import/association-inference.ts';
import { withWorkspace } from '../../../src/db/tenant-scope.ts';
import { createWorkspace } from '../../../src/workspaces/workspaces.ts';
import { createTestDb, type TestDb } from '../../helpers/test-db.ts';

// Deals and contacts stored before their accounts, as a deals file imported before the accounts file leaves
// them: what each names, and the account (by source id) it must end up with.
const DEALS: [string, Record<string, string>, string | null][] = [
  ['d1', { account_domain: 'acme.com' }, 'a-acme'],
  ['d2', { account_name: 'ACME INC', account_key: 'acme' }, 'a-acme'],
  ['d3', { account_name: 'Globex GmbH' }, 'a-globex'], // no key: computed from the name
  ['d4', { account_name: 'Nobody Ltd', account_key: 'nobody' }, null],
  ['d5', { account_domain: 'initech.io' }, 'a-initech'],
  ['d6', { account_name: 'Initech, LLC', account_key: 'initech' }, 'a-initech'],
  ['d7', {}, null],
];
const CONTACTS: [string, string, Record<string, string>, string | null][] = [
  ['c1', 'ada@acme.com', {}, 'a-acme'],
  ['c2', 'alan@gmail.com', { account_name: 'Globex', account_key: 'globex' }, 'a-globex'],
  ['c3', 'grace@gmail.com', {}, null], // a free-mail domain says nothing
  ['c4', 'linus@initech.io', {}, 'a-initech'],
  ['c5', 'ken@unknown.example', {}, null],
];

describe('linking stored deals and contacts to accounts, a range of ids at a time', () => {
  let t: TestDb;
  before(async () => {
    t = await createTestDb();
  });
  after(() => t.close());

  async function world(name: string): Promise<string> {
    const ws = (await t.db.transaction((tx) => createWorkspace(tx, { name }))).id;
    await withWorkspace(t.db, ws, async (tx) => {
      const accounts: [string, string, string | null][] = [
        ['a-acme', 'Acme, Inc.', 'acme.com'],
        ['a-globex', 'Globex GmbH', null],
        ['a-initech', 'Initech LLC', 'www.initech.io'],
      ];
      for (const [id, n, domain] of accounts)
        await tx.query(
          `INSERT INTO accounts (workspace_id, source, source_id, name, domain) VALUES ($1::uuid, 'csv_import', $2, $3, $4)`,
          [ws, id, n, domain],
        );
      for (const [id, refs] of DEALS)
        await tx.query(
          `INSERT INTO deals (workspace_id, source, source_id, name, source_data) VALUES ($1::uuid, 'csv_import', $2, $2, $3)`,
          [ws, id, { refs }],
        );
      for (const [id, email, refs] of CONTACTS)
        await tx.query(
          `INSERT INTO contacts (workspace_id, source, source_id, email, source_data) VALUES ($1::uuid, 'csv_import', $2, $3, $4)`,
          [ws, id, email, { refs }],
        );
    });
    return ws;
  }

  const links = async (ws: string, table: 'deals' | 'contacts') =>
    Object.fromEntries(
      (
        await t.db.query<{ id: string; account: string | null }>(
          `SELECT r.source_id AS id, a.source_id AS account FROM ${table} r
             LEFT JOIN accounts a ON a.id = r.account_id WHERE r.workspace_id = $1::uuid`,
          [ws],
        )
      ).rows.map((r) => [r.id, r.account]),
    );

  test('ranges of two rows link exactly what one statement does, and a second pass links nothing', async () => {
    const expected = {
      deals: Object.fromEntries(DEALS.map(([id, , account]) => [id, account])),
      contacts: Object.fromEntries(CONTACTS.map(([id, , , account]) => [id, account])),
    };
    for (const chunkRows of [null, 2]) {
      const ws = await world(`chunks of ${chunkRows}`);
      const counts = await withWorkspace(t.db, ws, (tx) => relinkAll(tx, ws, null, chunkRows));
      assert.equal(counts.deals_linked_to_accounts, 5, `chunks of ${chunkRows}`);
      assert.equal(counts.contacts_linked_to_accounts, 3, `chunks of ${chunkRows}`);
      assert.deepEqual(await links(ws, 'deals'), expected.deals, `chunks of ${chunkRows}`);
      assert.deepEqual(await links(ws, 'contacts'), expected.contacts, `chunks of ${chunkRows}`);
      const again = await withWorkspace(t.db, ws, (tx) => relinkAll(tx, ws, null, chunkRows));
      assert.equal(again.deals_linked_to_accounts + again.contacts_linked_to_accounts, 0);
    }
  });
});
