/**
 * `pandora workflows list|validate|compile|templates`: a workspace's workflows, and a tree file checked
 * (every problem with its path) or compiled to its ActivePieces flow, in-process on the database or
 * through the HTTP API of a server that holds the embedded data folder.
 */
import { readFile } from 'node:fs/promises';
import { withCliBackend } from '../cli/cli-backend.ts';
import { type Command, UsageError, uuidOption } from '../cli/command-line.ts';
import type { Config } from '../config.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { compileWorkflow } from './flow-compiler.ts';
import { validateForWorkspace } from './workflow-service.ts';
import { listWorkflows } from './workflow-store.ts';
import { templateView, WORKFLOW_TEMPLATES } from './workflow-templates.ts';

const workspaceOption = (value: unknown) => uuidOption('workspace', value);

async function treeFile(positionals: string[]): Promise<unknown> {
  if (positionals.length !== 1) throw new UsageError('give one tree file (JSON)');
  try {
    return JSON.parse(await readFile(positionals[0]!, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${positionals[0]}: ${(err as Error).message}`);
  }
}

interface Checked {
  valid: boolean;
  issues: Array<{ path: string; code: string; severity: string; message: string }>;
  flow?: unknown;
}

function checkCommand(config: () => Config, verb: 'validate' | 'compile'): Command {
  return {
    path: ['workflows', verb],
    args: '--workspace <id> <tree.json>',
    summary:
      verb === 'validate'
        ? 'check a workflow tree; every problem with its path in the tree'
        : 'compile a workflow tree to its ActivePieces flow version (printed as JSON)',
    options: { workspace: { type: 'string' } },
    run: async ({ values, positionals }) => {
      const ws = workspaceOption(values.workspace);
      const tree = await treeFile(positionals);
      const out = await withCliBackend(config(), async (backend): Promise<Checked> => {
        if (backend.kind === 'server')
          return backend.api.request<Checked>('POST', `/api/workspaces/${ws}/workflows/${verb}`, { tree });
        const v = await withWorkspace(backend.db, ws, (tx) => validateForWorkspace(tx, ws, config(), tree));
        const flow = v.valid
          ? compileWorkflow(v.tree, {
              displayName: 'Preview',
              workspaceId: ws,
              publicUrl: config().publicUrl,
            })
          : null;
        return { valid: v.valid, issues: v.issues, ...(verb === 'compile' ? { flow } : {}) };
      });
      for (const i of out.issues) console.error(`${i.severity} ${i.path}: ${i.code}: ${i.message}`);
      if (verb === 'compile' && out.valid) console.log(JSON.stringify(out.flow, null, 2));
      else if (out.valid) console.log('valid');
      return out.valid ? 0 : 1;
    },
  };
}

export function workflowCommands(config: () => Config): Command[] {
  return [
    {
      path: ['workflows', 'list'],
      args: '--workspace <id>',
      summary: "a workspace's workflows: status, trigger, version, last error",
      options: { workspace: { type: 'string' } },
      run: async ({ values }) => {
        const ws = workspaceOption(values.workspace);
        const rows = await withCliBackend(config(), async (backend) =>
          backend.kind === 'db'
            ? withWorkspace(backend.db, ws, (tx) => listWorkflows(tx, ws))
            : (
                await backend.api.request<{ data: Awaited<ReturnType<typeof listWorkflows>> }>(
                  'GET',
                  `/api/workspaces/${ws}/workflows`,
                )
              ).data,
        );
        for (const w of rows)
          console.log(
            `${w.id}  ${w.status.padEnd(6)}  ${w.trigger_type.padEnd(13)}  v${w.version}  ${w.name}${w.last_error ? `  (${w.last_error})` : ''}`,
          );
        if (rows.length === 0) console.log('no workflows');
        return 0;
      },
    },
    checkCommand(config, 'validate'),
    checkCommand(config, 'compile'),
    {
      path: ['workflows', 'templates'],
      args: '',
      summary: 'the built-in workflow templates and their parameters',
      options: {},
      run: async () => {
        console.log(JSON.stringify(WORKFLOW_TEMPLATES.map(templateView), null, 2));
        return 0;
      },
    },
  ];
}
