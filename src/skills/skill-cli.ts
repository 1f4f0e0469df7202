/**
 * `pandora skill …`: list skills, run one (or all) for a workspace and print the report, or show the
 * latest report without running anything. Runs in-process on the database, or through the HTTP API of a
 * server that holds the embedded data folder; a progress line goes to stderr while long phases run.
 */
import { withCliBackend, type CliBackend } from '../cli/cli-backend.ts';
import { type Command, UsageError, uuidOption } from '../cli/command-line.ts';
import type { ServerApi } from '../cli/live-server.ts';
import type { Config } from '../config.ts';
import { createCredentialVault, loadEncryptionKey } from '../connectors/credential-vault.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { createLogger } from '../logger.ts';
import { isCalendarDate } from '../validation/input-values.ts';
import { getWorkspace } from '../workspaces/workspaces.ts';
import { BUILT_IN_SKILLS } from './all-skills.ts';
import { runAllSkills, runSkillNow } from './run-all-skills.ts';
import { listSkills } from './skill-registry.ts';
import { formatSkillReport } from './skill-report.ts';
import { latestSkillRuns, type SkillRun } from './skill-runs.ts';

function progressPrinter(stream: NodeJS.WriteStream) {
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let i = 0;
  let started = Date.now();
  let lastPhase = '';
  const interactive = stream.isTTY;
  return {
    update(label: string, phase: string, done: number, total: number) {
      const key = `${label}:${phase}`;
      if (key !== lastPhase) {
        started = Date.now();
        lastPhase = key;
      }
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      const bar = total > 1 ? ` ${done}/${total}` : '';
      const text = `${frames[i++ % frames.length]} ${label}: ${phase}${bar} (${secs}s)`;
      if (interactive) stream.write(`\r\x1b[2K${text}`);
      else if (done === 0 || done === total) stream.write(`${text}\n`);
    },
    clear() {
      if (interactive) stream.write('\r\x1b[2K');
    },
  };
}

const workspaceOption = (value: unknown) => uuidOption('workspace', value);

function knownSkill(id: string | undefined, allowAll: boolean): string {
  if (!id) throw new UsageError('name a skill (pandora skill list shows them)');
  if (allowAll && id === 'all') return id;
  if (!listSkills().some((s) => s.id === id))
    throw new UsageError(`unknown skill "${id}" (pandora skill list)`);
  return id;
}

const inputsFor = (skillId: string, asOf: string | undefined) =>
  asOf && skillId !== 'custom-field-discovery' ? { as_of: asOf } : {};

function printRuns(runs: SkillRun[], json: boolean): number {
  for (const run of runs) console.log(json ? JSON.stringify(run, null, 2) : `${formatSkillReport(run)}\n`);
  return runs.every((r) => r.status === 'succeeded') ? 0 : 1;
}

/** Starts each run on the server and follows it to the end, showing its phase as it goes. */
async function runOnServer(
  api: ServerApi,
  workspaceId: string,
  skillIds: readonly string[],
  asOf: string | undefined,
  progress: ReturnType<typeof progressPrinter>,
): Promise<SkillRun[]> {
  const ws = `/api/workspaces/${workspaceId}`;
  if (skillIds.length > 1) await api.request('POST', `${ws}/compute/run`, asOf ? { as_of: asOf } : {});
  const runs: SkillRun[] = [];
  for (const skillId of skillIds) {
    const started = await api.request<{ id: string }>('POST', `${ws}/skills/${skillId}/run`, {
      inputs: inputsFor(skillId, asOf),
    });
    let run = await api.request<SkillRun>('GET', `${ws}/skill-runs/${started.id}`);
    while (run.status === 'queued' || run.status === 'running') {
      const p = run.progress as { phase?: string; done?: number; total?: number };
      progress.update(skillId, p.phase ?? run.status, p.done ?? 0, p.total ?? 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      run = await api.request<SkillRun>('GET', `${ws}/skill-runs/${started.id}`);
    }
    runs.push(run);
  }
  return runs;
}

async function runLocally(
  config: Config,
  backend: Extract<CliBackend, { kind: 'db' }>,
  workspaceId: string,
  skillId: string,
  asOf: string | undefined,
  progress: ReturnType<typeof progressPrinter>,
): Promise<SkillRun[]> {
  const deps = {
    db: backend.db,
    config,
    vault: createCredentialVault(loadEncryptionKey(config)),
    log: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
  };
  await getWorkspace(backend.db, workspaceId);
  if (skillId === 'all') {
    return runAllSkills(deps, workspaceId, {
      asOf,
      trigger: 'cli',
      onProgress: (s, p, d, t) => progress.update(s, p, d, t),
    });
  }
  return [
    await runSkillNow(deps, workspaceId, skillId, inputsFor(skillId, asOf), {
      trigger: 'cli',
      onProgress: (p, d, t) => progress.update(skillId, p, d, t),
    }),
  ];
}

async function latestRun(
  backend: CliBackend,
  workspaceId: string,
  skillId: string,
): Promise<SkillRun | null> {
  if (backend.kind === 'db') {
    await getWorkspace(backend.db, workspaceId);
    const [run] = await withWorkspace(backend.db, workspaceId, (tx) =>
      latestSkillRuns(tx, workspaceId, [skillId]),
    );
    return run ?? null;
  }
  const ws = `/api/workspaces/${workspaceId}`;
  const { data } = await backend.api.request<{ data: SkillRun[] }>(
    'GET',
    `${ws}/skill-runs?skill_id=${skillId}&limit=1`,
  );
  return data[0] ? backend.api.request<SkillRun>('GET', `${ws}/skill-runs/${data[0].id}`) : null;
}

export function skillCommands(config: () => Config): Command[] {
  return [
    {
      path: ['skill', 'list'],
      summary: 'list the skills',
      run: async () => {
        for (const s of listSkills()) console.log(`${s.id.padEnd(24)} ${s.description}`);
        return 0;
      },
    },
    {
      path: ['skill', 'run'],
      args: '<skill|all> --workspace <id> [--as-of YYYY-MM-DD] [--json]',
      summary: 'run a skill (or all of them, after recomputing scores) and print the report',
      options: { workspace: { type: 'string' }, 'as-of': { type: 'string' }, json: { type: 'boolean' } },
      run: async ({ values, positionals }) => {
        if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
        const skillId = knownSkill(positionals[0], true);
        const workspaceId = workspaceOption(values.workspace);
        const asOf = values['as-of'] as string | undefined;
        if (asOf !== undefined && !isCalendarDate(asOf))
          throw new UsageError('--as-of must be a calendar date YYYY-MM-DD between 1900 and 2200');
        const progress = progressPrinter(process.stderr);
        const runs = await withCliBackend(config(), (backend) =>
          backend.kind === 'db'
            ? runLocally(config(), backend, workspaceId, skillId, asOf, progress)
            : runOnServer(
                backend.api,
                workspaceId,
                skillId === 'all' ? BUILT_IN_SKILLS : [skillId],
                asOf,
                progress,
              ),
        );
        progress.clear();
        return printRuns(runs, values.json === true);
      },
    },
    {
      path: ['skill', 'show'],
      args: '<skill> --workspace <id> [--json]',
      summary: 'print the latest report of a skill without starting a run',
      options: { workspace: { type: 'string' }, json: { type: 'boolean' } },
      run: async ({ values, positionals }) => {
        if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
        const skillId = knownSkill(positionals[0], false);
        const workspaceId = workspaceOption(values.workspace);
        const run = await withCliBackend(config(), (backend) => latestRun(backend, workspaceId, skillId));
        if (!run) {
          console.error(`no run of ${skillId} yet: pandora skill run ${skillId} --workspace ${workspaceId}`);
          return 1;
        }
        if (values.json !== true) console.log(`latest run, ${run.finished_at ?? run.created_at}`);
        return printRuns([run], values.json === true);
      },
    },
  ];
}
