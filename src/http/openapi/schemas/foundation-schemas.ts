/** Response and request schemas of the foundation routes: workspaces, API keys, context layer, quotas. */
import { z } from 'zod';
import { CONTEXT_SECTIONS, contextSectionSchemas } from '../../../workspaces/context-layer.ts';
import type { JsonSchema } from '../openapi-document.ts';
import {
  arr,
  date,
  dateTime,
  enumOf,
  int,
  named,
  nullable,
  num,
  obj,
  open,
  record,
  str,
  uuid,
} from '../schema-builders.ts';

function zodSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

export const workspaceSchema = named(
  'Workspace',
  obj({
    id: uuid,
    name: str,
    settings: open({}, { description: 'free-form workspace settings' }),
    created_at: dateTime,
    updated_at: dateTime,
  }),
);

const apiKeyFields = {
  id: uuid,
  workspace_id: uuid,
  name: str,
  prefix: str,
  scopes: arr(enumOf(['read', 'write'])),
  created_at: dateTime,
  last_used_at: nullable(dateTime),
  revoked_at: nullable(dateTime),
};
export const apiKeySchema = named('ApiKey', obj(apiKeyFields));
export const createdApiKeySchema = named(
  'NewApiKey',
  obj({
    ...apiKeyFields,
    key: { type: 'string', description: 'the key itself, shown only in this answer' },
  }),
);

const componentName = (section: string) =>
  `Context${section.replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase())}`;

/**
 * Each context section as the routes accept it (request) and answer it (response), as a component
 * named after the section (ContextBusinessModel, …); a section whose accepted form differs (defaults
 * fill fields in) has that form as `<name>Input`.
 */
export function contextSectionSchema(section: (typeof CONTEXT_SECTIONS)[number], io: 'input' | 'output') {
  const output = zodSchema(contextSectionSchemas[section], 'output');
  if (io === 'output') return named(componentName(section), output);
  const input = zodSchema(contextSectionSchemas[section], 'input');
  return JSON.stringify(input) === JSON.stringify(output)
    ? named(componentName(section), output)
    : named(`${componentName(section)}Input`, input);
}

function contextLayer(io: 'input' | 'output'): JsonSchema {
  const sections = Object.fromEntries(CONTEXT_SECTIONS.map((s) => [s, contextSectionSchema(s, io)]));
  return io === 'input'
    ? obj(sections, { optional: [...CONTEXT_SECTIONS] })
    : named('ContextLayer', obj({ version: int, updated_at: dateTime, ...sections }));
}
export const contextLayerBody = contextLayer('input');
export const contextLayerSchema = contextLayer('output');
/** One section, whichever the path names. */
export function anyContextSection(io: 'input' | 'output'): JsonSchema {
  return {
    description: `the section named in the path: ${CONTEXT_SECTIONS.join(', ')}`,
    anyOf: CONTEXT_SECTIONS.map((s) => contextSectionSchema(s, io)),
  };
}

const periodFields = {
  id: uuid,
  name: str,
  period_type: enumOf(['month', 'quarter', 'half', 'year', 'custom']),
  start_date: date,
  end_date: date,
  team_quota: nullable(num),
  created_at: dateTime,
  updated_at: dateTime,
};
export const quotaPeriodSchema = named('QuotaPeriod', obj(periodFields));
export const repQuotaSchema = named(
  'RepQuota',
  obj({ id: uuid, period_id: uuid, rep_email: str, quota_amount: num }),
);
export const quotaPeriodDetailSchema = named(
  'QuotaPeriodDetail',
  obj({ ...periodFields, rep_quotas: arr(repQuotaSchema) }),
);
export const activeQuotaSchema = named(
  'ActiveQuota',
  obj({
    date,
    source: enumOf(['quota_period', 'context_layer', 'none']),
    period: {
      description: 'the quota period; for the context layer the calendar period its goals cover',
      anyOf: [
        quotaPeriodSchema,
        obj({ period_type: enumOf(['month', 'quarter', 'year']), start_date: date, end_date: date }),
        { type: 'null' },
      ],
    },
    team_quota: nullable(num),
    rep_quotas: arr(obj({ rep_email: str, quota_amount: num })),
  }),
);

export const sessionSchema = named(
  'Session',
  obj({
    workspace: obj({ id: uuid, name: str }),
    key: obj({ id: uuid, name: str, scopes: arr(str) }),
  }),
);

/** The OpenAPI document itself: a few named top-level keys, the rest as OpenAPI defines them. */
export const openApiDocumentSchema = open({
  openapi: str,
  info: open({ title: str, version: str }),
  components: open({}),
  tags: arr(open({ name: str })),
  paths: record(record(open({}))),
});
