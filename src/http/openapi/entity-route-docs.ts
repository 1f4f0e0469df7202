/** Route docs for the entity list/detail routes and the pipeline summary, generated from the listings. */
import { DETAIL_RECENT_LIMIT } from '../../entities/deal-detail.ts';
import type { EntityListing } from '../../entities/entity-listing.ts';
import { ENTITY_LISTINGS } from '../../entities/entity-listings.ts';
import { PIPELINE_GROUPS } from '../../entities/pipeline-summary.ts';
import { WATERFALL_BUCKETS } from '../../entities/pipeline-waterfall.ts';
import { waterfallQuery } from '../routes/pipeline-routes.ts';
import { dateSchema, fromZod } from './route-doc-builders.ts';
import { type ColumnKind, DEFAULT_LIMIT, type FilterSpec, MAX_LIMIT } from '../../db/list-query.ts';
import type { JsonSchema, ParameterDoc, RouteDoc } from './openapi-document.ts';

const WS = '/api/workspaces/:workspaceId';

const KIND_SCHEMA: Record<ColumnKind, JsonSchema> = {
  text: { type: 'string' },
  uuid: { type: 'string', format: 'uuid' },
  numeric: { type: 'number' },
  integer: { type: 'integer' },
  bigint: { type: 'integer', format: 'int64' },
  date: { type: 'string', format: 'date' },
  timestamptz: { type: 'string', format: 'date-time' },
  boolean: { type: 'boolean' },
  jsonb: {},
  'text[]': { type: 'array', items: { type: 'string' } },
};

const NOT_NULL = new Set(['id', 'created_at', 'updated_at', 'source', 'source_id', 'custom_fields']);

export function entitySchema(listing: EntityListing, extra: Record<string, JsonSchema> = {}): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [name, kind] of Object.entries(listing.columns)) {
    const base = KIND_SCHEMA[kind];
    properties[name] = NOT_NULL.has(name) || kind === 'jsonb' ? base : { ...base, type: [base.type, 'null'] };
  }
  return { type: 'object', properties: { ...properties, ...extra }, required: Object.keys(listing.columns) };
}

function filterDescription(name: string, f: FilterSpec): string {
  switch (f.op) {
    case 'in':
      return `${f.column} equals the value, or one of a comma-separated list`;
    case 'gte':
      return `${f.column} ≥ the value`;
    case 'lte':
      return `${f.column} ≤ the value`;
    case 'is':
      return `${f.column} is true / false`;
    case 'present':
      return `true: ${f.column} is set; false: it is empty (${name.replace('has_', '')} unlinked)`;
    case 'search':
      return `case-insensitive substring of ${f.columns.join(', ')}`;
  }
}

function filterSchema(f: FilterSpec): JsonSchema {
  if (f.op === 'is' || f.op === 'present') return { type: 'boolean' };
  if (f.op === 'search') return { type: 'string', minLength: 1, maxLength: 200 };
  const base = KIND_SCHEMA[f.type];
  return f.op === 'in' ? { type: 'string', description: `${JSON.stringify(base)} values` } : base;
}

export function filterParameters(listing: EntityListing): ParameterDoc[] {
  return Object.entries(listing.filters).map(([name, f]) => ({
    name,
    in: 'query',
    description: filterDescription(name, f),
    schema: filterSchema(f),
  }));
}

function pageParameters(listing: EntityListing): ParameterDoc[] {
  const sortValues = Object.keys(listing.sorts).flatMap((s) => [s, `-${s}`]);
  return [
    {
      name: 'sort',
      in: 'query',
      description: `sort field, '-' for descending; ties broken by id. Default ${listing.defaultSort}`,
      schema: { type: 'string', enum: sortValues },
    },
    {
      name: 'limit',
      in: 'query',
      schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
    },
    {
      name: 'cursor',
      in: 'query',
      description: 'next_cursor of the previous page',
      schema: { type: 'string' },
    },
    {
      name: 'include_total',
      in: 'query',
      description: 'also count the whole filtered set',
      schema: { type: 'boolean' },
    },
    ...(listing.softDelete
      ? [
          {
            name: 'include_deleted',
            in: 'query' as const,
            description: 'also list records deleted or merged at the source (deleted_at set)',
            schema: { type: 'boolean' as const },
          },
        ]
      : []),
  ];
}

const EVIDENCE_ROW: JsonSchema = {
  type: 'object',
  required: ['entity', 'id'],
  properties: {
    entity: {
      type: 'string',
      enum: ['deals', 'contacts', 'deal_stage_history', 'activities', 'calls', 'conversations'],
    },
    id: { type: 'string', format: 'uuid' },
  },
};
const REASON: JsonSchema = {
  type: 'object',
  required: ['evidence'],
  properties: {
    rule: { type: 'string' },
    points: { type: 'number' },
    evidence: { type: 'array', items: EVIDENCE_ROW },
  },
};

const DEAL_DETAIL_EXTRA: Record<string, JsonSchema> = {
  source_data: { type: 'object', description: 'the raw record as the source returned it' },
  account: { type: ['object', 'null'] },
  contacts: { type: 'array', items: { type: 'object' }, description: 'with role, role_source, is_primary' },
  recent_activities: {
    type: 'array',
    items: { type: 'object' },
    description: `newest ${DETAIL_RECENT_LIMIT}`,
  },
  conversations: { type: 'array', items: { type: 'object' }, description: `newest ${DETAIL_RECENT_LIMIT}` },
  stage_history: { type: 'array', items: { type: 'object' } },
  reasons: {
    type: 'object',
    description: "each score's reasons; every reason has `evidence`, the rows it rests on ({entity, id, …})",
    required: ['deal_risk', 'velocity', 'engagement'],
    properties: {
      deal_risk: { type: ['array', 'null'], items: REASON },
      velocity: { ...REASON, type: ['object', 'null'] },
      engagement: { type: ['array', 'null'], items: REASON },
    },
  },
};

export function entityRouteDocs(): RouteDoc[] {
  return Object.entries(ENTITY_LISTINGS).flatMap(([segment, listing]): RouteDoc[] => [
    {
      method: 'get',
      path: `${WS}/${segment}`,
      tag: 'entities',
      summary: `List ${segment}`,
      description:
        'Keyset pages of at most `limit` rows; unknown filters or sort fields are rejected with 400.',
      auth: 'workspace',
      parameters: [...filterParameters(listing), ...pageParameters(listing)],
      response: {
        status: 200,
        description: `a page of ${segment}`,
        schema: {
          type: 'object',
          required: ['data', 'next_cursor'],
          properties: {
            data: { type: 'array', items: entitySchema(listing) },
            next_cursor: { type: ['string', 'null'] },
            total: { type: 'integer', description: 'only with include_total=true' },
          },
        },
      },
    },
    {
      method: 'get',
      path: `${WS}/${segment}/:entityId`,
      tag: 'entities',
      summary:
        segment === 'deals'
          ? 'Deal detail with account, contacts, activities, conversations, history'
          : `Get a ${listing.singular}`,
      auth: 'workspace',
      response: {
        status: 200,
        description: `the ${listing.singular}, with source_data`,
        schema:
          segment === 'deals'
            ? entitySchema(listing, DEAL_DETAIL_EXTRA)
            : entitySchema(listing, {
                source_data: DEAL_DETAIL_EXTRA.source_data!,
                ...Object.fromEntries(Object.keys(listing.detailColumns).map((c) => [c, {}])),
              }),
      },
    },
  ]);
}

export function pipelineRouteDocs(): RouteDoc[] {
  const bucket = {
    type: 'object',
    properties: {
      key: { type: ['string', 'null'] },
      count: { type: 'integer' },
      amount: { type: 'number' },
      weighted_amount: { type: 'number', description: 'sum of amount × probability / 100' },
    },
  };
  return [
    {
      method: 'get',
      path: `${WS}/pipeline/summary`,
      tag: 'pipeline',
      summary: 'Pipeline totals by stage, owner, forecast category or close month',
      description: 'Takes the deal list filters. Open deals only unless is_closed or is_won is given.',
      auth: 'workspace',
      parameters: [
        {
          name: 'group_by',
          in: 'query',
          schema: { type: 'string', enum: [...PIPELINE_GROUPS], default: 'stage' },
        },
        ...filterParameters(ENTITY_LISTINGS.deals),
      ],
      response: {
        status: 200,
        description: 'one bucket per group',
        schema: {
          type: 'object',
          properties: {
            group_by: { type: 'string' },
            data: { type: 'array', items: bucket },
            totals: bucket,
          },
        },
      },
    },
    {
      method: 'get',
      path: `${WS}/pipeline/waterfall`,
      tag: 'pipeline',
      summary: 'Deals created, progressed, pushed, won and lost in a period, with base-currency amounts',
      description:
        'from is inclusive, to exclusive. Buckets overlap (a deal created and won in the period is in both). ' +
        'Pushes are close-date moves later, from the source history.',
      auth: 'workspace',
      parameters: Object.entries(fromZod(waterfallQuery).properties as Record<string, JsonSchema>).map(
        ([name, schema]) => ({ name, in: 'query' as const, required: true, schema }),
      ),
      response: {
        status: 200,
        description: 'one bucket per movement',
        schema: {
          type: 'object',
          required: ['from', 'to', 'currency', 'data', 'not_converted'],
          properties: {
            from: dateSchema,
            to: dateSchema,
            currency: { type: 'string' },
            data: {
              type: 'array',
              items: {
                type: 'object',
                required: ['key', 'count', 'amount'],
                properties: {
                  key: { type: 'string', enum: [...WATERFALL_BUCKETS] },
                  count: { type: 'integer' },
                  amount: { type: 'number' },
                },
              },
            },
            not_converted: { type: 'integer' },
          },
        },
      },
    },
  ];
}
