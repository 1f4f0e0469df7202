/** Response schemas of the deal insight routes, and the insight rows other responses embed. */
import { INSIGHT_TYPES } from '../../../insights/insight-types.ts';
import {
  arr,
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

const insightType = enumOf(INSIGHT_TYPES);
/** The fields of an insight's value depend on its type (a competitor's name, a budget's amount, …). */
const insightValue = open({}, { description: "the insight's fields, by type" });
const speakerRole = enumOf(['buyer', 'seller', 'unknown']);

/** An insight as the deal detail embeds it. */
export const dealInsightSchema = named(
  'DealInsight',
  obj({
    id: uuid,
    insight_type: insightType,
    value: insightValue,
    quote: str,
    speaker: nullable(str),
    speaker_role: speakerRole,
    conversation_id: uuid,
    confidence: num,
    extractor: str,
    created_at: dateTime,
  }),
);

export const insightRowSchema = named(
  'Insight',
  obj({
    id: uuid,
    deal_id: uuid,
    conversation_id: uuid,
    insight_type: insightType,
    value: insightValue,
    quote: { type: 'string', description: 'verbatim from the transcript segment' },
    speaker: nullable(str),
    speaker_role: speakerRole,
    segment_index: int,
    quote_offset: int,
    start_seconds: nullable(num),
    confidence: num,
    extractor: str,
    extractor_version: str,
    prompt_version: nullable(str),
    transcript_hash: str,
    is_current: { type: 'boolean' },
    superseded_by: nullable(uuid),
    superseded_at: nullable(dateTime),
    created_at: dateTime,
    conversation_title: nullable(str),
    conversation_started_at: nullable(dateTime),
  }),
);

export const insightRunSchema = named(
  'InsightRun',
  obj({
    id: uuid,
    scope: {
      anyOf: [
        obj({ kind: enumOf(['deal']), deal_id: uuid }),
        obj({ kind: enumOf(['conversation']), conversation_id: uuid }),
        obj({ kind: enumOf(['pending']) }),
      ],
    },
    trigger: enumOf(['api', 'cli', 'post_sync']),
    status: enumOf(['queued', 'running', 'succeeded', 'failed']),
    totals: open(
      { done: int, total: int, conversations: int, extracted: int, insights_written: int },
      {
        optional: ['done', 'total', 'conversations', 'extracted', 'insights_written'],
        description: 'progress while it runs, the extraction totals when done',
      },
    ),
    error: nullable(str),
    deliveries: record({}, 'what went out about the run: `slack` holds the digest post'),
    created_at: dateTime,
    started_at: nullable(dateTime),
    finished_at: nullable(dateTime),
  }),
);

export const insightStatusSchema = named(
  'InsightStatus',
  obj({
    extractor: str,
    conversations: obj({ eligible: int, extracted: int, pending: int, failed: int, no_transcript: int }),
    insights: obj({ current: int, superseded: int, by_type: record(int, 'current insights per type') }),
    tokens: obj({ input: int, output: int, per_extracted_conversation: nullable(num) }),
    last_run: nullable(insightRunSchema),
  }),
);

const methodology = enumOf(['meddic', 'meddpicc', 'bant', 'spiced']);
const decidedBy = nullable(enumOf(['context_layer', 'crm_custom_fields']));
export const dealInsightsSchema = named(
  'DealInsights',
  obj({
    deal_id: uuid,
    count: int,
    by_type: obj(Object.fromEntries(INSIGHT_TYPES.map((t) => [t, arr(insightRowSchema)]))),
    methodology: obj({ methodology: nullable(methodology), decided_by: decidedBy, matched_fields: arr(str) }),
    framework: nullable(
      obj({
        methodology,
        decided_by: decidedBy,
        fields: arr(
          obj(
            {
              field: str,
              label: str,
              status: enumOf(['evidence', 'missing']),
              evidence: arr(
                obj({
                  insight_id: uuid,
                  type: insightType,
                  value: insightValue,
                  quote: str,
                  speaker: nullable(str),
                  conversation_id: uuid,
                }),
              ),
              note: str,
            },
            { optional: ['note'] },
          ),
        ),
        evidenced: arr(str),
        missing: arr(str),
      }),
    ),
  }),
);
