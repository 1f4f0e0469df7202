/** Response schemas of the output routes: Slack settings and posts, signing secrets, webhook endpoints. */
import { INSIGHT_TYPES } from '../../../insights/insight-types.ts';
import { WEBHOOK_EVENT_TYPES } from '../../../outputs/webhooks/webhook-endpoints.ts';
import {
  arr,
  bool,
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

export const slackSettingsSchema = named(
  'SlackSettings',
  obj({
    mode: enumOf(['bot', 'webhook']),
    enabled: bool,
    default_channel: nullable(str),
    channels: record(str, 'channel per skill id (or deal-insights)'),
    skills: record(bool, 'skills switched on or off for Slack'),
    updated_at: dateTime,
  }),
);

/** Block Kit blocks as Slack defines them: a `type` and that type's fields. */
const slackMessage = named('SlackMessage', obj({ text: str, blocks: arr(open({ type: str })) }));
export const slackMessagesSchema = obj({ messages: arr(slackMessage) });

const postOutcome = {
  status: enumOf(['posted', 'failed', 'skipped']),
  channel: nullable(str),
  ts: nullable(str),
  messages: int,
  reason: str,
  at: dateTime,
};
const outcomeOptional = ['channel', 'ts', 'messages', 'reason', 'at'];
export const slackPostOutcomeSchema = named(
  'SlackPostOutcome',
  obj(postOutcome, { optional: outcomeOptional }),
);
export const digestPostOutcomeSchema = nullable(
  named(
    'DigestPostOutcome',
    obj({ ...postOutcome, insights: int, deals: int }, { optional: outcomeOptional }),
  ),
);

const digestInsight = named(
  'DigestInsight',
  obj({
    id: uuid,
    type: enumOf(INSIGHT_TYPES),
    value: open({}, { description: "the insight's fields, by type" }),
    quote: str,
    speaker: nullable(str),
    speaker_role: str,
    confidence: num,
    extractor: str,
    extractor_version: str,
    created_at: dateTime,
    amount_base: nullable(num),
    conversation: obj({ id: uuid, title: nullable(str), started_at: nullable(dateTime) }),
  }),
);
export const digestPreviewSchema = named(
  'DigestPreview',
  obj({
    digest: obj({
      since: dateTime,
      as_of: dateTime,
      currency: str,
      total_insights: int,
      deals: arr(
        obj({
          deal_id: uuid,
          name: nullable(str),
          stage: nullable(str),
          amount_base: nullable(num),
          close_date: nullable({ type: 'string', format: 'date' }),
          owner_email: nullable(str),
          insights: arr(digestInsight),
        }),
      ),
      extractors: arr(str),
      offline: bool,
    }),
    messages: arr(slackMessage),
  }),
);

const signingSecret = { id: uuid, created_at: dateTime, expires_at: nullable(dateTime) };
export const signingSecretsSchema = obj({ data: arr(named('SigningSecret', obj(signingSecret))) });
export const newSigningSecretSchema = named(
  'NewSigningSecret',
  obj({
    ...signingSecret,
    secret: { type: 'string', description: 'shown only in this answer' },
  }),
);

const endpoint = {
  id: uuid,
  url: str,
  events: arr(enumOf(WEBHOOK_EVENT_TYPES)),
  enabled: bool,
  disabled_reason: nullable(str),
  consecutive_failures: int,
  created_at: dateTime,
  updated_at: dateTime,
};
export const webhookEndpointSchema = named('WebhookEndpoint', obj(endpoint));
export const newWebhookEndpointSchema = named(
  'NewWebhookEndpoint',
  obj({
    ...endpoint,
    secret: { type: 'string', description: 'signs the deliveries; shown only in this answer' },
  }),
);
export const webhookDeliveriesSchema = obj({
  data: arr(
    named(
      'WebhookDelivery',
      obj({
        id: uuid,
        event_id: str,
        event_type: str,
        status: enumOf(['pending', 'delivered', 'failed']),
        attempts: int,
        last_status: nullable(int),
        last_error: nullable(str),
        next_attempt_at: nullable(dateTime),
        created_at: dateTime,
        delivered_at: nullable(dateTime),
      }),
    ),
  ),
});

const runStatus = enumOf(['queued', 'running', 'succeeded', 'failed']);
export const triggeredRunSchema = named(
  'TriggeredRun',
  obj({ id: uuid, skill_id: str, status: runStatus, status_url: str }),
);
export const triggeredRunStatusSchema = named(
  'TriggeredRunStatus',
  obj({
    id: uuid,
    skill_id: str,
    status: runStatus,
    headline: nullable(str),
    findings: nullable(int),
    error: nullable(str),
    created_at: dateTime,
    finished_at: nullable(dateTime),
  }),
);
export const inboundEventsSchema = named(
  'InboundEvents',
  obj({ events: int, new_events: int, sync_log_id: uuid, coalesced: bool }),
);
