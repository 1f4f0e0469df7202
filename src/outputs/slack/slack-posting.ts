/**
 * The one posting path to a workspace's Slack, shared by skill runs and the deal-insights digest: the
 * settings decide whether something posts on its own (`postsAutomatically`) and where it goes (its key's
 * channel, else the default; a webhook's fixed channel); the first message goes to the channel, the rest
 * into its thread. A failed post is an outcome, never a thrown error.
 */
import type { Config } from '../../config.ts';
import type { CredentialVault } from '../../connectors/credential-vault.ts';
import type { Db } from '../../db/db.ts';
import type { Logger } from '../../logger.ts';
import { tenantFetch } from '../tenant-url.ts';
import type { SlackMessage } from './block-kit.ts';
import { createSlackClient, type SlackClient, type SlackDestination } from './slack-client.ts';
import type { SlackSettings } from './slack-settings.ts';

export interface SlackPostDeps {
  db: Db;
  config: Config;
  log: Logger;
  vault: CredentialVault;
}

export interface SlackPostOutcome {
  status: 'posted' | 'failed' | 'skipped';
  channel?: string | null;
  ts?: string | null;
  messages?: number;
  reason?: string;
  at: string;
}

let sharedClient: { key: string; client: SlackClient } | undefined;

/** One client per process, so the per-channel pace holds across everything this process posts. */
function slackClient(config: Config): SlackClient {
  const apiBaseUrl = config.connectorBaseUrls.slack ?? 'https://slack.com/api';
  const key = `${apiBaseUrl}|${config.httpTimeoutMs}|${JSON.stringify(config.outbound)}`;
  if (sharedClient?.key !== key)
    sharedClient = {
      key,
      client: createSlackClient({
        apiBaseUrl,
        timeoutMs: config.httpTimeoutMs,
        tenantFetch: tenantFetch(config),
      }),
    };
  return sharedClient.client;
}

/**
 * Where `key` (a skill id, or `deal-insights` for the digest) posts, or why it cannot: a webhook has one
 * fixed channel; a bot token needs the key's channel or the default one.
 */
export function slackDestination(settings: SlackSettings, key: string): SlackDestination | string {
  const { bot_token, webhook_url } = settings.credentials;
  if (webhook_url) return { mode: 'webhook', url: webhook_url };
  const channel = settings.channels[key] ?? settings.defaultChannel;
  if (!bot_token) return 'no Slack token or webhook URL is stored';
  if (!channel) return `no channel is set for ${key} and there is no default channel`;
  return { mode: 'bot', token: bot_token, channel: channel.replace(/^#/, '') };
}

/** Whether `key` posts without being asked: Slack is on and the key is not turned off. */
export function postsAutomatically(settings: SlackSettings, key: string): boolean {
  return settings.enabled && settings.skills[key] !== false;
}

/** Posts the messages under `key`'s destination and says what happened; never throws for Slack's answers. */
export async function postToWorkspaceSlack(
  deps: Pick<SlackPostDeps, 'config' | 'log'>,
  settings: SlackSettings,
  key: string,
  messages: SlackMessage[],
  logContext: Record<string, unknown>,
): Promise<SlackPostOutcome> {
  const at = () => new Date().toISOString();
  const dest = slackDestination(settings, key);
  if (typeof dest === 'string') return { status: 'skipped', reason: dest, at: at() };
  const client = slackClient(deps.config);
  try {
    const first = await client.post(dest, messages[0]!);
    for (const more of messages.slice(1)) {
      // Webhook posts return no ts: continuations follow as plain messages in the same channel.
      await client.post(dest, more, first.ts ?? undefined);
    }
    return { status: 'posted', channel: first.channel, ts: first.ts, messages: messages.length, at: at() };
  } catch (err) {
    deps.log.warn({ ...logContext, key, err: (err as Error).message }, 'slack post failed');
    return { status: 'failed', reason: (err as Error).message, at: at() };
  }
}
