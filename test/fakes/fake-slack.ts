/**
 * A fake Slack: the Web API's chat.postMessage / chat.update (bearer token, `{ok:false, error}` answers
 * on HTTP 200, Block Kit limits checked as Slack does: invalid_blocks, msg_blocks_too_long,
 * msg_too_long; channel_not_found, not_in_channel; 429 + Retry-After when a channel is posted to faster
 * than once a second in strict mode) and incoming webhooks (`ok` / plain-text errors).
 */
import { type FakeHandler, type FakeRequest, type FakeServer, startFakeServer } from './fake-server.ts';

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks: any[];
  via: 'api' | 'webhook';
}

export interface FakeSlack extends FakeServer {
  apiUrl: string;
  webhookUrl: string;
  messages: FakeSlackMessage[];
  /** Posts refused by the per-channel pace. */
  paced: number;
}

export interface FakeSlackOptions {
  token?: string;
  /** Channels the bot is a member of; `outsider` channels exist but the bot is not in them. */
  channels?: string[];
  outsider?: string[];
  /** Answer 429 to a second post to one channel within a second. */
  strictPace?: boolean;
}

function blockProblems(blocks: any[]): string | null {
  if (!Array.isArray(blocks)) return 'invalid_blocks_format';
  if (blocks.length > 50) return 'invalid_blocks';
  let total = 0;
  for (const b of blocks) {
    if (b.type === 'header') {
      if (typeof b.text?.text !== 'string' || b.text.text.length > 150 || b.text.text.length === 0)
        return 'invalid_blocks';
      total += b.text.text.length;
    } else if (b.type === 'section') {
      if (!b.text && !b.fields) return 'invalid_blocks';
      if (b.text && (b.text.text.length > 3000 || b.text.text.length === 0)) return 'invalid_blocks';
      if (
        b.fields &&
        (b.fields.length > 10 || b.fields.some((f: any) => f.text.length > 2000 || f.text.length === 0))
      )
        return 'invalid_blocks';
      total +=
        (b.text?.text.length ?? 0) + (b.fields ?? []).reduce((n: number, f: any) => n + f.text.length, 0);
    } else if (b.type === 'context') {
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10)
        return 'invalid_blocks';
      total += b.elements.reduce((n: number, e: any) => n + e.text.length, 0);
    } else if (b.type !== 'divider') return 'invalid_blocks';
  }
  return total > 12_000 ? 'msg_blocks_too_long' : null;
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const token = opts.token ?? 'xoxb-fake-slack-token-0001';
  const members = new Set(opts.channels ?? ['C0SALES01', 'C0FORECAST', 'general']);
  const outsiders = new Set(opts.outsider ?? ['C0PRIVATE1']);
  const messages: FakeSlackMessage[] = [];
  const lastPost = new Map<string, number>();
  let seq = 1_700_000_000;
  const state = { paced: 0 };

  function post(req: FakeRequest, via: 'api' | 'webhook', channel: string) {
    const body = req.body as any;
    const problem = blockProblems(body?.blocks ?? []);
    if (problem) return problem;
    if (typeof body?.text === 'string' && body.text.length > 40_000) return 'msg_too_long';
    const ts = `${seq++}.000100`;
    messages.push({
      channel,
      ts,
      thread_ts: body.thread_ts,
      text: body.text,
      blocks: body.blocks ?? [],
      via,
    });
    return { ts };
  }

  const server = await startFakeServer((req): ReturnType<FakeHandler> => {
    if (req.path.startsWith('/services/')) {
      if (req.path !== '/services/T000/B000/webhooksecret')
        return { status: 404, text: 'no_service', headers: { 'content-type': 'text/plain' } };
      const out = post(req, 'webhook', 'webhook-channel');
      if (typeof out === 'string')
        return { status: 400, text: 'invalid_payload', headers: { 'content-type': 'text/plain' } };
      return { text: 'ok', headers: { 'content-type': 'text/plain' } };
    }
    const method = req.path.replace(/^\/api\//, '');
    if (req.headers.authorization !== `Bearer ${token}`)
      return { json: { ok: false, error: 'invalid_auth' } };
    const body = req.body as any;
    const channel = String(body?.channel ?? '');
    if (outsiders.has(channel)) return { json: { ok: false, error: 'not_in_channel' } };
    if (!members.has(channel)) return { json: { ok: false, error: 'channel_not_found' } };
    if (method === 'chat.postMessage') {
      const now = Date.now();
      if (opts.strictPace && now - (lastPost.get(channel) ?? 0) < 1000) {
        state.paced++;
        return { status: 429, json: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '1' } };
      }
      lastPost.set(channel, now);
      const out = post(req, 'api', channel);
      if (typeof out === 'string') return { json: { ok: false, error: out } };
      return { json: { ok: true, channel, ts: out.ts, message: { text: body.text, ts: out.ts } } };
    }
    if (method === 'chat.update') {
      const m = messages.find((x) => x.channel === channel && x.ts === body.ts);
      if (!m) return { json: { ok: false, error: 'message_not_found' } };
      const problem = blockProblems(body.blocks ?? []);
      if (problem) return { json: { ok: false, error: problem } };
      m.text = body.text;
      m.blocks = body.blocks ?? [];
      return { json: { ok: true, channel, ts: m.ts, text: m.text } };
    }
    return { json: { ok: false, error: 'unknown_method' } };
  });
  const fake = Object.assign(server, {
    apiUrl: `${server.url}/api`,
    webhookUrl: `${server.url}/services/T000/B000/webhooksecret`,
    messages,
    paced: 0,
  });
  Object.defineProperty(fake, 'paced', { get: () => state.paced });
  return fake;
}
