import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runComputedFields } from '../../src/compute/compute-engine.ts';
import { ENTITY_LISTINGS } from '../../src/entities/entity-listings.ts';
import { AS_OF, type Fixture, seedFixture } from '../helpers/intelligence-fixture.ts';
import { schemaErrors } from '../helpers/json-schema-check.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

describe('documented response schemas match real responses', () => {
  let app: TestApp;
  let f: Fixture;
  let doc: any;

  before(async () => {
    app = await startTestApp();
    f = await seedFixture(app.db);
    await runComputedFields(app.db, f.workspaceId, { asOf: AS_OF });
    doc = (await app.request('GET', '/api/openapi.json', { token: '' })).body;
  });
  after(() => app.close());

  async function check(path: string, concrete: string, status = 200) {
    const op = doc.paths[path]?.get;
    assert.ok(op, `GET ${path} is documented`);
    const schema = op.responses[String(status)]?.content?.['application/json']?.schema;
    assert.ok(schema, `GET ${path} documents a ${status} schema`);
    const res = await app.request('GET', concrete);
    assert.equal(res.status, status, `${concrete}: ${JSON.stringify(res.body).slice(0, 300)}`);
    assert.deepEqual(schemaErrors(schema, res.body, '$', doc), [], concrete);
    return res.body;
  }

  test('the checker rejects what does not match', () => {
    const schema = {
      type: 'object',
      required: ['id'],
      additionalProperties: false,
      properties: { id: { type: 'string', format: 'uuid' }, n: { type: ['integer', 'null'] } },
    };
    assert.deepEqual(schemaErrors(schema, { id: '0b8e6a4e-1111-4222-8333-444455556666', n: null }), []);
    assert.equal(schemaErrors(schema, { id: 'x', n: 1.5, extra: 1 }).length, 3);
    assert.deepEqual(schemaErrors(schema, {}), ['$.id: required']);
    const root = { components: { schemas: { Id: { type: 'string', format: 'uuid' } } } };
    const refs = {
      type: 'object',
      properties: {
        id: { $ref: '#/components/schemas/Id' },
        n: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
      },
      additionalProperties: { type: 'boolean' },
    };
    assert.deepEqual(
      schemaErrors(refs, { id: '0b8e6a4e-1111-4222-8333-444455556666', n: null, ok: true }, '$', root),
      [],
    );
    assert.deepEqual(schemaErrors(refs, { id: 'x', n: 'y', ok: 1 }, '$', root), [
      '$.id: "x" is not a uuid',
      '$.n: expected integer, got string',
      '$.ok: expected boolean, got integer',
    ]);
  });

  test('every entity list and detail, with scores and the deal detail reasons', async () => {
    const ws = `/api/workspaces/${f.workspaceId}`;
    for (const segment of Object.keys(ENTITY_LISTINGS)) {
      const page = await check(
        `/api/workspaces/{workspaceId}/${segment}`,
        `${ws}/${segment}?include_total=true`,
      );
      const first = page.data[0];
      if (first)
        await check(`/api/workspaces/{workspaceId}/${segment}/{entityId}`, `${ws}/${segment}/${first.id}`);
    }
    const deal = await check(
      '/api/workspaces/{workspaceId}/deals/{entityId}',
      `${ws}/deals/${f.ids['deal:risky']}`,
    );
    assert.ok(deal.reasons.deal_risk.length > 0);
    await check('/api/workspaces/{workspaceId}/pipeline/summary', `${ws}/pipeline/summary`);
    await check('/', '/');
    await check('/healthz', '/healthz');
  });
});
