import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runGenerateCommand } from '../../src/generator/generate-command.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { type TestDb, createTestDb } from '../helpers/test-db.ts';

let t: TestDb;
let ws: string;
before(async () => {
  t = await createTestDb();
  ws = (await createWorkspace(t.db, { name: 'cli' })).id;
});
after(() => t.close());

async function run(argv: string[]) {
  const lines: string[] = [];
  const code = await runGenerateCommand(argv, { db: t.db, log: (l) => lines.push(l) });
  return { code, output: lines.join('\n') };
}

test('rejects bad input with a message and a non-zero exit code', async () => {
  const cases: [string[], RegExp][] = [
    [['--workspace', ws, '--deals', '0'], /--deals must be between 1/],
    [['--workspace', ws, '--deals', 'lots'], /--deals must be a whole number/],
    [['--workspace', ws, '--deals', '-5'], /--deals/],
    [['--workspace', ws], /--deals must be a whole number/],
    [['--deals', '10'], /--workspace must be a workspace id/],
    [['--workspace', 'acme', '--deals', '10'], /--workspace must be a workspace id/],
    [['--workspace', ws, '--deals', '10', '--seed', 'x'], /--seed must be a whole number/],
    [['--workspace', ws, '--deals', '10', '--colour', 'red'], /Unknown option '--colour'/],
  ];
  for (const [argv, message] of cases) {
    const { code, output } = await run(argv);
    assert.equal(code, 2, argv.join(' '));
    assert.match(output, message);
    assert.match(output, /usage: pandora generate/);
  }
  const unknown = await run(['--workspace', '00000000-0000-4000-8000-000000000000', '--deals', '10']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.output, /workspace 00000000-0000-4000-8000-000000000000 not found/);
  const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM deals');
  assert.equal(rows[0]!.n, 0, 'nothing written on bad input');
});

test('generates the world and prints progress and a summary', async () => {
  const { code, output } = await run(['--workspace', ws, '--deals', '40', '--seed', '3']);
  assert.equal(code, 0, output);
  assert.match(output, /generate: 40\/40 deals \(100%\)/);
  assert.match(output, /generated 40 deals \(seed 3/);
  assert.match(output, /internal domain [a-z]+-demo\.io; 5 reps/);
  assert.match(output, /^deals\s+40\s+0\s+0/m);
  const again = await run(['--workspace', ws, '--deals', '40', '--seed', '3']);
  assert.match(again.output, /^deals\s+0\s+0\s+40/m);
});
