/** Route docs for the entity list/detail routes and the pipeline summary, generated from the listings. */
import { DETAIL_RECENT_LIMIT } from '../../entities/deal-detail.ts';
import type { EntityListing } from '../../entities/entity-listing.ts';
import { ENTITY_LISTINGS } from '../../entities/entity-listings.ts';
import { PIPELINE_GROUPS } from '../../entities/pipeline-summary.ts';
import { WATERFALL_BUCKETS } from '../../entities/pipeline-waterfall.ts';
import { waterfallQuery } from '../routes/pipeline-routes.ts';
import { DEAL_CONTACTS_TABLE, DEAL_STAGE_HISTORY_TABLE } from '../../entities/entity-tables.ts';
import { dateSchema, fromZod } from './route-doc-builders.ts';
import { arr, enumOf, int, named, nullable, num, obj, open, str, uuid } from './schema-builders.ts';
import { dealInsightSchema } from './schemas/insight-schemas.ts';
import { notConvertedSchema } from './schemas/money-schemas.ts';
import type { ColumnKind, FilterSpec } from '../../db/list-filters.ts';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../../db/list-query.ts';
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

function columnSchema(name: string, kind: ColumnKind): JsonSchema {
  const base = KIND_SCHEMA[kind];
  if (kind === 'jsonb') return { description: 'JSON as stored' };
  return NOT_NULL.has(name) ? base : { ...base, type: [base.type, 'null'] };
}

/** A record of the named columns, their types taken from the column definitions. */
export function columnsSchema(
  columns: Readonly<Record<string, ColumnKind>>,
  names: readonly string[] = Object.keys(columns),
  extra: Record<string, JsonSchema> = {},
): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const name of names) {
    const kind = columns[name];
    if (!kind) throw new Error(`no column ${name}`);
    properties[name] = columnSchema(name, kind);
  }
  if (columns.custom_fields && properties.custom_fields)
    properties.custom_fields = {
      type: 'object',
      additionalProperties: true,
      description: 'source fields Pandora has no column for',
    };
  return obj({ ...properties, ...extra });
}

/** The component name of an entity's record (Deal, Activity, …); its one-record answer is `<name>Detail`. */
export function entityComponentName(listing: EntityListing): string {
  return listing.singular[0]!.toUpperCase() + listing.singular.slice(1);
}

function entitySchema(listing: EntityListing, extra: Record<string, JsonSchema> = {}): JsonSchema {
  return columnsSchema(listing.columns, Object.keys(listing.columns), extra);
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

// Evidence rows and reasons carry rule-specific fields (close_date, days_past, threshold_days, …).
const EVIDENCE_ROW = named(
  'ScoreEvidence',
  open(
    {
      entity: enumOf(['deals', 'contacts', 'deal_stage_history', 'activities', 'calls', 'conversations']),
      id: uuid,
    },
    { description: 'a row the reason rests on, with the fields of it that matter' },
  ),
);
const REASON = named(
  'ScoreReason',
  open(
    { rule: str, points: num, evidence: arr(EVIDENCE_ROW) },
    { optional: ['rule', 'points'], description: 'one reason, with the figures of its rule' },
  ),
);

const sourceData = {
  type: 'object',
  additionalProperties: true,
  description: 'the raw record as the source returned it',
};

function dealDetailExtra(): Record<string, JsonSchema> {
  const L = ENTITY_LISTINGS;
  const contact = named(
    'DealContact',
    columnsSchema(
      L.contacts.columns,
      ['id', 'first_name', 'last_name', 'email', 'title', 'seniority', 'department'],
      {
        ...(columnsSchema(DEAL_CONTACTS_TABLE.columns, [
          'role',
          'role_source',
          'role_confidence',
          'is_primary',
        ]).properties as Record<string, JsonSchema>),
        association_source: { type: 'string', description: 'the source of the deal-contact association' },
      },
    ),
  );
  const stageHistory = named(
    'StageChange',
    columnsSchema({ id: 'uuid', ...DEAL_STAGE_HISTORY_TABLE.columns }, [
      'id',
      'from_stage',
      'to_stage',
      'from_stage_normalized',
      'to_stage_normalized',
      'changed_at',
      'source',
    ]),
  );
  return {
    source_data: sourceData,
    account: nullable(
      columnsSchema(L.accounts.columns, [
        'id',
        'name',
        'domain',
        'industry',
        'employee_count',
        'annual_revenue',
        'city',
        'country',
        'owner_email',
      ]),
    ),
    contacts: { ...arr(contact), description: 'primary first, with role, role_source, is_primary' },
    recent_activities: {
      ...arr(
        columnsSchema(L.activities.columns, [
          'id',
          'activity_type',
          'subject',
          'direction',
          'occurred_at',
          'owner_email',
          'contact_id',
        ]),
      ),
      description: `newest ${DETAIL_RECENT_LIMIT}`,
    },
    conversations: {
      ...arr(
        columnsSchema(L.conversations.columns, [
          'id',
          'title',
          'started_at',
          'duration_seconds',
          'organizer_email',
          'is_internal',
          'link_method',
          'summary',
        ]),
      ),
      description: `newest ${DETAIL_RECENT_LIMIT}`,
    },
    stage_history: arr(stageHistory),
    reasons: obj(
      {
        deal_risk: nullable(arr(REASON)),
        velocity: nullable(REASON),
        engagement: nullable(arr(REASON)),
      },
      {
        description:
          "each score's reasons; every reason has `evidence`, the rows it rests on ({entity, id, …})",
      },
    ),
    insights: { ...arr(dealInsightSchema), description: 'current insights from its calls' },
  };
}

export function entityRouteDocs(): RouteDoc[] {
  return Object.entries(ENTITY_LISTINGS).flatMap(([segment, listing]): RouteDoc[] => {
    const name = entityComponentName(listing);
    return [
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
          schema: named(
            `${name}Page`,
            obj(
              {
                data: arr(named(name, entitySchema(listing))),
                next_cursor: nullable(str),
                total: { type: 'integer', description: 'only with include_total=true' },
              },
              { optional: ['total'] },
            ),
          ),
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
          schema: named(
            `${name}Detail`,
            segment === 'deals'
              ? entitySchema(listing, dealDetailExtra())
              : entitySchema(listing, {
                  source_data: sourceData,
                  ...Object.fromEntries(
                    Object.keys(listing.detailColumns).map((c) => [
                      c,
                      { description: "the score's reasons" },
                    ]),
                  ),
                }),
          ),
        },
      },
    ];
  });
}

export function pipelineRouteDocs(): RouteDoc[] {
  const totals = {
    count: int,
    amount: num,
    weighted_amount: { type: 'number', description: 'sum of amount × probability / 100' },
    not_converted: { type: 'integer', description: 'deals left out: their currency has no rate' },
  };
  const bucket = named('PipelineBucket', obj({ key: nullable(str), ...totals }));
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
        schema: named(
          'PipelineSummary',
          obj({
            group_by: enumOf(PIPELINE_GROUPS),
            currency: { type: 'string', description: 'the base currency of every amount' },
            data: arr(bucket),
            totals: obj(totals),
            not_converted: notConvertedSchema,
          }),
        ),
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
        schema: named('PipelineWaterfall', {
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
        }),
      },
    },
  ];
}
