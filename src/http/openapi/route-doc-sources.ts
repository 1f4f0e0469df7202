/** Every capability's route docs; a capability that mounts routes adds its docs function here. */
import { entityRouteDocs, pipelineRouteDocs } from './entity-route-docs.ts';
import { foundationRouteDocs } from './foundation-route-docs.ts';
import { computeRouteDocs } from '../routes/compute-routes.ts';
import { currencyRouteDocs } from '../routes/currency-routes.ts';
import { skillRouteDocs } from '../routes/skill-routes.ts';
import { connectorRouteDocs } from '../routes/connector-routes.ts';
import { syncHealthRouteDocs } from '../routes/sync-health-routes.ts';
import { conversationSourcesRouteDocs } from '../routes/conversation-sources-routes.ts';
import { linkerRouteDocs } from '../routes/linker-routes.ts';
import { insightRouteDocs } from '../routes/insight-routes.ts';
import { enrichmentRouteDocs } from '../routes/enrichment-routes.ts';
import { importRouteDocs } from '../routes/import-route-docs.ts';
import { leadCohortRouteDocs } from '../routes/lead-cohort-routes.ts';
import { icpRouteDocs } from '../routes/icp-routes.ts';
import { stageMappingRouteDocs } from '../routes/stage-mapping-routes.ts';
import { inboundWebhookRouteDocs } from '../routes/inbound-webhook-routes.ts';
import { outputRouteDocs } from '../routes/output-routes.ts';
import { workflowRouteDocs } from '../routes/workflow-routes.ts';
import { buildOpenApiDocument, type JsonSchema, type RouteDoc } from './openapi-document.ts';

export const ROUTE_DOC_SOURCES: ReadonlyArray<() => RouteDoc[]> = [
  foundationRouteDocs,
  entityRouteDocs,
  pipelineRouteDocs,
  currencyRouteDocs,
  leadCohortRouteDocs,
  stageMappingRouteDocs,
  connectorRouteDocs,
  syncHealthRouteDocs,
  conversationSourcesRouteDocs,
  computeRouteDocs,
  skillRouteDocs,
  linkerRouteDocs,
  importRouteDocs,
  outputRouteDocs,
  inboundWebhookRouteDocs,
  insightRouteDocs,
  enrichmentRouteDocs,
  icpRouteDocs,
  workflowRouteDocs,
];

let cached: JsonSchema | undefined;

/** The document is a pure function of code, so it is built once per process. */
export function openApiDocument(): JsonSchema {
  cached ??= buildOpenApiDocument(ROUTE_DOC_SOURCES.flatMap((source) => source()));
  return cached;
}
