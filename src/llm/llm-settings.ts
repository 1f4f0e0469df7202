/**
 * Which providers and limits a workspace uses: the deployment's configuration, overridden per workspace
 * by a `connections` row named 'llm_config' (keys encrypted in `credentials`, the rest in `metadata`).
 */
import { z } from 'zod';
import type { LlmConfig } from '../config.ts';
import type { CredentialVault } from '../connectors/credential-vault.ts';
import type { Queryable } from '../db/db.ts';

export const LLM_CONFIG_CONNECTOR = 'llm_config';

export const llmKeysSchema = z
  .object({
    anthropic_api_key: z.string().min(8).max(500).optional(),
    fireworks_api_key: z.string().min(8).max(500).optional(),
  })
  .strict();

export const llmMetadataSchema = z
  .object({
    synthesize_model: z.string().min(1).max(200).optional(),
    classify_model: z.string().min(1).max(200).optional(),
    daily_token_budget: z.number().int().min(0).max(1e12).optional(),
    redact_pii: z.boolean().optional(),
    /** Force the offline provider even when keys exist (demos, air-gapped workspaces). */
    offline_only: z.boolean().optional(),
  })
  .strict();

export type LlmKeys = z.infer<typeof llmKeysSchema>;
export type LlmMetadata = z.infer<typeof llmMetadataSchema>;

export interface WorkspaceLlmSettings {
  anthropicApiKey: string | undefined;
  fireworksApiKey: string | undefined;
  synthesizeModel: string;
  classifyModel: string;
  anthropicBaseUrl: string;
  fireworksBaseUrl: string;
  dailyTokenBudget: number;
  redactPii: boolean;
  offlineOnly: boolean;
  timeoutMs: number;
}

export async function loadLlmSettings(
  q: Queryable,
  workspaceId: string,
  config: LlmConfig,
  vault: CredentialVault,
): Promise<WorkspaceLlmSettings> {
  const { rows } = await q.query<{ credentials: Buffer | null; metadata: Record<string, unknown> }>(
    'SELECT credentials, metadata FROM connections WHERE workspace_id = $1::uuid AND connector_name = $2',
    [workspaceId, LLM_CONFIG_CONNECTOR],
  );
  const row = rows[0];
  const keys: LlmKeys = row?.credentials
    ? llmKeysSchema.parse(vault.decrypt(Buffer.from(row.credentials)))
    : {};
  const meta: LlmMetadata = row ? llmMetadataSchema.parse(row.metadata) : {};
  return {
    anthropicApiKey: keys.anthropic_api_key ?? config.anthropicApiKey,
    fireworksApiKey: keys.fireworks_api_key ?? config.fireworksApiKey,
    synthesizeModel: meta.synthesize_model ?? config.synthesizeModel,
    classifyModel: meta.classify_model ?? config.classifyModel,
    anthropicBaseUrl: config.anthropicBaseUrl,
    fireworksBaseUrl: config.fireworksBaseUrl,
    dailyTokenBudget: meta.daily_token_budget ?? config.dailyTokenBudget,
    redactPii: meta.redact_pii ?? false,
    offlineOnly: meta.offline_only ?? false,
    timeoutMs: config.timeoutMs,
  };
}

/** Stores the workspace's overrides; keys given replace stored keys, metadata replaces metadata. */
export async function saveLlmSettings(
  q: Queryable,
  workspaceId: string,
  vault: CredentialVault,
  input: { keys?: LlmKeys; metadata?: LlmMetadata },
): Promise<void> {
  const { rows } = await q.query<{ credentials: Buffer | null }>(
    'SELECT credentials FROM connections WHERE workspace_id = $1::uuid AND connector_name = $2',
    [workspaceId, LLM_CONFIG_CONNECTOR],
  );
  const current: LlmKeys = rows[0]?.credentials ? vault.decrypt(Buffer.from(rows[0].credentials)) : {};
  const keys = { ...current, ...(input.keys ?? {}) };
  await q.query(
    /* sql */ `INSERT INTO connections (workspace_id, connector_name, credentials, metadata)
     VALUES ($1::uuid, $2, $3::bytea, coalesce($4::jsonb, '{}'))
     ON CONFLICT (workspace_id, connector_name) DO UPDATE
       SET credentials = EXCLUDED.credentials,
           metadata = coalesce($4::jsonb, connections.metadata),
           updated_at = now()`,
    [
      workspaceId,
      LLM_CONFIG_CONNECTOR,
      vault.encrypt(keys),
      input.metadata ? JSON.stringify(input.metadata) : null,
    ],
  );
}
