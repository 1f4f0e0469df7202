import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Command, runCommandLine } from '../../src/cli/command-line.ts';
import { pandoraCommands } from '../../src/cli/pandora-commands.ts';

// The real command table, with a configuration that fails the test if anything reads it: --help and bad
// usage must answer before any command touches the environment, the data folder or a database.
const untouchable = (): never => {
  throw new Error('a command ran');
};
const COMMANDS = pandoraCommands(untouchable);

async function run(commands: readonly Command[], argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommandLine(commands, argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('pandora command line', () => {
  test('every command answers --help and -h with its usage, exit 0, nothing run', async () => {
    assert.ok(COMMANDS.length >= 12, `${COMMANDS.length} commands`);
    for (const c of COMMANDS) {
      for (const flag of ['--help', '-h']) {
        const r = await run(COMMANDS, [...c.path, flag]);
        assert.equal(r.code, 0, `${c.path.join(' ')} ${flag}: ${r.err}`);
        assert.match(r.out, new RegExp(`usage: pandora ${c.path.join(' ')}`));
        assert.equal(r.err, '');
      }
      // Help wins wherever it stands, even after other arguments.
      const late = await run(COMMANDS, [...c.path, 'x', '--workspace', 'y', '--help']);
      assert.equal(late.code, 0, c.path.join(' '));
    }
  });

  test('every group and the top level answer --help with their commands', async () => {
    for (const argv of [
      ['--help'],
      ['help'],
      ['-h'],
      ['workspace', '--help'],
      ['apikey', '-h'],
      ['skill', '--help'],
      ['admin-token', '--help'],
      ['help', 'skill', 'run'],
    ]) {
      const r = await run(COMMANDS, argv);
      assert.equal(r.code, 0, argv.join(' '));
      assert.match(r.out, /usage:/);
    }
    const skill = await run(COMMANDS, ['skill', '--help']);
    for (const sub of ['skill list', 'skill run', 'skill show']) assert.match(skill.out, new RegExp(sub));
    assert.doesNotMatch(skill.out, /apikey/);
  });

  test('an unknown option prints the usage and exits 2', async () => {
    for (const c of COMMANDS) {
      const r = await run(COMMANDS, [...c.path, '--bogus']);
      assert.equal(r.code, 2, c.path.join(' '));
      assert.match(r.err, /Unknown option '--bogus'/);
      assert.match(r.err, new RegExp(`usage: pandora ${c.path.join(' ')}`));
    }
  });

  test('unknown commands and subcommands, and bad arguments, exit 2 with the usage', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /usage:/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['workspace'], /usage:[\s\S]*workspace create/],
      [['workspace', 'frob'], /unknown workspace command "frob"/],
      [['skill', 'run'], /name a skill/],
      [
        ['skill', 'run', 'nope', '--workspace', '00000000-0000-0000-0000-000000000000'],
        /unknown skill "nope"/,
      ],
      [['skill', 'show', 'forecast'], /--workspace <uuid> is required/],
      [
        [
          'skill',
          'run',
          'forecast',
          '--workspace',
          '00000000-0000-0000-0000-000000000000',
          '--as-of',
          '2024-02-30',
        ],
        /--as-of must be a calendar date/,
      ],
      [['apikey', 'create', '--workspace', 'nope'], /--workspace <uuid> is required/],
      [['workspace', 'create'], /needs a name/],
      [['skill', 'run', 'forecast', '--workspace'], /argument missing/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(COMMANDS, argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, message, argv.join(' '));
    }
  });
});
