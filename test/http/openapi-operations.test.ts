import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { schemaErrors } from '../helpers/json-schema-check.ts';
import { NOT_WALKED, type WalkRequest, walkSteps } from './api-walk.ts';
import { startWalkWorld, type WalkWorld } from './api-walk-world.ts';

type Operation = { responses: Record<string, { content?: Record<string, { schema: object }> }> };

describe('every documented operation answers what the document says', () => {
  let world: WalkWorld;
  let doc: { paths: Record<string, Record<string, Operation>>; components?: object };
  before(async () => {
    world = await startWalkWorld();
    doc = await (await fetch(`${world.app.url}/api/openapi.json`)).json();
  });
  after(() => world.close());

  async function send(method: string, path: string, req: WalkRequest) {
    const token = req.token ?? world.adminToken;
    const headers: Record<string, string> = { ...req.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    let body: BodyInit | undefined;
    if (req.form) body = req.form;
    else if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(world.app.url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // HTML and JavaScript stay text
    }
    return { status: res.status, body: parsed as any };
  }

  test('each 2xx body validates against its documented schema', async () => {
    const ids: Record<string, string> = { workspaceId: world.workspaceId, walkCall: world.callId };
    const walked = new Set<string>();
    const failures: string[] = [];
    for (const step of walkSteps(world)) {
      const [method, template] = step.op.split(' ') as [string, string];
      const op = doc.paths[template]?.[method.toLowerCase()];
      assert.ok(op, `${step.op} is documented`);
      const req = step.request?.(ids) ?? {};
      const path =
        req.path ?? template.replace(/\{(\w+)\}/g, (_m, name: string) => ids[name] ?? `{no ${name}}`);
      const res = await send(method, path, req);
      const [status, response] = Object.entries(op.responses)[0]!;
      if (String(res.status) !== status) {
        failures.push(
          `${step.op} (${path}): ${res.status}, documented ${status}: ${JSON.stringify(res.body).slice(0, 300)}`,
        );
        continue;
      }
      walked.add(step.op);
      const schema = response.content?.['application/json']?.schema;
      if (schema) {
        const errors = schemaErrors(schema, res.body, '$', doc);
        if (errors.length) failures.push(`${step.op}: ${errors.slice(0, 8).join('; ')}`);
      }
      await step.then?.(res.body, ids);
      if (step.settle) await world.settle();
    }
    assert.deepEqual(failures, []);
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const missing = documented.filter((op) => !walked.has(op) && !(op in NOT_WALKED));
    assert.deepEqual(missing, [], 'documented operations the walk does not exercise');
  });
});
