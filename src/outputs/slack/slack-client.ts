/**
 * Posting to Slack: `chat.postMessage` / `chat.update` with a bot token, or an incoming-webhook URL.
 * Slack answers API errors as HTTP 200 `{ok: false, error}` and webhook errors as plain text; both become
 * a SlackError naming what to fix. 429 is retried after `Retry-After`; posts to one channel are paced at
 * one per second, Slack's documented rate for chat.postMessage.
 */
import { UpstreamError } from '../../errors.ts';
import type { OutboundFetch } from '../../outbound/outbound-fetch.ts';
import { OutboundUrlRefusedError } from '../../outbound/outbound-policy.ts';
import type { SlackMessage } from './block-kit.ts';

export type SlackDestination =
  | { mode: 'bot'; token: string; channel: string }
  | { mode: 'webhook'; url: string };

export interface PostedMessage {
  /** The message's timestamp id; null in webhook mode, which does not return one. */
  ts: string | null;
  channel: string | null;
}

const EXPLAIN: Readonly<Record<string, string>> = {
  channel_not_found: 'the channel does not exist, or the app cannot see it (private channels need an invite)',
  not_in_channel: 'the app is not a member of the channel: invite it, or grant chat:write.public',
  is_archived: 'the channel is archived',
  invalid_auth: 'the bot token is not valid',
  not_authed: 'no bot token was sent',
  token_revoked: 'the bot token was revoked',
  account_inactive: 'the bot token belongs to a deactivated app or user',
  missing_scope: 'the bot token lacks the chat:write scope',
  msg_too_long: 'the message is too long',
  msg_blocks_too_long: 'the message blocks hold too much text',
  invalid_blocks: 'Slack refused the message blocks',
  ratelimited: 'Slack kept rate-limiting the posts',
  no_service: 'the incoming webhook was removed or disabled',
  invalid_token: 'the incoming webhook URL is not valid',
  channel_is_archived: "the incoming webhook's channel is archived",
  invalid_payload: 'Slack could not read the message',
};

/** A post Slack refused; `slackCode` is Slack's own error code (`channel_not_found`, …). */
export class SlackError extends UpstreamError {
  constructor(
    readonly slackCode: string,
    status: number,
  ) {
    super('slack', status, '', `Slack: ${slackCode}${EXPLAIN[slackCode] ? ` (${EXPLAIN[slackCode]})` : ''}`);
  }
}

export interface SlackClientOptions {
  /** Web API base, e.g. https://slack.com/api (PANDORA_SLACK_BASE_URL overrides it). */
  apiBaseUrl: string;
  timeoutMs: number;
  /** Attempts after a 429 or 5xx before giving up. */
  maxRetries?: number;
  /** Longest wait honoured from Retry-After, so a worker is never parked for minutes. */
  maxRetryAfterMs?: number;
  /** Posts to one channel at most this often. */
  channelIntervalMs?: number;
  /** The policy-guarded fetch for tenant-supplied URLs (incoming webhooks); the API base is operator config. */
  tenantFetch: OutboundFetch;
}

export interface SlackClient {
  post(dest: SlackDestination, message: SlackMessage, threadTs?: string): Promise<PostedMessage>;
  update(dest: Extract<SlackDestination, { mode: 'bot' }>, ts: string, message: SlackMessage): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createSlackClient(options: SlackClientOptions): SlackClient {
  const maxRetries = options.maxRetries ?? 3;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
  const interval = options.channelIntervalMs ?? 1000;
  // Per channel: when the last post may be followed (a promise chain keeps posts to one channel in order).
  const pace = new Map<string, Promise<void>>();

  async function paced<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = pace.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    pace.set(key, mine);
    await before;
    try {
      return await fn();
    } finally {
      setTimeout(() => {
        release();
        if (pace.get(key) === mine) pace.delete(key);
      }, interval).unref();
    }
  }

  async function send(
    url: string,
    headers: Record<string, string>,
    body: unknown,
    tenantUrl: boolean,
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      const init: RequestInit = {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs),
      };
      try {
        res = tenantUrl
          ? await options.tenantFetch(new URL(url), init)
          : await fetch(url, { ...init, redirect: 'error' });
      } catch (err) {
        if (err instanceof OutboundUrlRefusedError) throw err;
        if (attempt >= maxRetries)
          throw new UpstreamError('slack', 0, '', `Slack unreachable: ${(err as Error).message}`);
        await sleep(250 * 2 ** attempt);
        continue;
      }
      if (res.status !== 429 && res.status < 500) return res;
      await res.body?.cancel();
      if (attempt >= maxRetries)
        throw new SlackError(res.status === 429 ? 'ratelimited' : `http_${res.status}`, res.status);
      const retryAfter = Number(res.headers.get('retry-after'));
      const wait = res.status === 429 && Number.isFinite(retryAfter) ? retryAfter * 1000 : 250 * 2 ** attempt;
      await sleep(Math.min(wait, maxRetryAfterMs));
    }
  }

  async function callApi(method: string, token: string, body: Record<string, unknown>) {
    const res = await send(
      `${options.apiBaseUrl.replace(/\/$/, '')}/${method}`,
      { authorization: `Bearer ${token}` },
      body,
      false,
    );
    let parsed: { ok?: unknown; error?: unknown; ts?: unknown; channel?: unknown };
    try {
      parsed = (await res.json()) as typeof parsed;
    } catch {
      throw new SlackError('malformed_response', res.status);
    }
    if (parsed.ok !== true)
      throw new SlackError(typeof parsed.error === 'string' ? parsed.error : 'unknown_error', res.status);
    return parsed;
  }

  return {
    post(dest, message, threadTs) {
      if (dest.mode === 'bot') {
        return paced(`bot:${dest.channel}`, async () => {
          const r = await callApi('chat.postMessage', dest.token, {
            channel: dest.channel,
            text: message.text,
            blocks: message.blocks,
            unfurl_links: false,
            ...(threadTs ? { thread_ts: threadTs } : {}),
          });
          return {
            ts: typeof r.ts === 'string' ? r.ts : null,
            channel: typeof r.channel === 'string' ? r.channel : dest.channel,
          };
        });
      }
      return paced(`webhook:${dest.url}`, async () => {
        const res = await send(
          dest.url,
          {},
          { text: message.text, blocks: message.blocks, unfurl_links: false },
          true,
        );
        const text = (await res.text()).trim();
        if (res.status !== 200)
          throw new SlackError(/^[a-z_]{1,60}$/.test(text) ? text : `http_${res.status}`, res.status);
        return { ts: null, channel: null };
      });
    },
    async update(dest, ts, message) {
      await callApi('chat.update', dest.token, {
        channel: dest.channel,
        ts,
        text: message.text,
        blocks: message.blocks,
      });
    },
  };
}
