/** Configuration: parsed once from the environment into a frozen, typed object. Nothing else reads process.env. */
import { z } from 'zod';
import { type OutboundPolicy, parseAllowedHosts } from './outbound/outbound-policy.ts';

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().url().optional(),
  PANDORA_DATA_DIR: z.string().default('./.pandora'),
  PANDORA_ADMIN_TOKEN: z.string().min(16, 'PANDORA_ADMIN_TOKEN must be at least 16 characters').optional(),
  PANDORA_ENCRYPTION_KEY: z.string().optional(),
  PANDORA_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  PANDORA_SLOW_STATEMENT_MS: z.coerce.number().int().min(0).max(3_600_000).default(0),
  PANDORA_BODY_LIMIT: z.string().default('1mb'),
  PANDORA_BENCH_REUSE_DB: z.enum(['0', '1', 'true', 'false']).default('0'),
  PANDORA_DEMO_DEALS: z.coerce.number().int().min(0).max(1_000_000).default(2000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ANTHROPIC_API_KEY: z.string().optional(),
  FIREWORKS_API_KEY: z.string().optional(),
  PANDORA_SYNTHESIZE_MODEL: z.string().default('claude-sonnet-4-5'),
  PANDORA_CLASSIFY_MODEL: z.string().default('accounts/fireworks/models/deepseek-v3'),
  PANDORA_ANTHROPIC_BASE_URL: z.string().url().default('https://api.anthropic.com'),
  PANDORA_FIREWORKS_BASE_URL: z.string().url().default('https://api.fireworks.ai'),
  PANDORA_DAILY_TOKEN_BUDGET: z.coerce.number().int().min(0).default(2_000_000),
  PANDORA_LLM_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  PANDORA_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  PANDORA_SYNC_TIME: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (UTC)')
    .default('02:00'),
  PANDORA_SYNC_STALE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(90),
  PANDORA_ASSOCIATION_RECONCILE_DAYS: z.coerce.number().int().min(0).max(365).default(7),
  PANDORA_RUN_WORKERS: z.enum(['true', 'false']).default('true'),
  PANDORA_ALLOWED_BASE_URL_HOSTS: z.string().optional(),
  PANDORA_PRIVATE_UPSTREAMS: z.enum(['allow', 'deny']).optional(),
  PANDORA_IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(100 * 1024 * 1024),
  PANDORA_IMPORT_MAX_UNZIPPED_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(1024 * 1024 * 1024),
  PANDORA_API_KEY_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(10),
  PANDORA_READ_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(5),
  PANDORA_IMPORT_MAX_COLUMNS: z.coerce.number().int().min(1).max(100_000).default(500),
  PANDORA_IMPORT_DIR: z.string().optional(),
  PANDORA_PUBLIC_URL: z.string().url().optional(),
  PANDORA_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  PANDORA_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(10_000),
  PANDORA_WEBHOOK_DISABLE_AFTER: z.coerce.number().int().min(1).max(1000).default(15),
  PANDORA_ACTIVEPIECES_URL: z.string().url().optional(),
  PANDORA_ACTIVEPIECES_API_KEY: z.string().min(1).optional(),
  PANDORA_ACTIVEPIECES_RETRY_BASE_MS: z.coerce.number().int().min(1).max(60_000).default(500),
  PANDORA_WORKFLOW_RUN_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .max(7 * 86_400)
    .default(3600),
  PANDORA_APOLLO_API_KEY: z.string().optional(),
  PANDORA_SERPER_API_KEY: z.string().optional(),
  PANDORA_ENRICHMENT_TTL_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
});

// PANDORA_<CONNECTOR>_BASE_URL overrides a connector's API base URL for the whole deployment.
const BASE_URL_VAR = /^PANDORA_([A-Z0-9_]+)_BASE_URL$/;
// PANDORA_<CONNECTOR>_RATE_LIMIT=<requests>/<seconds> replaces a connector's published default (plan tiers differ).
const RATE_LIMIT_VAR = /^PANDORA_([A-Z0-9_]+)_RATE_LIMIT$/;
const CLIENT_ID_VAR = /^PANDORA_([A-Z0-9_]+)_CLIENT_ID$/;

export type Config = Readonly<{
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  adminToken: string | undefined;
  encryptionKey: string | undefined;
  dbPoolSize: number;
  /**
   * The embedded backend logs statements that held its one thread this long (ms; 0 = never), as the
   * server's own log_min_duration_statement does for PostgreSQL.
   */
  slowStatementMs: number;
  bodyLimit: string;
  /** How long a verified API key is trusted without asking the database again; 0 = every request. */
  apiKeyCacheSeconds: number;
  /** How long the embedded backend may answer a hot read from memory while no write commits; 0 = never. */
  readCacheSeconds: number;
  /** Deals in the demo workspace `pandora start` creates once; 0 skips the demo. */
  demoDeals: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  /** connector name (lower case) → base URL, from PANDORA_<CONNECTOR>_BASE_URL. */
  connectorBaseUrls: Readonly<Record<string, string>>;
  /** connector name → token bucket, from PANDORA_<CONNECTOR>_RATE_LIMIT. */
  connectorRateLimits: Readonly<Record<string, { capacity: number; refillPerSecond: number }>>;
  /**
   * connector name → the OAuth app that refreshes its expiring tokens, from PANDORA_<CONNECTOR>_CLIENT_ID
   * and PANDORA_<CONNECTOR>_CLIENT_SECRET.
   */
  oauthClients: Readonly<Record<string, { clientId: string; clientSecret: string }>>;
  httpTimeoutMs: number;
  /** Default daily sync time, HH:MM UTC; workspaces.settings.sync_time overrides it. */
  syncTime: string;
  /** A running sync whose heartbeat is older than this was lost with its worker and is taken over. */
  syncStaleSeconds: number;
  /** Days between scheduled association reconciliation passes per CRM connection; 0 turns them off. */
  associationReconcileDays: number;
  /**
   * What tenant-supplied URLs may reach (base_url, URLs in credentials or upstream answers): the hosts of
   * PANDORA_ALLOWED_BASE_URL_HOSTS (empty = any), and whether private addresses are allowed.
   */
  outbound: OutboundPolicy;
  /** Whether this process runs job workers (the scheduler and syncs) besides the API. */
  runWorkers: boolean;
  /** Benchmarks: keep and reuse an already generated scratch database. */
  benchReuseDb: boolean;
  llm: LlmConfig;
  /** Where users reach this server (links in Slack posts); unset: posts carry no link. */
  publicUrl: string | undefined;
  /** Outbound webhooks: attempts per delivery, first retry delay (then ×3 each time, capped at an hour),
   * and how many consecutive failed attempts disable an endpoint. */
  webhooks: Readonly<{ maxAttempts: number; retryBaseMs: number; disableAfterFailures: number }>;
  /** The ActivePieces engine workflows run on; undefined: workflows are designed and compiled only. */
  activepieces: Readonly<{ url: string; apiKey: string; retryBaseMs: number }> | undefined;
  /** A workflow run the engine has not finished after this long is recorded as timed out. */
  workflowRunTimeoutSeconds: number;
  /** Enrichment: deployment-wide Apollo and Serper keys (a workspace's enrichment_config overrides them),
   * and how long an answer is reused before it is fetched again. Base URLs: PANDORA_APOLLO_BASE_URL,
   * PANDORA_SERPER_BASE_URL (connectorBaseUrls). */
  enrichment: Readonly<{
    apolloApiKey: string | undefined;
    serperApiKey: string | undefined;
    ttlDays: number;
  }>;
  /** File import limits: upload bytes, xlsx uncompressed bytes (zip bombs), columns; temp files folder. */
  import: Readonly<{ maxBytes: number; maxUnzippedBytes: number; maxColumns: number; dir: string }>;
}>;

export type LlmConfig = Readonly<{
  anthropicApiKey: string | undefined;
  fireworksApiKey: string | undefined;
  synthesizeModel: string;
  classifyModel: string;
  anthropicBaseUrl: string;
  fireworksBaseUrl: string;
  dailyTokenBudget: number;
  timeoutMs: number;
}>;

function outboundPolicy(e: z.infer<typeof envSchema>): OutboundPolicy {
  let allowedHosts: ReturnType<typeof parseAllowedHosts>;
  try {
    allowedHosts = parseAllowedHosts(e.PANDORA_ALLOWED_BASE_URL_HOSTS);
  } catch (err) {
    throw new Error(`invalid configuration: ${(err as Error).message}`);
  }
  // A server deployment is shared: a tenant must not reach its internal network. An allow-list is the
  // operator naming what may be reached, private hosts included; embedded runs on the user's own machine.
  const privateAddresses =
    e.PANDORA_PRIVATE_UPSTREAMS ?? (allowedHosts.length > 0 || !e.DATABASE_URL ? 'allow' : 'deny');
  return Object.freeze({ allowedHosts: Object.freeze(allowedHosts), privateAddresses });
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings in the environment mean "unset": `FOO= npm start` should not be an error.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${issues}`);
  }
  const e = parsed.data;
  if (e.PANDORA_ACTIVEPIECES_URL && !e.PANDORA_ACTIVEPIECES_API_KEY)
    throw new Error('invalid configuration: PANDORA_ACTIVEPIECES_URL needs PANDORA_ACTIVEPIECES_API_KEY');
  const connectorBaseUrls: Record<string, string> = {};
  for (const [key, value] of Object.entries(cleaned)) {
    const match = BASE_URL_VAR.exec(key);
    if (!match || value === undefined) continue;
    if (!z.string().url().safeParse(value).success)
      throw new Error(`invalid configuration: ${key}: not a URL`);
    connectorBaseUrls[match[1]!.toLowerCase()] = value;
  }
  const connectorRateLimits: Record<string, { capacity: number; refillPerSecond: number }> = {};
  for (const [key, value] of Object.entries(cleaned)) {
    const match = RATE_LIMIT_VAR.exec(key);
    if (!match || value === undefined) continue;
    const parts = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(value.trim());
    if (!parts || Number(parts[1]) < 1 || Number(parts[2]) <= 0)
      throw new Error(`invalid configuration: ${key}: expected <requests>/<seconds>, e.g. 100/10`);
    const requests = Number(parts[1]);
    connectorRateLimits[match[1]!.toLowerCase()] = {
      capacity: requests,
      refillPerSecond: requests / Number(parts[2]),
    };
  }
  const oauthClients: Record<string, { clientId: string; clientSecret: string }> = {};
  for (const [key, value] of Object.entries(cleaned)) {
    const match = CLIENT_ID_VAR.exec(key);
    if (!match || value === undefined) continue;
    const secret = cleaned[`PANDORA_${match[1]}_CLIENT_SECRET`];
    if (!secret) throw new Error(`invalid configuration: ${key} needs PANDORA_${match[1]}_CLIENT_SECRET`);
    oauthClients[match[1]!.toLowerCase()] = Object.freeze({ clientId: value, clientSecret: secret });
  }
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.PANDORA_DATA_DIR,
    adminToken: e.PANDORA_ADMIN_TOKEN,
    encryptionKey: e.PANDORA_ENCRYPTION_KEY,
    dbPoolSize: e.PANDORA_DB_POOL_SIZE,
    slowStatementMs: e.PANDORA_SLOW_STATEMENT_MS,
    bodyLimit: e.PANDORA_BODY_LIMIT,
    apiKeyCacheSeconds: e.PANDORA_API_KEY_CACHE_SECONDS,
    readCacheSeconds: e.PANDORA_READ_CACHE_SECONDS,
    demoDeals: e.PANDORA_DEMO_DEALS,
    logLevel: e.LOG_LEVEL,
    llm: Object.freeze({
      anthropicApiKey: e.ANTHROPIC_API_KEY,
      fireworksApiKey: e.FIREWORKS_API_KEY,
      synthesizeModel: e.PANDORA_SYNTHESIZE_MODEL,
      classifyModel: e.PANDORA_CLASSIFY_MODEL,
      anthropicBaseUrl: e.PANDORA_ANTHROPIC_BASE_URL,
      fireworksBaseUrl: e.PANDORA_FIREWORKS_BASE_URL,
      dailyTokenBudget: e.PANDORA_DAILY_TOKEN_BUDGET,
      timeoutMs: e.PANDORA_LLM_TIMEOUT_MS,
    }),
    connectorBaseUrls: Object.freeze(connectorBaseUrls),
    connectorRateLimits: Object.freeze(connectorRateLimits),
    oauthClients: Object.freeze(oauthClients),
    httpTimeoutMs: e.PANDORA_HTTP_TIMEOUT_MS,
    syncTime: e.PANDORA_SYNC_TIME,
    syncStaleSeconds: e.PANDORA_SYNC_STALE_SECONDS,
    associationReconcileDays: e.PANDORA_ASSOCIATION_RECONCILE_DAYS,
    runWorkers: e.PANDORA_RUN_WORKERS === 'true',
    outbound: outboundPolicy(e),
    benchReuseDb: e.PANDORA_BENCH_REUSE_DB === '1' || e.PANDORA_BENCH_REUSE_DB === 'true',
    publicUrl: e.PANDORA_PUBLIC_URL,
    webhooks: Object.freeze({
      maxAttempts: e.PANDORA_WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: e.PANDORA_WEBHOOK_RETRY_BASE_MS,
      disableAfterFailures: e.PANDORA_WEBHOOK_DISABLE_AFTER,
    }),
    activepieces: e.PANDORA_ACTIVEPIECES_URL
      ? Object.freeze({
          url: e.PANDORA_ACTIVEPIECES_URL,
          apiKey: e.PANDORA_ACTIVEPIECES_API_KEY!,
          retryBaseMs: e.PANDORA_ACTIVEPIECES_RETRY_BASE_MS,
        })
      : undefined,
    workflowRunTimeoutSeconds: e.PANDORA_WORKFLOW_RUN_TIMEOUT_SECONDS,
    enrichment: Object.freeze({
      apolloApiKey: e.PANDORA_APOLLO_API_KEY,
      serperApiKey: e.PANDORA_SERPER_API_KEY,
      ttlDays: e.PANDORA_ENRICHMENT_TTL_DAYS,
    }),
    import: Object.freeze({
      maxBytes: e.PANDORA_IMPORT_MAX_BYTES,
      maxUnzippedBytes: e.PANDORA_IMPORT_MAX_UNZIPPED_BYTES,
      maxColumns: e.PANDORA_IMPORT_MAX_COLUMNS,
      dir: e.PANDORA_IMPORT_DIR ?? `${e.PANDORA_DATA_DIR}/imports`,
    }),
  });
}
