/**
 * A workspace's enrichment settings: the deployment's keys and defaults, overridden by a `connections`
 * row named 'enrichment_config' (keys encrypted in `credentials` and never returned; limits and the
 * per-step switches in `metadata`).
 */
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { CredentialVault } from '../connectors/credential-vault.ts';
import type { Queryable } from '../db/db.ts';

export const ENRICHMENT_CONFIG_CONNECTOR = 'enrichment_config';

export const enrichmentKeysSchema = z
  .object({
    apollo_api_key: z.string().min(8).max(500).nullable().optional(),
    serper_api_key: z.string().min(8).max(500).nullable().optional(),
  })
  .strict();

export const enrichmentMetadataSchema = z
  .object({
    /** Apollo's enrichment endpoints, per workspace (the ceiling is 2 per second). */
    apollo_requests_per_second: z.number().min(0.1).max(2).optional(),
    serper_requests_per_second: z.number().min(0.1).max(5).optional(),
    ttl_days: z.number().int().min(0).max(3650).optional(),
    /** Search results asked of Serper per account and query type. */
    signals_per_account: z.number().int().min(1).max(20).optional(),
    steps: z
      .object({
        roles: z.boolean().optional(),
        apollo: z.boolean().optional(),
        signals: z.boolean().optional(),
        linkedin: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type EnrichmentKeys = z.infer<typeof enrichmentKeysSchema>;
export type EnrichmentMetadata = z.infer<typeof enrichmentMetadataSchema>;

export interface EnrichmentSettings {
  apolloApiKey: string | undefined;
  serperApiKey: string | undefined;
  apolloBaseUrl: string;
  serperBaseUrl: string;
  apolloPerSecond: number;
  serperPerSecond: number;
  ttlDays: number;
  signalsPerAccount: number;
  steps: { roles: boolean; apollo: boolean; signals: boolean; linkedin: boolean };
}

export const APOLLO_BASE_URL = 'https://api.apollo.io/api/v1';
export const SERPER_BASE_URL = 'https://google.serper.dev';

type SettingsConfig = Pick<Config, 'enrichment' | 'connectorBaseUrls'>;

async function storedRow(q: Queryable, workspaceId: string, vault: CredentialVault) {
  const { rows } = await q.query<{ credentials: Buffer | null; metadata: Record<string, unknown> }>(
    'SELECT credentials, metadata FROM connections WHERE workspace_id = $1::uuid AND connector_name = $2',
    [workspaceId, ENRICHMENT_CONFIG_CONNECTOR],
  );
  const row = rows[0];
  const keys: EnrichmentKeys = row?.credentials
    ? enrichmentKeysSchema.parse(vault.decrypt(Buffer.from(row.credentials)))
    : {};
  const meta: EnrichmentMetadata = row ? enrichmentMetadataSchema.parse(row.metadata) : {};
  return { keys, meta };
}

export async function loadEnrichmentSettings(
  q: Queryable,
  workspaceId: string,
  config: SettingsConfig,
  vault: CredentialVault,
): Promise<EnrichmentSettings> {
  const { keys, meta } = await storedRow(q, workspaceId, vault);
  return {
    apolloApiKey: keys.apollo_api_key ?? config.enrichment.apolloApiKey,
    serperApiKey: keys.serper_api_key ?? config.enrichment.serperApiKey,
    apolloBaseUrl: config.connectorBaseUrls.apollo ?? APOLLO_BASE_URL,
    serperBaseUrl: config.connectorBaseUrls.serper ?? SERPER_BASE_URL,
    apolloPerSecond: meta.apollo_requests_per_second ?? 2,
    serperPerSecond: meta.serper_requests_per_second ?? 5,
    ttlDays: meta.ttl_days ?? config.enrichment.ttlDays,
    signalsPerAccount: meta.signals_per_account ?? 5,
    steps: {
      roles: meta.steps?.roles ?? true,
      apollo: meta.steps?.apollo ?? true,
      signals: meta.steps?.signals ?? true,
      linkedin: meta.steps?.linkedin ?? true,
    },
  };
}

/** What GET …/config/enrichment shows: which keys are set (never their values), limits and steps. */
export function describeEnrichmentSettings(s: EnrichmentSettings) {
  return {
    apollo: { configured: Boolean(s.apolloApiKey), requests_per_second: s.apolloPerSecond },
    serper: { configured: Boolean(s.serperApiKey), requests_per_second: s.serperPerSecond },
    linkedin: { configured: false },
    ttl_days: s.ttlDays,
    signals_per_account: s.signalsPerAccount,
    steps: s.steps,
  };
}

function mergeMetadata(
  stored: EnrichmentMetadata,
  given: EnrichmentMetadata | undefined,
): EnrichmentMetadata {
  if (!given) return stored;
  const merged: EnrichmentMetadata = { ...stored, ...given };
  if (stored.steps || given.steps) merged.steps = { ...stored.steps, ...given.steps };
  return merged;
}

/** Keys given replace stored keys (null removes one); metadata fields given replace the stored ones. */
export async function saveEnrichmentSettings(
  q: Queryable,
  workspaceId: string,
  vault: CredentialVault,
  input: { keys?: EnrichmentKeys; metadata?: EnrichmentMetadata },
): Promise<void> {
  const { keys: current, meta } = await storedRow(q, workspaceId, vault);
  const merged: Record<string, string> = {};
  for (const name of ['apollo_api_key', 'serper_api_key'] as const) {
    const value = input.keys && name in input.keys ? input.keys[name] : current[name];
    if (value) merged[name] = value;
  }
  await q.query(
    /* sql */ `INSERT INTO connections (workspace_id, connector_name, credentials, metadata)
     VALUES ($1::uuid, $2, $3::bytea, $4::jsonb)
     ON CONFLICT (workspace_id, connector_name) DO UPDATE
       SET credentials = EXCLUDED.credentials, metadata = EXCLUDED.metadata, updated_at = now()`,
    [
      workspaceId,
      ENRICHMENT_CONFIG_CONNECTOR,
      vault.encrypt(merged),
      JSON.stringify(mergeMetadata(meta, input.metadata)),
    ],
  );
}
