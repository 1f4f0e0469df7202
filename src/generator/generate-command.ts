/**
 * `pandora generate`: fills one workspace with a deterministic synthetic GTM world.
 *   pandora generate --workspace <uuid> --deals <n> [--seed <n>] [--truth <path>] [--transcripts]
 * --transcripts gives external calls fetched transcripts with planted deal facts (listed in the truth file).
 * Returns the exit code: 0 done, 1 failed, 2 bad usage.
 */
import { parseArgs } from 'node:util';
import type { Db } from '../db/db.ts';
import { NotFoundError } from '../errors.ts';
import { getWorkspace } from '../workspaces/workspaces.ts';
import { DEFAULT_SEED, type GenerateSummary, generateWorld } from './world.ts';
import { PLAN_TABLES } from './world-model.ts';

export interface GenerateCommandDeps {
  db: Db;
  log?: (line: string) => void;
}

const USAGE =
  'usage: pandora generate --workspace <uuid> --deals <n> [--seed <n>] [--truth <path>] [--transcripts]';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Far beyond the 1M deals the generator is measured at, but stops a typo from filling the disk.
const MAX_DEALS = 10_000_000;
const PROGRESS_EVERY_MS = 2000;

interface ParsedArgs {
  workspaceId: string;
  deals: number;
  seed: number;
  truthFile: string | undefined;
  transcripts: boolean;
}

function parse(argv: string[]): ParsedArgs | string {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        workspace: { type: 'string' },
        deals: { type: 'string' },
        seed: { type: 'string' },
        truth: { type: 'string' },
        transcripts: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return (err as Error).message;
  }
  if (values.help) return '';
  const workspace = values.workspace;
  if (typeof workspace !== 'string' || !UUID.test(workspace))
    return '--workspace must be a workspace id (a uuid)';
  const dealsText = values.deals;
  if (typeof dealsText !== 'string' || !/^\d+$/.test(dealsText)) return '--deals must be a whole number';
  const deals = Number(dealsText);
  if (deals < 1 || deals > MAX_DEALS) return `--deals must be between 1 and ${MAX_DEALS}`;
  const seedText = values.seed ?? String(DEFAULT_SEED);
  if (typeof seedText !== 'string' || !/^\d+$/.test(seedText) || Number(seedText) > 0xffffffff) {
    return '--seed must be a whole number between 0 and 4294967295';
  }
  const truth = values.truth;
  if (truth !== undefined && (typeof truth !== 'string' || truth.length === 0))
    return '--truth needs a file path';
  return {
    workspaceId: workspace,
    deals,
    seed: Number(seedText),
    truthFile: truth as string | undefined,
    transcripts: values.transcripts === true,
  };
}

function formatSummary(s: GenerateSummary): string[] {
  const lines = [
    `generated ${s.deals} deals (seed ${s.seed}, as of ${s.asOf}) in ${(s.elapsedMs / 1000).toFixed(1)} s: ` +
      `${s.totalRows} rows, ${s.rowsPerSecond} rows/s`,
    `internal domain ${s.internalDomain}; ${s.reps.length} reps`,
    `${'table'.padEnd(20)}${'inserted'.padStart(10)}${'updated'.padStart(10)}${'unchanged'.padStart(11)}${'rows/s'.padStart(9)}`,
  ];
  for (const t of PLAN_TABLES) {
    const c = s.tables[t];
    lines.push(
      `${t.padEnd(20)}${String(c.inserted).padStart(10)}${String(c.updated).padStart(10)}` +
        `${String(c.unchanged).padStart(11)}${String(c.rowsPerSecond).padStart(9)}`,
    );
  }
  const v = s.conversations;
  lines.push(
    `conversations: ${v.dealCalls} on deals, ${v.accountCalls} at accounts without a deal, ${v.internal} internal`,
  );
  return lines;
}

export async function runGenerateCommand(argv: string[], deps: GenerateCommandDeps): Promise<number> {
  const log = deps.log ?? ((line: string) => console.log(line));
  const parsed = parse(argv);
  if (typeof parsed === 'string') {
    if (parsed) log(`pandora generate: ${parsed}`);
    log(USAGE);
    return parsed ? 2 : 0;
  }
  try {
    await getWorkspace(deps.db, parsed.workspaceId);
  } catch (err) {
    if (err instanceof NotFoundError) {
      log(`pandora generate: workspace ${parsed.workspaceId} not found`);
      return 1;
    }
    throw err;
  }
  let lastProgress = 0;
  try {
    const summary = await generateWorld(deps.db, parsed.workspaceId, {
      deals: parsed.deals,
      seed: parsed.seed,
      transcripts: parsed.transcripts,
      ...(parsed.truthFile ? { truthFile: parsed.truthFile } : {}),
      onProgress(p) {
        if (p.dealsWritten < p.dealsTotal && p.elapsedMs - lastProgress < PROGRESS_EVERY_MS) return;
        lastProgress = p.elapsedMs;
        const pct = ((100 * p.dealsWritten) / p.dealsTotal).toFixed(0);
        log(
          `generate: ${p.dealsWritten}/${p.dealsTotal} deals (${pct}%), ${p.rowsWritten} rows, ${(p.elapsedMs / 1000).toFixed(1)} s`,
        );
      },
    });
    for (const line of formatSummary(summary)) log(line);
    if (parsed.truthFile) log(`ground truth written to ${parsed.truthFile}`);
    return 0;
  } catch (err) {
    log(`pandora generate: failed: ${(err as Error).message}`);
    return 1;
  }
}
