import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createApp } from '../../src/http/app.ts';
import { openApiPath } from '../../src/http/openapi/openapi-document.ts';
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
    assert.deepEqual(vague, []);
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
  });
});
