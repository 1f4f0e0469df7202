/**
 * Posting a finished skill run to the workspace's Slack: the first message to the skill's channel, the
 * rest in its thread. The outcome (channel, ts, or the error) is recorded on the run; a failed post never
 * fails the run.
 */
import type { Config } from '../../config.ts';
import type { CredentialVault } from '../../connectors/credential-vault.ts';
import type { Db } from '../../db/db.ts';
import { withWorkspace } from '../../db/tenant-scope.ts';
import type { Logger } from '../../logger.ts';
import { getSkillRun, recordSkillRunDelivery, type SkillRun } from '../../skills/skill-runs.ts';
import type { SlackMessage } from './block-kit.ts';
import { tenantFetch } from '../tenant-url.ts';
import { createSlackClient, type SlackClient, type SlackDestination } from './slack-client.ts';
import { formatSkillRunForSlack } from './skill-formatters.ts';
import { loadSlackSettings, type SlackSettings } from './slack-settings.ts';

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

/** One client per process, so the per-channel pace holds across every run this process posts. */
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

export function runUrl(config: Config, workspaceId: string, runId: string): string | undefined {
  return config.publicUrl
    ? `${config.publicUrl.replace(/\/$/, '')}/api/workspaces/${workspaceId}/skill-runs/${runId}`
    : undefined;
}

export function slackMessagesForRun(config: Config, run: SkillRun, workspaceId: string): SlackMessage[] {
  return formatSkillRunForSlack(run, runUrl(config, workspaceId, run.id));
}

function destination(settings: SlackSettings, skillId: string): SlackDestination | string {
  const { bot_token, webhook_url } = settings.credentials;
  if (webhook_url) return { mode: 'webhook', url: webhook_url };
  const channel = settings.channels[skillId] ?? settings.defaultChannel;
  if (!bot_token) return 'no Slack token or webhook URL is stored';
  if (!channel) return `no channel is set for ${skillId} and there is no default channel`;
  return { mode: 'bot', token: bot_token, channel: channel.replace(/^#/, '') };
}

async function postMessages(client: SlackClient, dest: SlackDestination, messages: SlackMessage[]) {
  const first = await client.post(dest, messages[0]!);
  for (const more of messages.slice(1)) {
    // Webhook posts return no ts: continuations follow as plain messages in the same channel.
    await client.post(dest, more, first.ts ?? undefined);
  }
  return first;
}

/**
 * Posts the run when Slack is configured and on for its skill (or `force`, for an explicit request).
 * Returns the outcome it recorded, or null when Slack is not configured at all.
 */
export async function postSkillRunToSlack(
  deps: SlackPostDeps,
  workspaceId: string,
  runId: string,
  opts: { force?: boolean } = {},
): Promise<SlackPostOutcome | null> {
  const { settings, run } = await withWorkspace(deps.db, workspaceId, async (tx) => ({
    settings: await loadSlackSettings(tx, workspaceId, deps.vault),
    run: await getSkillRun(tx, workspaceId, runId),
  }));
  if (!settings) return null;
  if (!opts.force && (!settings.enabled || settings.skills[run.skill_id] === false)) return null;
  const at = () => new Date().toISOString();
  let outcome: SlackPostOutcome;
  const dest = destination(settings, run.skill_id);
  if (typeof dest === 'string') outcome = { status: 'skipped', reason: dest, at: at() };
  else {
    const messages = slackMessagesForRun(deps.config, run, workspaceId);
    try {
      const first = await postMessages(slackClient(deps.config), dest, messages);
      outcome = {
        status: 'posted',
        channel: first.channel,
        ts: first.ts,
        messages: messages.length,
        at: at(),
      };
    } catch (err) {
      deps.log.warn({ workspaceId, runId, err: (err as Error).message }, 'slack post failed');
      outcome = { status: 'failed', reason: (err as Error).message, at: at() };
    }
  }
  await withWorkspace(deps.db, workspaceId, (tx) =>
    recordSkillRunDelivery(tx, workspaceId, runId, 'slack', { ...outcome }),
  );
  return outcome;
}
