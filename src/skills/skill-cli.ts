/**
 * `pandora skill …`: list skills, or run one (or all) for a workspace and print the report, with a
 * progress indicator on stderr while long phases run.
 */
import { parseArgs } from 'node:util';
import type { Config } from '../config.ts';
import { createCredentialVault, loadEncryptionKey } from '../connectors/credential-vault.ts';
import { migrate } from '../db/migrate.ts';
import { openDb } from '../db/open-db.ts';
import { ValidationError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { getWorkspace } from '../workspaces/workspaces.ts';
import './all-skills.ts';
import { runAllSkills, runSkillNow } from './run-all-skills.ts';
import { listSkills } from './skill-registry.ts';
import { formatSkillReport } from './skill-report.ts';

export const SKILL_USAGE = `  skill list                          list the skills
  skill run <skill|all> --workspace <id> [--as-of YYYY-MM-DD] [--json]`;

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

export async function skillCommand(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { workspace: { type: 'string' }, 'as-of': { type: 'string' }, json: { type: 'boolean' } },
  });
  const [sub, skillId] = positionals;
  if (sub === 'list') {
    for (const s of listSkills()) console.log(`${s.id.padEnd(24)} ${s.description}`);
    return 0;
  }
  if (sub !== 'run' || !skillId) throw new ValidationError(`usage:\n${SKILL_USAGE}`);
  const workspaceId = values.workspace;
  if (!workspaceId || !/^[0-9a-f-]{36}$/i.test(workspaceId))
    throw new ValidationError('--workspace <uuid> is required');
  const asOf = values['as-of'];
  if (asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(asOf))
    throw new ValidationError('--as-of must be YYYY-MM-DD');

  const db = await openDb(config);
  try {
    await migrate(db);
    await getWorkspace(db, workspaceId);
    const deps = {
      db,
      config,
      vault: createCredentialVault(loadEncryptionKey(config)),
      log: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
    };
    const progress = progressPrinter(process.stderr);
    const runs =
      skillId === 'all'
        ? await runAllSkills(deps, workspaceId, {
            asOf,
            trigger: 'cli',
            onProgress: (s, p, d, t) => progress.update(s, p, d, t),
          })
        : [
            await runSkillNow(
              deps,
              workspaceId,
              skillId,
              asOf && skillId !== 'custom-field-discovery' ? { as_of: asOf } : {},
              {
                trigger: 'cli',
                onProgress: (p, d, t) => progress.update(skillId, p, d, t),
              },
            ),
          ];
    progress.clear();
    for (const run of runs)
      console.log(values.json ? JSON.stringify(run, null, 2) : `${formatSkillReport(run)}\n`);
    return runs.every((r) => r.status === 'succeeded') ? 0 : 1;
  } finally {
    await db.close();
  }
}
