/**
 * A workspace's Slack settings: a bot token (posts to channels, continues in threads) or an incoming
 * webhook URL (one fixed channel, no threads); a channel per skill, each skill on or off. The token and
 * URL are encrypted at rest and never returned.
 */
import { z } from 'zod';
import type { CredentialVault } from '../../connectors/credential-vault.ts';
import type { Queryable } from '../../db/db.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';

const skillId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'not a skill id');
// A channel id (C…, G…, D…) or a name (#sales-leaders or sales-leaders).
const channel = z
  .string()
  .regex(/^(#?[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{6,20})$/, 'not a Slack channel id or name');

export const slackSettingsBody = z
  .object({
    bot_token: z
      .string()
      .regex(/^xox[abpe]-[A-Za-z0-9-]{10,250}$/, 'not a Slack bot token (xoxb-…)')
      .optional(),
    webhook_url: z.string().url().max(500).optional(),
    enabled: z.boolean().optional(),
    default_channel: channel.nullable().optional(),
    channels: z.record(skillId, channel.nullable()).optional(),
    skills: z.record(skillId, z.boolean()).optional(),
  })
  .strict()
  .refine((b) => !(b.bot_token && b.webhook_url), {
    message: 'give a bot_token or a webhook_url, not both',
  });
export type SlackSettingsBody = z.infer<typeof slackSettingsBody>;

interface SlackCredentials {
  bot_token?: string;
  webhook_url?: string;
}

export interface SlackSettings {
  credentials: SlackCredentials;
  enabled: boolean;
  defaultChannel: string | null;
  channels: Record<string, string>;
  skills: Record<string, boolean>;
}

/** What the API shows: which mode, never the secret. */
export interface SlackSettingsView {
  mode: 'bot' | 'webhook';
  enabled: boolean;
  default_channel: string | null;
  channels: Record<string, string>;
  skills: Record<string, boolean>;
  updated_at: string;
}

interface Row {
  credentials: Buffer;
  enabled: boolean;
  default_channel: string | null;
  channels: Record<string, string>;
  skills: Record<string, boolean>;
  updated_at: Date;
}

async function loadRow(q: Queryable, workspaceId: string): Promise<Row | undefined> {
  const { rows } = await q.query<Row>(
    `SELECT credentials, enabled, default_channel, channels, skills, updated_at
     FROM slack_settings WHERE workspace_id = $1::uuid`,
    [workspaceId],
  );
  return rows[0];
}

export async function loadSlackSettings(
  q: Queryable,
  workspaceId: string,
  vault: CredentialVault,
): Promise<SlackSettings | null> {
  const row = await loadRow(q, workspaceId);
  if (!row) return null;
  return {
    credentials: vault.decrypt<SlackCredentials>(Buffer.from(row.credentials)),
    enabled: row.enabled,
    defaultChannel: row.default_channel,
    channels: row.channels,
    skills: row.skills,
  };
}

function toView(row: Row, credentials: SlackCredentials): SlackSettingsView {
  return {
    mode: credentials.bot_token ? 'bot' : 'webhook',
    enabled: row.enabled,
    default_channel: row.default_channel,
    channels: row.channels,
    skills: row.skills,
    updated_at: row.updated_at.toISOString(),
  };
}

export async function getSlackSettingsView(
  q: Queryable,
  workspaceId: string,
  vault: CredentialVault,
): Promise<SlackSettingsView> {
  const row = await loadRow(q, workspaceId);
  if (!row) throw new NotFoundError('Slack settings');
  return toView(row, vault.decrypt<SlackCredentials>(Buffer.from(row.credentials)));
}

/**
 * Creates or changes the settings. A new token or URL replaces the stored one (switching mode);
 * channels and skills merge key by key, a null channel removing that skill's entry.
 */
export async function putSlackSettings(
  q: Queryable,
  workspaceId: string,
  vault: CredentialVault,
  body: SlackSettingsBody,
): Promise<SlackSettingsView> {
  const current = await loadRow(q, workspaceId);
  let credentials: SlackCredentials;
  if (body.bot_token) credentials = { bot_token: body.bot_token };
  else if (body.webhook_url) credentials = { webhook_url: body.webhook_url };
  else if (current) credentials = vault.decrypt<SlackCredentials>(Buffer.from(current.credentials));
  else throw new ValidationError('the first Slack settings need a bot_token or a webhook_url');

  const channels: Record<string, string> = { ...(current?.channels ?? {}) };
  for (const [skill, ch] of Object.entries(body.channels ?? {})) {
    if (ch === null) delete channels[skill];
    else channels[skill] = ch;
  }
  const skills = { ...(current?.skills ?? {}), ...(body.skills ?? {}) };
  const defaultChannel =
    body.default_channel === undefined ? (current?.default_channel ?? null) : body.default_channel;
  const { rows } = await q.query<Row>(
    /* sql */ `INSERT INTO slack_settings (workspace_id, credentials, enabled, default_channel, channels, skills)
     VALUES ($1::uuid, $2::bytea, $3, $4, $5::jsonb, $6::jsonb)
     ON CONFLICT (workspace_id) DO UPDATE SET credentials = EXCLUDED.credentials, enabled = EXCLUDED.enabled,
       default_channel = EXCLUDED.default_channel, channels = EXCLUDED.channels, skills = EXCLUDED.skills,
       updated_at = now()
     RETURNING credentials, enabled, default_channel, channels, skills, updated_at`,
    [
      workspaceId,
      vault.encrypt(credentials),
      body.enabled ?? current?.enabled ?? true,
      defaultChannel,
      JSON.stringify(channels),
      JSON.stringify(skills),
    ],
  );
  return toView(rows[0]!, credentials);
}

export async function deleteSlackSettings(q: Queryable, workspaceId: string): Promise<void> {
  const res = await q.query('DELETE FROM slack_settings WHERE workspace_id = $1::uuid', [workspaceId]);
  if (res.rowCount === 0) throw new NotFoundError('Slack settings');
}
