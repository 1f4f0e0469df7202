/**
 * bench:insights — precision and recall per insight type against the generator's planted facts, for the
 * offline rules and for a model behind the fake Fireworks server (a naive model that also paraphrases
 * quotes and obeys injected instructions, so verification has work to do); tokens per conversation;
 * time per 1,000 conversations; and a second run through the database that must spend 0 tokens.
 * The offline rules were tuned on the conversations of seed 42; the held-out figures come from a seed
 * never used while tuning, with other speakers and call dates, and from a generated world's calls
 * (real participants: the speaker's side comes from affiliations or e-mail domains, or stays unknown).
 * The database part runs the held-out set on PGlite and, with DATABASE_URL, on the server.
 * Usage: node --import tsx bench/insights/run.ts [conversations=300]
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { createCredentialVault } from '../../src/connectors/credential-vault.ts';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { createPgliteDb } from '../../src/db/pglite-driver.ts';
import { migrate } from '../../src/db/migrate.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { readTruthFile } from '../../src/generator/ground-truth.ts';
import { generateTranscript } from '../../src/generator/transcripts.ts';
import { generateWorld } from '../../src/generator/world.ts';
import { extractInsights } from '../../src/insights/extract-insights.ts';
import type { InsightType, TranscriptLine } from '../../src/insights/insight-types.ts';
import { createLlmSession } from '../../src/llm/llm-client.ts';
import { extractWithModel } from '../../src/insights/model-extractor.ts';
import { extractOffline } from '../../src/insights/offline-extractor.ts';
import { type Participant, transcriptLines } from '../../src/insights/transcript-lines.ts';
import type { Transcript } from '../../src/connectors/adapter.ts';
import { createLogger } from '../../src/logger.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { startFakeLlmServer } from '../../test/fakes/fake-llm-server.ts';
import { emptyTally, scores, tallyConversation } from './insight-scoring.ts';

const N = Number(process.argv[2] ?? 300);
const log = createLogger('silent');
const vault = createCredentialVault(randomBytes(32));
const DAY = 86_400_000;

const TUNING_SEED = 42;
// Never used while the offline rules were written or tuned.
const HELD_OUT_SEED = 20261206;

interface SetSpec {
  seed: number;
  firstCall: number;
  seller: { name: string; speakerId: string };
  buyers: Array<{ name: string; speakerId: string }>;
  otherDeal: (i: number) => string | null;
}

const TUNING: SetSpec = {
  seed: TUNING_SEED,
  firstCall: Date.UTC(2025, 0, 6, 15),
  seller: { name: 'Sam Seller', speakerId: 's' },
  buyers: [
    { name: 'Bea Buyer', speakerId: 'b1' },
    { name: 'Bo Byrne', speakerId: 'b2' },
  ],
  otherDeal: (i) => (i % 3 === 0 ? 'Support Renewal' : null),
};
const HELD_OUT: SetSpec = {
  seed: HELD_OUT_SEED,
  firstCall: Date.UTC(2026, 2, 3, 9),
  seller: { name: 'Noor Haddad', speakerId: 'x7' },
  buyers: [
    { name: 'Lena Park', speakerId: 'p1' },
    { name: 'Omar Diallo', speakerId: 'p2' },
    { name: 'Ines Costa', speakerId: 'p3' },
  ],
  otherDeal: (i) => (i % 4 === 1 ? 'Data Platform' : null),
};

function world(n: number, set: SetSpec) {
  return Array.from({ length: n }, (_, i) => {
    const callAt = set.firstCall + i * DAY * 0.37;
    const g = generateTranscript({
      seed: set.seed,
      key: `bench-${i}`,
      callAt,
      seller: set.seller,
      buyers: set.buyers,
      otherDealName: set.otherDeal(i),
    });
    const lines: TranscriptLine[] = g.segments.map((s, index) => ({
      index,
      speaker: s.speaker_name,
      role: s.speaker_id === set.seller.speakerId ? 'seller' : 'buyer',
      start: s.start,
      text: s.text,
    }));
    return { callAt, g, lines };
  });
}

function scoreOffline(items: ReturnType<typeof world>) {
  const t0 = performance.now();
  const tally = emptyTally();
  for (const it of items)
    tallyConversation(
      tally,
      it.g.facts,
      extractOffline(it.lines, { callDate: new Date(it.callAt), knownCompetitors: [] }).insights,
    );
  return {
    conversations: items.length,
    ms_per_1000: Math.round(((performance.now() - t0) / items.length) * 1000),
    tokens_per_conversation: 0,
    scores: scores(tally),
  };
}

/**
 * A generated world's external calls (held-out seed), read back as stored: the speaker's side comes from
 * the participants (Gong affiliations, e-mail domains), and calls recorded without e-mails have none.
 */
async function scoreGeneratedWorld(deals: number) {
  const db = await createPgliteDb();
  await migrate(db);
  const ws = (await db.transaction((tx) => createWorkspace(tx, { name: 'bench-world' }))).id;
  const truthFile = join(tmpdir(), `pandora-bench-insights-${process.pid}.jsonl`);
  try {
    const world = await generateWorld(db, ws, {
      deals,
      seed: HELD_OUT_SEED,
      transcripts: true,
      truthFile,
    });
    const calls = await withWorkspace(db, ws, async (tx) => {
      const { rows } = await tx.query<{
        key: string;
        started_at: Date;
        participants: Participant[];
        transcript: Transcript;
      }>(
        `SELECT source || ':' || source_id AS key, started_at, participants, transcript FROM conversations
         WHERE workspace_id = $1 AND transcript IS NOT NULL`,
        [ws],
      );
      return new Map(rows.map((r) => [r.key, r]));
    });
    const internal = new Set([world.internalDomain]);
    const tally = emptyTally();
    let unknownSides = 0;
    let n = 0;
    const t0 = performance.now();
    for (const truth of await readTruthFile(truthFile)) {
      if (!truth.facts) continue;
      const call = calls.get(`${truth.source}:${truth.source_id}`)!;
      const lines = transcriptLines(call.transcript, call.participants, internal);
      if (lines.some((l) => l.role === 'unknown')) unknownSides++;
      const out = extractOffline(lines, { callDate: new Date(call.started_at), knownCompetitors: [] });
      tallyConversation(tally, truth.facts, out.insights);
      n++;
    }
    return {
      deals,
      conversations: n,
      calls_with_unknown_speaker_side: unknownSides,
      ms_per_1000: Math.round(((performance.now() - t0) / n) * 1000),
      scores: scores(tally),
    };
  } finally {
    await rm(truthFile, { force: true });
    await db.close();
  }
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
async function throughDb(items: ReturnType<typeof world>, set: SetSpec, backend: 'pglite' | 'server') {
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
          { name: set.seller.name, speaker_id: set.seller.speakerId, affiliation: 'internal' },
          ...set.buyers.map((b) => ({ name: b.name, speaker_id: b.speakerId, affiliation: 'external' })),
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
  // Every row the first run stored (a later call's statement may have superseded some: they still count).
  const stored = await withWorkspace(db, ws, async (tx) => {
    const { rows } = await tx.query<{ sid: string; type: InsightType; value_key: string; quote: string }>(
      `SELECT c.source_id AS sid, i.insight_type AS type, i.value_key, i.quote FROM deal_insights i
       JOIN conversations c ON c.workspace_id = i.workspace_id AND c.id = i.conversation_id
       WHERE i.workspace_id = $1`,
      [ws],
    );
    return rows;
  });
  const tally = emptyTally();
  items.forEach((it, i) => {
    tallyConversation(
      tally,
      it.g.facts,
      stored.filter((r) => r.sid === `b${i}`),
    );
  });
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
    scores_of_stored_rows: scores(tally),
  };
}

const items = world(N, TUNING);
const heldOut = world(N, HELD_OUT);
const print = (part: string, figures: object) =>
  console.log(JSON.stringify({ bench: 'insights', part, ...figures }));
print(`offline, tuning set (seed ${TUNING_SEED})`, scoreOffline(items));
print(`offline, held-out set (seed ${HELD_OUT_SEED})`, scoreOffline(heldOut));
print(
  `offline, generated world's calls (seed ${HELD_OUT_SEED})`,
  await scoreGeneratedWorld(Math.max(50, Math.round(N / 2))),
);
print('model (fake server, naive model), tuning set', { conversations: N, ...(await scoreModel(items)) });
print(`database, held-out set (seed ${HELD_OUT_SEED})`, await throughDb(heldOut, HELD_OUT, 'pglite'));
if (process.env.DATABASE_URL)
  print(`database, held-out set (seed ${HELD_OUT_SEED})`, await throughDb(heldOut, HELD_OUT, 'server'));
else print('database', { backend: 'server', skipped: 'DATABASE_URL is not set' });
