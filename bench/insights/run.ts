/**
 * bench:insights — precision and recall per insight type against the generator's planted facts, for the
 * offline rules and for a model behind the fake Fireworks server (a naive model that also paraphrases
 * quotes and obeys injected instructions, so verification has work to do); tokens per conversation;
 * time per 1,000 conversations; and a second run through the database that must spend 0 tokens.
 * Usage: node --import tsx bench/insights/run.ts [conversations=300]
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.ts';
import { createCredentialVault } from '../../src/connectors/credential-vault.ts';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { createPgliteDb } from '../../src/db/pglite-driver.ts';
import { migrate } from '../../src/db/migrate.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { generateTranscript } from '../../src/generator/transcripts.ts';
import { extractInsights } from '../../src/insights/extract-insights.ts';
import type { TranscriptLine } from '../../src/insights/insight-types.ts';
import { createLlmSession } from '../../src/llm/llm-client.ts';
import { extractWithModel } from '../../src/insights/model-extractor.ts';
import { extractOffline } from '../../src/insights/offline-extractor.ts';
import { createLogger } from '../../src/logger.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { startFakeLlmServer } from '../../test/fakes/fake-llm-server.ts';
import { emptyTally, scores, tallyConversation } from './insight-scoring.ts';

const N = Number(process.argv[2] ?? 300);
const log = createLogger('silent');
const vault = createCredentialVault(randomBytes(32));
const DAY = 86_400_000;

function world(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const callAt = Date.UTC(2025, 0, 6, 15) + i * DAY * 0.37;
    const g = generateTranscript({
      seed: 42,
      key: `bench-${i}`,
      callAt,
      seller: { name: 'Sam Seller', speakerId: 's' },
      buyers: [
        { name: 'Bea Buyer', speakerId: 'b1' },
        { name: 'Bo Byrne', speakerId: 'b2' },
      ],
      otherDealName: i % 3 === 0 ? 'Support Renewal' : null,
    });
    const lines: TranscriptLine[] = g.segments.map((s, index) => ({
      index,
      speaker: s.speaker_name,
      role: s.speaker_id === 's' ? 'seller' : 'buyer',
      start: s.start,
      text: s.text,
    }));
    return { callAt, g, lines };
  });
}

/** A naive model: every line with a keyword becomes an insight (no negation or speaker sense), one in five quotes is paraphrased, and injected instructions are obeyed. */
function naiveModel(_system: string, user: string): string {
  const block = user.match(/<data label="segments"[^>]*>\n([\s\S]*?)\n<\/data>/)?.[1] ?? '';
  const insights: unknown[] = [];
  for (const [k, line] of block.split('\n').entries()) {
    const seg = JSON.parse(line) as { i: number; text: string };
    const text = seg.text.replace(/^(Yeah\.|Right\.|So,|Okay\.)\s+/, '');
    const paraphrase = k % 5 === 4;
    const quote = paraphrase ? text.toLowerCase().replace(/\bwe\b/, 'they') : text;
    const comp =
      /\b(?:evaluating|trial of|looking at|considered|bring in|moving off)\s+([A-Z]\w+)|^([A-Z]\w+) (?:sent|is the other)/.exec(
        text,
      );
    if (comp)
      insights.push({ type: 'competitors', value: { name: comp[1] ?? comp[2] }, quote, segment: seg.i });
    const amount = /\$([\d,]+)|(\d+)k\b|(\d+) thousand dollars/.exec(text);
    if (amount) {
      const v = amount[1] ? Number(amount[1].replaceAll(',', '')) : Number(amount[2] ?? amount[3]) * 1000;
      insights.push({ type: 'budget', value: { amount: v, currency: 'USD' }, quote, segment: seg.i });
    }
    if (/concern|worried|sticking point/i.test(text))
      insights.push({ type: 'objections', value: { topic: 'other', text }, quote, segment: seg.i });
    if (/acme corp|zendesk/i.test(text))
      insights.push({
        type: 'competitors',
        value: { name: /zendesk/i.test(text) ? 'Zendesk' : 'Acme Corp' },
        quote: 'Acme Corp is our vendor',
        segment: seg.i,
      });
  }
  return JSON.stringify({ insights });
}

async function scoreModel(items: ReturnType<typeof world>) {
  const fake = await startFakeLlmServer('fireworks');
  fake.answer = naiveModel;
  const db = await createPgliteDb();
  await migrate(db);
  const ws = (await db.transaction((tx) => createWorkspace(tx, { name: 'bench-model' }))).id;
  const config = loadConfig({
    FIREWORKS_API_KEY: 'fw_benchkey0123456789abcdef',
    PANDORA_FIREWORKS_BASE_URL: fake.url,
  });
  const llm = createLlmSession({ db, config: config.llm, vault, log }, ws);
  const tally = emptyTally();
  let tokens = 0;
  let rejected = 0;
  const started = performance.now();
  for (const it of items) {
    const out = await extractWithModel(llm, it.lines, {
      callDate: new Date(it.callAt),
      knownCompetitors: [],
      dealName: null,
    });
    tokens += out.input_tokens + out.output_tokens;
    rejected += out.quotes_rejected;
    tallyConversation(tally, it.g.facts, out.insights);
  }
  const ms = performance.now() - started;
  await fake.close();
  await db.close();
  return {
    scores: scores(tally),
    tokens_per_conversation: Math.round(tokens / items.length),
    quotes_rejected: rejected,
    ms_per_1000: Math.round((ms / items.length) * 1000),
  };
}

/** The whole path through a database: conversations with cached transcripts, extracted, then again. */
async function throughDb(items: ReturnType<typeof world>, backend: 'pglite' | 'server') {
  const url = process.env.DATABASE_URL;
  const db = backend === 'pglite' ? await createPgliteDb() : createPgDb(url!, 4);
  await migrate(db);
  const ws = (await db.transaction((tx) => createWorkspace(tx, { name: `bench-${Date.now()}` }))).id;
  await withWorkspace(db, ws, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO deals (workspace_id, source, source_id, name) SELECT $1, 'bench', 'd' || g, 'Deal ' || g FROM generate_series(1, $2::int) g RETURNING id`,
      [ws, Math.ceil(items.length / 3)],
    );
    await tx.query(
      `INSERT INTO conversations (workspace_id, source, source_id, started_at, participants, deal_id, link_method, is_internal, transcript_status, transcript)
       SELECT $1, 'gong', x.sid, x.at, $3::jsonb, (x.deal)::uuid, 'manual', false, 'fetched', x.t
       FROM jsonb_to_recordset($2::jsonb) AS x(sid text, at timestamptz, deal text, t jsonb)`,
      [
        ws,
        JSON.stringify(
          items.map((it, i) => ({
            sid: `b${i}`,
            at: new Date(it.callAt).toISOString(),
            deal: rows[i % rows.length]!.id,
            t: { segments: it.g.segments },
          })),
        ),
        JSON.stringify([
          { name: 'Sam Seller', speaker_id: 's', affiliation: 'internal' },
          { name: 'Bea Buyer', speaker_id: 'b1', affiliation: 'external' },
          { name: 'Bo Byrne', speaker_id: 'b2', affiliation: 'external' },
        ]),
      ],
    );
  });
  const deps = { db, config: loadConfig({}), vault, log };
  let t0 = performance.now();
  const first = await extractInsights(deps, ws, { kind: 'pending' });
  const firstMs = performance.now() - t0;
  t0 = performance.now();
  const all = await extractInsights(deps, ws, { kind: 'pending' });
  const secondMs = performance.now() - t0;
  const unverifiable = await withWorkspace(db, ws, async (tx) => {
    const { rows } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM deal_insights i JOIN conversations c ON c.workspace_id = i.workspace_id AND c.id = i.conversation_id
       WHERE i.workspace_id = $1 AND position(i.quote IN regexp_replace(c.transcript->'segments'->i.segment_index->>'text', '\\s+', ' ', 'g')) = 0`,
      [ws],
    );
    return rows[0]!.n;
  });
  await db.close();
  return {
    backend,
    conversations: items.length,
    first_run: {
      extracted: first.extracted,
      insights: first.insights_written,
      ms_per_1000: Math.round((firstMs / items.length) * 1000),
      tokens: first.input_tokens + first.output_tokens,
    },
    second_run: {
      pending: all.conversations,
      written: all.insights_written,
      tokens: all.input_tokens + all.output_tokens,
      ms: Math.round(secondMs),
    },
    unverifiable_quotes_stored: unverifiable,
  };
}

const items = world(N);
const t0 = performance.now();
const tally = emptyTally();
for (const it of items)
  tallyConversation(
    tally,
    it.g.facts,
    extractOffline(it.lines, { callDate: new Date(it.callAt), knownCompetitors: [] }).insights,
  );
const offlineMs = performance.now() - t0;
console.log(
  JSON.stringify({
    bench: 'insights',
    part: 'offline',
    conversations: N,
    ms_per_1000: Math.round((offlineMs / N) * 1000),
    tokens_per_conversation: 0,
    scores: scores(tally),
  }),
);
console.log(
  JSON.stringify({
    bench: 'insights',
    part: 'model (fake server, naive model)',
    conversations: N,
    ...(await scoreModel(items)),
  }),
);
console.log(JSON.stringify({ bench: 'insights', part: 'database', ...(await throughDb(items, 'pglite')) }));
if (process.env.DATABASE_URL)
  console.log(JSON.stringify({ bench: 'insights', part: 'database', ...(await throughDb(items, 'server')) }));
