/** The HTTP application: middleware, the capability routers, and the error mapper, in that order. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response, Router } from 'express';
import { JsonText } from '../db/json-text.ts';
import { NotFoundError } from '../errors.ts';
import { ApiKeyCache } from './api-key-cache.ts';
import { requireWorkspaceAccess } from './auth.ts';
import type { AppDeps } from './deps.ts';
import { errorMapper } from './error-mapper.ts';
import { readCache } from './read-cache.ts';
import { rejectUnstorableInput, verifyJsonDepth } from './input-guards.ts';
import { consoleRoutes } from '../console/console-routes.ts';
import { apiDocsRoutes } from './routes/api-docs-routes.ts';
import { apiKeysRoutes } from './routes/api-keys-routes.ts';
import { computeRoutes } from './routes/compute-routes.ts';
import { connectorRoutes } from './routes/connector-routes.ts';
import { syncHealthRoutes } from './routes/sync-health-routes.ts';
import { contextLayerRoutes } from './routes/context-layer-routes.ts';
import { currencyRoutes } from './routes/currency-routes.ts';
import { conversationSourcesRoutes } from './routes/conversation-sources-routes.ts';
import { entityRoutes } from './routes/entity-routes.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { icpRoutes } from './routes/icp-routes.ts';
import { leadCohortRoutes } from './routes/lead-cohort-routes.ts';
import { pipelineRoutes } from './routes/pipeline-routes.ts';
import { linkerRoutes } from './routes/linker-routes.ts';
import { insightRoutes } from './routes/insight-routes.ts';
import { enrichmentRoutes } from './routes/enrichment-routes.ts';
import { importRoutes } from './routes/import-routes.ts';
import { inboundWebhookRoutes, type RawBodyRequest } from './routes/inbound-webhook-routes.ts';
import { outputRoutes } from './routes/output-routes.ts';
import { quotaRoutes } from './routes/quota-routes.ts';
import { skillRoutes } from './routes/skill-routes.ts';
import { stageMappingRoutes } from './routes/stage-mapping-routes.ts';
import { workflowRoutes } from './routes/workflow-routes.ts';
import { adminWorkspacesRoutes, workspaceRoutes } from './routes/workspaces-routes.ts';

/** Capability routers mounted under /api/workspaces/:workspaceId; a new capability adds one line. */
const workspaceCapabilities: Array<(deps: AppDeps) => Router> = [
  workspaceRoutes,
  apiKeysRoutes,
  contextLayerRoutes,
  quotaRoutes,
  currencyRoutes,
  computeRoutes,
  skillRoutes,
  // Before entityRoutes: /leads/cohorts would otherwise be read as /leads/:entityId.
  leadCohortRoutes,
  icpRoutes,
  entityRoutes,
  pipelineRoutes,
  stageMappingRoutes,
  connectorRoutes,
  syncHealthRoutes,
  conversationSourcesRoutes,
  linkerRoutes,
  importRoutes,
  outputRoutes,
  insightRoutes,
  enrichmentRoutes,
  workflowRoutes,
];

/** express.json's verify hook: bounds the nesting, and keeps the raw bytes where a signature covers them. */
function verifyJsonBody(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
  verifyJsonDepth(req as Request, res as Response, raw);
  if (req.url?.startsWith('/webhooks/')) (req as RawBodyRequest).rawBody = raw;
}

function requestContext(deps: AppDeps) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && /^[\w.-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.set('x-request-id', requestId);
    const started = process.hrtime.bigint();
    // Routers strip their mount path from req.url while they run: log the path as the client sent it,
    // without the query string (which may carry filters a log has no business keeping).
    const path = req.originalUrl.split('?', 1)[0];
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      deps.log.info({ reqId: requestId, method: req.method, path, status: res.statusCode, ms }, 'request');
    });
    next();
  };
}

export function createApp(given: AppDeps): Express {
  const apiKeys = given.apiKeys ?? new ApiKeyCache(given.config.apiKeyCacheSeconds);
  const deps: AppDeps = { ...given, apiKeys };
  const app = express();
  app.disable('x-powered-by');
  // No conditional GETs here: an ETag would hash every response body for nothing.
  app.set('etag', false);
  app.set('query parser', 'simple');
  // JSON text the database wrote goes out as it is (src/db/json-text.ts).
  const json = app.response.json;
  app.response.json = function answer(this: Response, body: unknown) {
    return body instanceof JsonText ? this.type('application/json').send(body.text) : json.call(this, body);
  };
  app.use(requestContext(deps));
  app.use(express.json({ limit: deps.config.bodyLimit, verify: verifyJsonBody }));
  app.use(rejectUnstorableInput);
  app.use(inboundWebhookRoutes(deps));

  app.use(healthRoutes(deps));
  app.use(apiDocsRoutes());
  app.use(consoleRoutes(deps));
  app.use('/api/workspaces', adminWorkspacesRoutes(deps));

  const scoped = Router({ mergeParams: true });
  scoped.use(requireWorkspaceAccess(deps.db, deps.adminToken, apiKeys));
  scoped.use(readCache(deps.db, { seconds: deps.config.readCacheSeconds }));
  for (const capability of workspaceCapabilities) scoped.use(capability(deps));
  app.use('/api/workspaces/:workspaceId', scoped);

  app.use((req: Request) => {
    throw new NotFoundError(`route ${req.method} ${req.path}`);
  });
  app.use(errorMapper(deps.log));
  return app;
}
