/**
 * The web console in a real headless Chromium against `pandora serve`, embedded backend first (a fresh
 * data folder, never analysed) and then the server when DATABASE_URL is set. On a generated world of
 * --deals deals (linked, scored): each page's load time (navigation to its content on screen, median
 * and worst of --loads), then the pipeline table scrolled to its last deal: seconds to reach it, pages
 * fetched, and the longest gap between two painted frames (a frozen table shows as a long gap).
 * Goals: every page under 1 s; 10k deals scroll without freezing (no frame gap near a second).
 *   [DATABASE_URL=…] node --import tsx bench/console/run.ts [--deals 10000] [--loads 5]
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import { apiRequest, type PandoraEnv, runPandora, servePandora } from '../support/pandora-process.ts';
import { createScratchDb } from '../support/scratch-db.ts';

const { values } = parseArgs({
  options: {
    deals: { type: 'string', default: '10000' },
    loads: { type: 'string', default: '5' },
  },
});
const DEALS = Number(values.deals);
const LOADS = Number(values.loads);
const CHROMIUM = process.env.PANDORA_CHROMIUM ?? '/usr/bin/chromium';
const log = (...parts: unknown[]) => console.error('[bench:console]', ...parts);

/** What each page shows once its data is on screen. */
const PAGES: Array<{ name: string; hash: string; ready: (page: Page) => Promise<void> }> = [
  {
    name: 'overview',
    hash: '#/overview',
    ready: (p) => p.locator('.headline', { hasNotText: '…' }).first().waitFor(),
  },
  { name: 'pipeline', hash: '#/pipeline', ready: (p) => p.locator('.vbody .vrow').first().waitFor() },
  { name: 'charts', hash: '#/charts', ready: (p) => p.locator('svg.chart').nth(3).waitFor() },
  {
    name: 'calls_without_deals',
    hash: '#/unlinked',
    ready: (p) => p.locator('.candidates button').first().waitFor(),
  },
  { name: 'skills', hash: '#/skills', ready: (p) => p.locator('button[data-skill]').first().waitFor() },
];

async function prepare(e: PandoraEnv): Promise<{ workspaceId: string; key: string }> {
  const ws = JSON.parse((await runPandora(['workspace', 'create', 'console bench'], e)).stdout) as {
    id: string;
  };
  log('generating', DEALS, 'deals');
  await runPandora(['generate', '--workspace', ws.id, '--deals', String(DEALS)], e);
  const server = await servePandora(e);
  try {
    const base = `/api/workspaces/${ws.id}`;
    log('linking, scoring, running the skills');
    await apiRequest(server.url, 'POST', `${base}/linker/run`);
    await apiRequest(server.url, 'POST', `${base}/compute/run`);
    const key = await apiRequest<{ key: string }>(server.url, 'POST', `${base}/api-keys`, {
      name: 'console bench',
    });
    const skills = await apiRequest<{ data: { id: string }[] }>(server.url, 'GET', `${base}/skills`);
    for (const skill of skills.body.data)
      await apiRequest(server.url, 'POST', `${base}/skills/${skill.id}/run`, {});
    // The overview shows the skills' headlines: wait until every run ended.
    for (;;) {
      const runs = await apiRequest<{ data: { status: string }[] }>(server.url, 'GET', `${base}/skill-runs`);
      if (runs.body.data.every((r) => r.status !== 'queued' && r.status !== 'running')) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    return { workspaceId: ws.id, key: key.body.key };
  } finally {
    await server.terminate();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function pageLoads(page: Page, url: string) {
  const out: Record<string, { median_ms: number; worst_ms: number }> = {};
  for (const p of PAGES) {
    const times: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      await page.goto('about:blank');
      const started = performance.now();
      await page.goto(`${url}/console/${p.hash}`);
      await p.ready(page);
      times.push(Math.round(performance.now() - started));
    }
    out[p.name] = { median_ms: median(times), worst_ms: Math.max(...times) };
  }
  // A deal page, opened from the table as a reader would.
  const times: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    await page.goto(`${url}/console/#/pipeline`);
    const link = page.locator('.vbody .vrow a').nth(i);
    await link.waitFor();
    const started = performance.now();
    await link.click();
    await page.getByRole('heading', { name: 'Why these scores' }).waitFor();
    times.push(Math.round(performance.now() - started));
  }
  out.deal = { median_ms: median(times), worst_ms: Math.max(...times) };
  return out;
}

/** Scrolls the deals table to its last row, watching the frames the page paints meanwhile. */
async function scrollToEnd(page: Page, url: string) {
  await page.goto(`${url}/console/#/pipeline?is_closed=&sort=-amount`);
  await page.locator('.vbody .vrow').first().waitFor();
  return page.evaluate(SCROLL_SCRIPT) as Promise<Record<string, unknown>>;
}

// Plain JavaScript run in the page (a string, so the TypeScript loader's helpers never reach the browser).
// A reader flinging the wheel: 40 rows per step, one step per frame, until the last deal is on screen.
const SCROLL_SCRIPT = `(async () => {
  const scroller = document.querySelector('.vscroll');
  const status = () => document.querySelector('.toolbar')?.textContent ?? '';
  let last = performance.now();
  let worstGap = 0;
  let frames = 0;
  let watching = true;
  const frame = (t) => {
    worstGap = Math.max(worstGap, t - last);
    last = t;
    frames++;
    if (watching) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  const started = performance.now();
  let pages = 1;
  let seen = status();
  while (performance.now() - started < 300000) {
    scroller.scrollTop += 40 * 36;
    await new Promise((r) => requestAnimationFrame(r));
    const now = status();
    if (now !== seen && !now.includes('loading')) pages++;
    seen = now;
    const m = now.match(/^([\\d,]+) of ([\\d,]+) deals/);
    const atBottom = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2;
    if (m && m[1] === m[2] && atBottom) break;
  }
  watching = false;
  return {
    seconds_to_last_deal: Math.round(performance.now() - started) / 1000,
    status: seen,
    pages_fetched: pages,
    frames,
    worst_frame_gap_ms: Math.round(worstGap),
    rows_in_dom_at_end: document.querySelectorAll('.vbody .vrow').length,
  };
})()`;

async function measure(browser: Browser, e: PandoraEnv) {
  const { key } = await prepare(e);
  const server = await servePandora(e);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  try {
    await page.goto(`${server.url}/console/`);
    await page.fill('#api-key', key);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    log('page loads');
    const loads = await pageLoads(page, server.url);
    log('scrolling the deals table');
    const scroll = await scrollToEnd(page, server.url);
    return { page_load: loads, pipeline_scroll: scroll };
  } finally {
    await context.close();
    await server.terminate();
  }
}

if (!existsSync(CHROMIUM)) {
  console.error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set PANDORA_CHROMIUM)`);
  process.exit(2);
}
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
const out: Record<string, unknown> = { bench: 'console', deals: DEALS, loads: LOADS };
try {
  const dataDir = await mkdtemp(join(tmpdir(), 'pandora-console-bench-'));
  try {
    out.embedded = await measure(browser, { dataDir });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  if (process.env.DATABASE_URL) {
    const scratch = await createScratchDb(process.env.DATABASE_URL, 'pandora_bench_console', 1);
    try {
      out.server = await measure(browser, { databaseUrl: scratch.url });
    } finally {
      await scratch.drop();
    }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
