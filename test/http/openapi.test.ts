import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createApp } from '../../src/http/app.ts';
import { ENTITY_LISTINGS } from '../../src/entities/entity-listings.ts';
import { entityComponentName } from '../../src/http/openapi/entity-route-docs.ts';
import {
  buildOpenApiDocument,
  type JsonSchema,
  openApiPath,
  type RouteDoc,
} from '../../src/http/openapi/openapi-document.ts';
import { arr, int, named, nullable, obj, ok, str } from '../../src/http/openapi/schema-builders.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

interface Layer {
  rawPath?: string | string[];
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** Every (method, path) the Express app serves, found by walking the router stack. */
function mountedRoutes(stack: Layer[], prefix = ''): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all')
          out.push(`${method} ${prefix}${layer.route.path === '/' && prefix ? '' : layer.route.path}`);
      }
    } else if (layer.handle.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      out.push(...mountedRoutes(layer.handle.stack, prefix + mount));
    }
  }
  return out;
}

describe('named schemas', () => {
  const docOf = (...schemas: JsonSchema[]) =>
    buildOpenApiDocument(
      schemas.map(
        (schema, i): RouteDoc => ({
          method: 'get',
          path: `/op${i}`,
          tag: 't',
          summary: 's',
          auth: 'none',
          response: ok(schema),
        }),
      ),
    ) as any;

  test('become one closed component each, referenced wherever they are used', () => {
    const item = named(
      'Item',
      obj({ id: str, parts: arr(named('Part', { type: 'object', properties: { n: int } })) }),
    );
    const doc = docOf(obj({ data: arr(item) }), item, nullable(item));
    assert.deepEqual(Object.keys(doc.components.schemas), ['Error', 'Item', 'Part']);
    assert.equal(doc.components.schemas.Part.additionalProperties, false);
    assert.deepEqual(doc.paths['/op1'].get.responses['200'].content['application/json'].schema, {
      $ref: '#/components/schemas/Item',
    });
    assert.deepEqual(doc.paths['/op2'].get.responses['200'].content['application/json'].schema, {
      anyOf: [{ $ref: '#/components/schemas/Item' }, { type: 'null' }],
    });
    // The same shape built twice (route docs build schemas per call) is one component.
    assert.doesNotThrow(() => docOf(named('Same', obj({ a: str })), named('Same', obj({ a: str }))));
  });

  test('refuse a name given to two different schemas, and a name that is not PascalCase', () => {
    assert.throws(
      () => docOf(named('Thing', obj({ a: str })), named('Thing', obj({ b: str }))),
      /component Thing is defined twice, differently/,
    );
    assert.throws(() => named('thing', obj({})), /PascalCase/);
  });
});

describe('OpenAPI document', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('documents every mounted route and nothing that is not mounted', async () => {
    const doc = (await app.request('GET', '/api/openapi.json', { token: '' })).body;
    assert.equal(doc.openapi, '3.1.0');
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, object>)) {
      for (const method of Object.keys(ops)) documented.add(`${method} ${path}`);
    }
    const express = createApp(app.deps) as unknown as { router: { stack: Layer[] } };
    const mounted = mountedRoutes(express.router.stack).map((r) => {
      const [method, path] = r.split(' ');
      return `${method} ${openApiPath(path!)}`;
    });
    assert.ok(mounted.length > 40, `walked ${mounted.length} routes`);
    const undocumented = mounted.filter((r) => !documented.has(r));
    assert.deepEqual(undocumented, [], 'mounted but not documented');
    const stale = [...documented].filter((r) => !mounted.includes(r));
    assert.deepEqual(stale, [], 'documented but not mounted');
  });

  test('every JSON success body and request body has a real schema that says whether it is open', async () => {
    const doc = (await app.request('GET', '/api/openapi.json', { token: '' })).body;
    const vague: string[] = [];
    // Every object states its properties or the schema of its free keys, and whether more keys may come.
    const walk = (schema: any, at: string) => {
      if (!schema || typeof schema !== 'object' || schema.$ref) return;
      const types = [schema.type].flat();
      if (types.includes('object')) {
        if (!('additionalProperties' in schema)) vague.push(`${at}: additionalProperties not stated`);
        if (!schema.properties && !schema.additionalProperties)
          vague.push(`${at}: an object with no properties`);
      }
      for (const [k, sub] of Object.entries(schema.properties ?? {})) walk(sub, `${at}.${k}`);
      if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${at}.*`);
      if (schema.items) walk(schema.items, `${at}[]`);
      for (const sub of schema.anyOf ?? []) walk(sub, at);
    };
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const name = `${method.toUpperCase()} ${path}`;
        const [status, response] = Object.entries(op.responses as Record<string, any>)[0]!;
        const html = /^\/(console|api\/docs)/.test(path);
        const schema = response.content?.['application/json']?.schema;
        if (status !== '204' && !html && !schema) vague.push(`${name}: no ${status} schema`);
        walk(schema, `${name} ${status}`);
        walk(op.requestBody?.content?.['application/json']?.schema, `${name} body`);
      }
    }
    for (const [name, schema] of Object.entries(doc.components.schemas)) walk(schema, `#/${name}`);
    assert.deepEqual(vague, []);
  });

  test('shared schemas are components: every $ref resolves, every component is used, none is inlined', async () => {
    const doc = (await app.request('GET', '/api/openapi.json', { token: '' })).body;
    const schemas = doc.components.schemas as Record<string, object>;
    const PREFIX = '#/components/schemas/';
    const refsIn = (node: unknown, out: string[] = []): string[] => {
      if (Array.isArray(node)) for (const n of node) refsIn(n, out);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === '$ref' && typeof v === 'string') out.push(v);
          else refsIn(v, out);
        }
      }
      return out;
    };
    const unresolved = [...refsIn(doc.paths), ...refsIn(schemas)].filter(
      (r) => !r.startsWith(PREFIX) || !(r.slice(PREFIX.length) in schemas),
    );
    assert.deepEqual([...new Set(unresolved)], [], 'references to no component');

    // Used: reached from an operation, directly or through other components.
    const reached = new Set<string>();
    const queue = refsIn(doc.paths).map((r) => r.slice(PREFIX.length));
    while (queue.length) {
      const name = queue.pop()!;
      if (reached.has(name)) continue;
      reached.add(name);
      queue.push(...refsIn(schemas[name]).map((r) => r.slice(PREFIX.length)));
    }
    assert.deepEqual(
      Object.keys(schemas).filter((n) => !reached.has(n)),
      [],
      'components no operation uses',
    );

    // A component's schema written out again in place of its $ref is a copy that can drift.
    const byShape = new Map(Object.entries(schemas).map(([name, s]) => [JSON.stringify(s), name]));
    const copies: string[] = [];
    const findCopies = (node: unknown, at: string, root: boolean) => {
      if (Array.isArray(node)) for (const [i, n] of node.entries()) findCopies(n, `${at}[${i}]`, false);
      else if (node && typeof node === 'object') {
        const same = root ? undefined : byShape.get(JSON.stringify(node));
        if (same) copies.push(`${at} is a copy of ${same}`);
        else for (const [k, v] of Object.entries(node)) findCopies(v, `${at}.${k}`, false);
      }
    };
    findCopies(doc.paths, 'paths', true);
    for (const [name, s] of Object.entries(schemas)) findCopies(s, `#/${name}`, true);
    assert.deepEqual(copies, []);

    for (const name of [
      'PipelineSummary',
      'SkillRun',
      'ImportBatch',
      'ImportPreview',
      'Connection',
      'Insight',
      'WebhookEndpoint',
      'Workflow',
      'WorkflowRun',
      'IcpProfile',
      'LeadScore',
    ])
      assert.ok(name in schemas, `${name} is a component`);
  });

  test('entity lists and details reference their entity components', async () => {
    const doc = (await app.request('GET', '/api/openapi.json', { token: '' })).body;
    const json = (op: any) => op.responses['200'].content['application/json'].schema;
    for (const [segment, listing] of Object.entries(ENTITY_LISTINGS)) {
      const name = entityComponentName(listing);
      // A generated client gets `DealPage` with `data: Deal[]`, not an anonymous envelope.
      const list = json(doc.paths[`/api/workspaces/{workspaceId}/${segment}`].get);
      assert.equal(list.$ref, `#/components/schemas/${name}Page`, segment);
      const page = doc.components.schemas[`${name}Page`];
      assert.equal(page.properties.data.items.$ref, `#/components/schemas/${name}`, segment);
      assert.deepEqual(page.required, ['data', 'next_cursor'], segment);
      const record = doc.components.schemas[name];
      assert.deepEqual(Object.keys(record.properties), Object.keys(listing.columns), name);
      const detail = json(doc.paths[`/api/workspaces/{workspaceId}/${segment}/{entityId}`].get);
      assert.equal(detail.$ref, `#/components/schemas/${name}Detail`, segment);
    }
    assert.deepEqual(
      Object.keys(ENTITY_LISTINGS).map((s) => entityComponentName(ENTITY_LISTINGS[s as 'deals'])),
      ['Account', 'Contact', 'Deal', 'Activity', 'Call', 'Conversation', 'Task', 'Document', 'Lead'],
    );
  });

  test('entity list parameters come from the filter whitelist', async () => {
    const doc = (await app.request('GET', '/api/openapi.json', { token: '' })).body;
    const op = doc.paths['/api/workspaces/{workspaceId}/deals'].get;
    const names = op.parameters.map((p: { name: string }) => p.name);
    for (const n of [
      'workspaceId',
      'stage_normalized',
      'amount_min',
      'close_date_to',
      'is_closed',
      'has_account',
      'q',
      'sort',
      'limit',
      'cursor',
      'include_total',
    ]) {
      assert.ok(names.includes(n), n);
    }
    const sort = op.parameters.find((p: { name: string }) => p.name === 'sort');
    assert.ok(sort.schema.enum.includes('-amount'));
    assert.ok(op.responses['400'] && op.responses['404']);
  });

  test('the reference page is self-contained HTML', async () => {
    const res = await app.request('GET', '/api/docs', { token: '' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    const html = String(res.body);
    assert.match(html, /<h1>Pandora API<\/h1>/);
    assert.match(html, /\/api\/workspaces\/\{workspaceId\}\/pipeline\/summary/);
    assert.doesNotMatch(html, /<script|https?:\/\/(?!127)/i);
    // Answers name their components, and each component has its entry.
    assert.match(html, /a page of deals → <a href="#schema-DealPage">DealPage<\/a>/);
    assert.match(html, /<section class="op" id="schema-Deal"><h3><code>Deal<\/code><\/h3>/);
    assert.match(
      html,
      /id="schema-DealPage"><h3><code>DealPage<\/code><\/h3>\s*<p><code>data<\/code>: <a href="#schema-Deal">Deal<\/a>\[\]/,
    );
  });
});
