/**
 * The `pandora` command's plumbing: a table of commands, each with its usage and options (node's
 * util.parseArgs, strict). Every command and group answers `--help` with its usage and exit 0 before
 * anything runs; an unknown command, subcommand or option prints the usage and exits 2.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

export type CommandOptions = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | undefined>;

export interface Command {
  /** The words that name it, e.g. ['skill', 'run']. */
  path: readonly string[];
  /** What follows the words, e.g. '<skill|all> --workspace <id> [--json]'. */
  args?: string;
  summary: string;
  options?: CommandOptions;
  /** `args` are the raw arguments after the command's words, for commands that parse their own. */
  run(input: { values: OptionValues; positionals: string[]; args: string[] }): Promise<number>;
}

/** Bad usage: the message and the command's usage go to stderr, and the exit code is 2. */
export class UsageError extends Error {}

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A `--name <uuid>` option: a usage error when it is missing (and required) or not a UUID. */
export function uuidOption(name: string, value: unknown): string;
export function uuidOption(name: string, value: unknown, opts: { optional: true }): string | undefined;
export function uuidOption(name: string, value: unknown, opts?: { optional: true }): string | undefined {
  if (value === undefined && opts?.optional) return undefined;
  if (typeof value !== 'string' || !UUID_TEXT.test(value))
    throw new UsageError(`--${name} <uuid> is required`);
  return value;
}

const HELP_FLAGS = new Set(['--help', '-h']);

function usageLine(cmd: Command): string {
  return `pandora ${[...cmd.path, cmd.args].filter(Boolean).join(' ')}`;
}

export function usageOf(cmd: Command): string {
  return `usage: ${usageLine(cmd)}\n\n  ${cmd.summary}`;
}

/** Every command under `prefix` (all of them for an empty prefix), one line each. */
export function overview(commands: readonly Command[], prefix: readonly string[] = []): string {
  const under = commands.filter((c) => prefix.every((w, i) => c.path[i] === w));
  const width = Math.min(60, Math.max(...under.map((c) => usageLine(c).length)));
  const lines = under.map((c) => {
    const line = usageLine(c);
    return line.length > width
      ? `  ${line}\n  ${' '.repeat(width)}  ${c.summary}`
      : `  ${line.padEnd(width)}  ${c.summary}`;
  });
  return `usage:\n${lines.join('\n')}\n\n  Add --help to any command for its usage.`;
}

/** The command the leading words of argv name, and the arguments after them. */
function resolve(commands: readonly Command[], argv: readonly string[]) {
  let best: Command | undefined;
  for (const c of commands) {
    if (c.path.every((w, i) => argv[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  return best && { command: best, rest: argv.slice(best.path.length) };
}

/** Words before the first option, for naming an unknown (sub)command. */
function leadingWords(argv: readonly string[]): string[] {
  const end = argv.findIndex((a) => a.startsWith('-'));
  return [...(end === -1 ? argv : argv.slice(0, end))];
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export async function runCommandLine(
  commands: readonly Command[],
  argv: readonly string[],
  io: Io,
): Promise<number> {
  const beforeDashes = argv.indexOf('--') === -1 ? argv : argv.slice(0, argv.indexOf('--'));
  const wantsHelp = beforeDashes.some((a) => HELP_FLAGS.has(a)) || argv[0] === 'help';
  const words = argv[0] === 'help' ? argv.slice(1) : argv;
  const found = resolve(commands, words);
  if (!found) {
    const named = leadingWords(words);
    // `pandora skill --help`: the group's commands. `pandora skill frob`: unknown, with the group's commands.
    const group = named.filter((_, i) =>
      commands.some((c) => named.slice(0, i + 1).every((w, j) => c.path[j] === w)),
    );
    if (wantsHelp || named.length === 0) {
      (wantsHelp ? io.out : io.err)(overview(commands, group));
      return wantsHelp ? 0 : 2;
    }
    const what = group.length
      ? `${group.join(' ')} command "${named[group.length] ?? ''}"`
      : `command "${named[0]}"`;
    io.err(`pandora: unknown ${what}\n\n${overview(commands, group)}`);
    return 2;
  }
  const { command, rest } = found;
  if (wantsHelp) {
    io.out(usageOf(command));
    return 0;
  }
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    // No option is declared `multiple`, so every value is a string or a boolean.
    parsed = parseArgs({
      args: [...rest],
      options: command.options ?? {},
      allowPositionals: true,
      strict: true,
    }) as {
      values: OptionValues;
      positionals: string[];
    };
  } catch (err) {
    io.err(`pandora: ${(err as Error).message}\n\n${usageOf(command)}`);
    return 2;
  }
  try {
    return await command.run({ ...parsed, args: [...rest] });
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`pandora: ${err.message}\n\n${usageOf(command)}`);
      return 2;
    }
    throw err;
  }
}
