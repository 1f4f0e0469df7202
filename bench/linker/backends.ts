/**
 * The linker as a user meets it, on both backends: `pandora workspace create`, `pandora generate --deals N`
 * on a fresh, never-analysed database, then `pandora serve` and `POST …/linker/run` twice (the first run
 * links, the second finds nothing to change). Prints one JSON line with each backend's wall times and
 * the embedded/server ratio (goal: within 3×; the embedded run took 63–66 s at 300 deals before writers
 * kept statistics fresh). The server part needs DATABASE_URL and is skipped without it.
 *   [DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres] node --import tsx bench/linker/backends.ts [--deals 300]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { apiRequest, type PandoraEnv, runPandora, servePandora } from '../support/pandora-process.ts';
import { createScratchDb } from '../support/scratch-db.ts';

const { values } = parseArgs({ options: { deals: { type: 'string', default: '300' } } });
const deals = Number(values.deals);

interface LinkerRun {
  links_changed: number;
  coverage: { conversations: number; linked_to_deal: number; external: number };
  elapsed_ms: { total: number };
}

async function asAUser(e: PandoraEnv) {
  const ws = JSON.parse((await runPandora(['workspace', 'create', 'linker bench'], e)).stdout) as {
    id: string;
  };
  const generate = await runPandora(['generate', '--workspace', ws.id, '--deals', String(deals)], e);
  const server = await servePandora(e);
  try {
    const runs: { http_ms: number; linker_ms: number; links_changed: number }[] = [];
    let coverage: LinkerRun['coverage'] | undefined;
    for (let i = 0; i < 2; i++) {
      const r = await apiRequest<LinkerRun>(server.url, 'POST', `/api/workspaces/${ws.id}/linker/run`);
      if (r.status !== 200) throw new Error(`linker/run answered ${r.status}: ${JSON.stringify(r.body)}`);
      runs.push({
        http_ms: Math.round(r.ms),
        linker_ms: r.body.elapsed_ms.total,
        links_changed: r.body.links_changed,
      });
      coverage = r.body.coverage;
    }
    return {
      generate_ms: generate.ms,
      first_run: runs[0],
      rerun: runs[1],
      conversations: coverage?.conversations,
      linked_to_deal: coverage?.linked_to_deal,
    };
  } finally {
    await server.terminate();
  }
}

const out: Record<string, unknown> = {
  bench: 'linker-backends',
  deals,
  baseline_embedded_first_run_ms: '63000-66000',
};
const dataDir = await mkdtemp(join(tmpdir(), 'pandora-linker-bench-'));
try {
  out.embedded = await asAUser({ dataDir });
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
if (process.env.DATABASE_URL) {
  const scratch = await createScratchDb(process.env.DATABASE_URL, 'pandora_bench_linker_b', 1);
  try {
    out.server = await asAUser({ databaseUrl: scratch.url });
  } finally {
    await scratch.drop();
  }
  const e = out.embedded as Awaited<ReturnType<typeof asAUser>>;
  const s = out.server as Awaited<ReturnType<typeof asAUser>>;
  out.ratio_embedded_to_server = {
    first_run_http: Math.round((e.first_run!.http_ms / s.first_run!.http_ms) * 100) / 100,
    rerun_http: Math.round((e.rerun!.http_ms / s.rerun!.http_ms) * 100) / 100,
    generate: Math.round((e.generate_ms / s.generate_ms) * 100) / 100,
  };
}
console.log(JSON.stringify(out));
