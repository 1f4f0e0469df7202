/**
 * The deal-insights digest: the current insights written since a time, grouped by deal (the deal with the
 * newest insight first), each with its verbatim quote and the call it came from, money in the workspace's
 * base currency. Formatted as Block Kit within Slack's limits and posted through the shared posting path
 * under the settings key `deal-insights`. A digest from the offline rules says so: no model ran.
 */
import type { Config } from '../../config.ts';
import type { Queryable } from '../../db/db.ts';
import { withWorkspace } from '../../db/tenant-scope.ts';
import { ConflictError } from '../../errors.ts';
import type { InsightType } from '../../insights/insight-types.ts';
import { OFFLINE_EXTRACTOR } from '../../insights/offline-extractor.ts';
import { money } from '../../skills/skill-format.ts';
import {
  type Block,
  context,
  divider,
  escapeMrkdwn,
  header,
  link,
  packMessages,
  type SlackMessage,
  section,
  truncate,
} from './block-kit.ts';
import {
  postsAutomatically,
  postToWorkspaceSlack,
  type SlackPostDeps,
  type SlackPostOutcome,
  slackDestination,
} from './slack-posting.ts';
import { loadSlackSettings } from './slack-settings.ts';

/** The Slack settings key of the digest: its channel, and `skills['deal-insights'] = false` turns auto posts off. */
export const DIGEST_KEY = 'deal-insights';
/** A digest reads at most this many insights; the count of the rest is still reported. */
const MAX_DIGEST_INSIGHTS = 500;
/** Shown per deal and deals shown per digest; the rest are counted, the full list is over the API. */
const MAX_PER_DEAL = 8;
const MAX_DEALS = 40;
/** A quote longer than this is cut in Slack (the stored quote stays whole). */
const QUOTE_CHARS = 400;

export interface DigestInsight {
  id: string;
  type: InsightType;
  value: Record<string, unknown>;
  quote: string;
  speaker: string | null;
  speaker_role: string;
  confidence: number;
  extractor: string;
  extractor_version: string;
  created_at: string;
  /** A budget's amount in the base currency (null when its currency has no rate). */
  amount_base: number | null;
  conversation: { id: string; title: string | null; started_at: string | null };
}

export interface DigestDeal {
  deal_id: string;
  name: string | null;
  stage: string | null;
  amount_base: number | null;
  close_date: string | null;
  owner_email: string | null;
  insights: DigestInsight[];
}

export interface InsightsDigest {
  since: string;
  as_of: string;
  currency: string;
  /** Every current insight written since `since`; `deals` holds at most MAX_DIGEST_INSIGHTS of them. */
  total_insights: number;
  deals: DigestDeal[];
  /** Each extractor behind the insights shown, as name@version, and whether any is the offline rules. */
  extractors: string[];
  offline: boolean;
}

interface Row {
  id: string;
  deal_id: string;
  insight_type: InsightType;
  value: Record<string, unknown>;
  quote: string;
  speaker: string | null;
  speaker_role: string;
  confidence: number;
  extractor: string;
  extractor_version: string;
  created_at: Date;
  amount_base: number | null;
  conversation_id: string;
  conversation_title: string | null;
  conversation_started_at: Date | null;
  deal_name: string | null;
  deal_stage: string | null;
  deal_amount_base: number | null;
  close_date: string | null;
  owner_email: string | null;
  latest: Date;
  total: number;
}

// Deals ordered by their newest insight; within a deal the newest call first, then the call's order.
const DIGEST_SQL = /* sql */ `
  WITH recent AS (
    SELECT i.*, max(i.created_at) OVER (PARTITION BY i.deal_id) AS latest, count(*) OVER () AS total
    FROM deal_insights i
    WHERE i.workspace_id = $1::uuid AND i.is_current AND i.created_at >= $2::timestamptz
  )
  SELECT r.id, r.deal_id, r.insight_type, r.value, r.quote, r.speaker, r.speaker_role,
         r.confidence::float8 AS confidence, r.extractor, r.extractor_version, r.created_at, r.latest,
         r.total::int AS total,
         CASE WHEN r.insight_type = 'budget' AND jsonb_typeof(r.value->'amount') = 'number'
              THEN pandora_amount_base($1::uuid, (r.value->>'amount')::numeric, r.value->>'currency',
                                       c.started_at::date)::float8 END AS amount_base,
         c.id AS conversation_id, c.title AS conversation_title, c.started_at AS conversation_started_at,
         d.name AS deal_name, coalesce(d.stage_normalized, d.stage) AS deal_stage,
         d.amount_base::float8 AS deal_amount_base, d.close_date::text AS close_date, d.owner_email
  FROM recent r
  JOIN deals d ON d.workspace_id = r.workspace_id AND d.id = r.deal_id
  JOIN conversations c ON c.workspace_id = r.workspace_id AND c.id = r.conversation_id
  ORDER BY r.latest DESC, r.deal_id, c.started_at DESC NULLS LAST, c.id, r.segment_index, r.id
  LIMIT $3::int`;

/** The current insights written since `since`, grouped by deal, newest first. */
export async function loadInsightsDigest(
  q: Queryable,
  workspaceId: string,
  since: Date,
): Promise<InsightsDigest> {
  const { rows } = await q.query<Row>(DIGEST_SQL, [workspaceId, since.toISOString(), MAX_DIGEST_INSIGHTS]);
  const currency = (
    await q.query<{ base: string }>('SELECT pandora_base_currency($1::uuid) AS base', [workspaceId])
  ).rows[0]!.base;
  const deals = new Map<string, DigestDeal>();
  const extractors = new Set<string>();
  for (const r of rows) {
    let deal = deals.get(r.deal_id);
    if (!deal) {
      deal = {
        deal_id: r.deal_id,
        name: r.deal_name,
        stage: r.deal_stage,
        amount_base: r.deal_amount_base,
        close_date: r.close_date,
        owner_email: r.owner_email,
        insights: [],
      };
      deals.set(r.deal_id, deal);
    }
    extractors.add(`${r.extractor}@${r.extractor_version}`);
    deal.insights.push({
      id: r.id,
      type: r.insight_type,
      value: r.value,
      quote: r.quote,
      speaker: r.speaker,
      speaker_role: r.speaker_role,
      confidence: r.confidence,
      extractor: r.extractor,
      extractor_version: r.extractor_version,
      created_at: new Date(r.created_at).toISOString(),
      amount_base: r.amount_base,
      conversation: {
        id: r.conversation_id,
        title: r.conversation_title,
        started_at: r.conversation_started_at ? new Date(r.conversation_started_at).toISOString() : null,
      },
    });
  }
  return {
    since: since.toISOString(),
    as_of: new Date().toISOString(),
    currency,
    total_insights: rows[0]?.total ?? 0,
    deals: [...deals.values()],
    extractors: [...extractors].sort(),
    offline: rows.some((r) => r.extractor === OFFLINE_EXTRACTOR.extractor),
  };
}

const TYPE_LABEL: Readonly<Record<InsightType, string>> = {
  next_steps: 'Next step',
  objections: 'Objection',
  decision_criteria: 'Decision criterion',
  timeline: 'Timeline',
  stakeholders: 'Stakeholder',
  risks: 'Risk',
  competitors: 'Competitor',
  budget: 'Budget',
};

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
const words = (s: string) => s.replaceAll('_', ' ');

/** The normalised value in a few words: a name, a person and role, an amount, a date, a topic. */
function valueText(i: DigestInsight, currency: string): string {
  const v = i.value;
  switch (i.type) {
    case 'competitors':
      return str(v.name);
    case 'stakeholders':
      return [str(v.name), str(v.role)].filter(Boolean).join(', ');
    case 'budget': {
      if (i.amount_base !== null) return money(i.amount_base, currency);
      // No rate into the base currency: the amount as said, never silently mixed with base amounts.
      const cur = str(v.currency);
      return typeof v.amount === 'number' ? `${money(v.amount, cur || currency)} (no ${currency} rate)` : '';
    }
    case 'timeline':
      return [str(v.date), str(v.phrase) && `"${str(v.phrase)}"`].filter(Boolean).join(' ');
    default:
      return str(v.topic) && str(v.topic) !== 'other' ? words(str(v.topic)) : '';
  }
}

function insightText(i: DigestInsight, currency: string): string {
  const value = valueText(i, currency);
  const who = i.speaker ? `${i.speaker} (${i.speaker_role})` : i.speaker_role;
  const call = `${i.conversation.title ?? 'call'}${i.conversation.started_at ? `, ${i.conversation.started_at.slice(0, 10)}` : ''}`;
  return (
    `*${TYPE_LABEL[i.type]}*${value ? `: ${escapeMrkdwn(value)}` : ''}\n` +
    `> ${escapeMrkdwn(truncate(i.quote.replace(/\s+/g, ' '), QUOTE_CHARS))}\n` +
    `— ${escapeMrkdwn(who)} · ${escapeMrkdwn(call)}`
  );
}

function dealLine(d: DigestDeal, currency: string, url?: string): string {
  const name = d.name ?? '(unnamed deal)';
  const parts = [
    url ? link(url, name) : `*${escapeMrkdwn(name)}*`,
    d.stage ? escapeMrkdwn(words(d.stage)) : null,
    d.amount_base !== null ? money(d.amount_base, currency) : null,
    d.close_date ? `closes ${d.close_date}` : null,
    d.owner_email ? escapeMrkdwn(d.owner_email) : null,
  ];
  return parts.filter(Boolean).join(' · ');
}

/** Who extracted the insights, in plain words: the offline rules are named as rules, never as a model. */
function extractorNote(digest: InsightsDigest): string {
  const names = digest.extractors.map((e) =>
    e.startsWith(`${OFFLINE_EXTRACTOR.extractor}@`)
      ? `${e} (offline rules: cue phrases and patterns, no model ran)`
      : e,
  );
  return `Extracted by ${escapeMrkdwn(names.join(', '))}`;
}

/**
 * The digest as Slack messages: the first to the channel, the rest in its thread. `dealUrl` links each
 * deal to its insights over the API when the public URL is known.
 */
export function formatInsightsDigest(
  digest: InsightsDigest,
  dealUrl?: (dealId: string) => string | undefined,
): SlackMessage[] {
  const count = digest.total_insights;
  const title =
    count === 0
      ? 'Deal insights: nothing new'
      : `Deal insights: ${count} new across ${digest.deals.length}${count > MAX_DIGEST_INSIGHTS ? '+' : ''} deal${digest.deals.length === 1 ? '' : 's'}`;
  const blocks: Block[] = [
    header(title),
    context(`Since ${escapeMrkdwn(digest.since)}`, `as of ${escapeMrkdwn(digest.as_of)}`),
  ];
  if (count === 0) {
    blocks.push(section('No deal insights were extracted from calls in this period.'));
    return packMessages(title, blocks);
  }
  for (const d of digest.deals.slice(0, MAX_DEALS)) {
    blocks.push(divider(), section(dealLine(d, digest.currency, dealUrl?.(d.deal_id))));
    for (const i of d.insights.slice(0, MAX_PER_DEAL)) blocks.push(section(insightText(i, digest.currency)));
    if (d.insights.length > MAX_PER_DEAL)
      blocks.push(context(`${d.insights.length - MAX_PER_DEAL} more insights on this deal`));
  }
  const shown = digest.deals.reduce((n, d) => n + d.insights.length, 0);
  const moreDeals = digest.deals.length - Math.min(digest.deals.length, MAX_DEALS);
  if (moreDeals > 0 || count > shown)
    blocks.push(
      context(
        `${moreDeals > 0 ? `${moreDeals} more deals` : 'More deals'} with new insights: see each deal's insights over the API`,
      ),
    );
  blocks.push(context(extractorNote(digest)));
  return packMessages(title, blocks);
}

export function dealInsightsUrl(config: Config, workspaceId: string) {
  return (dealId: string) =>
    config.publicUrl
      ? `${config.publicUrl.replace(/\/$/, '')}/api/workspaces/${workspaceId}/deals/${dealId}/insights`
      : undefined;
}

/** The digest since `since` as the messages it would post, and the digest itself. */
export async function previewInsightsDigest(
  deps: Pick<SlackPostDeps, 'db' | 'config'>,
  workspaceId: string,
  since: Date,
): Promise<{ digest: InsightsDigest; messages: SlackMessage[] }> {
  const digest = await withWorkspace(deps.db, workspaceId, (tx) =>
    loadInsightsDigest(tx, workspaceId, since),
  );
  return { digest, messages: formatInsightsDigest(digest, dealInsightsUrl(deps.config, workspaceId)) };
}

/**
 * Posts the digest since `since`. `force` (an explicit request) posts even when automatic posts are off
 * or nothing is new, and refuses with a ConflictError when Slack is not configured or has nowhere to post
 * it; without `force` it returns null when it would not post (not configured, off, or nothing new).
 */
export async function postInsightsDigest(
  deps: SlackPostDeps,
  workspaceId: string,
  since: Date,
  opts: { force?: boolean } = {},
): Promise<(SlackPostOutcome & { insights: number; deals: number }) | null> {
  const settings = await withWorkspace(deps.db, workspaceId, (tx) =>
    loadSlackSettings(tx, workspaceId, deps.vault),
  );
  if (!settings) {
    if (opts.force)
      throw new ConflictError('Slack is not configured for this workspace: PUT /slack/settings first');
    return null;
  }
  if (!opts.force && !postsAutomatically(settings, DIGEST_KEY)) return null;
  const nowhere = slackDestination(settings, DIGEST_KEY);
  if (typeof nowhere === 'string' && opts.force)
    throw new ConflictError(`the deal-insights digest cannot be posted: ${nowhere}`);
  const { digest, messages } = await previewInsightsDigest(deps, workspaceId, since);
  if (!opts.force && digest.total_insights === 0) return null;
  const outcome = await postToWorkspaceSlack(deps, settings, DIGEST_KEY, messages, { workspaceId });
  return { ...outcome, insights: digest.total_insights, deals: digest.deals.length };
}
