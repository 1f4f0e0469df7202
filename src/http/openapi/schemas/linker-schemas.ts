/** Response schemas of the linker routes: internal domains, runs, coverage, manual links, gaps. */
import { LIKELY_CAUSES, SEVERITIES } from '../../../linker/cwd-scoring.ts';
import { DOMAIN_SOURCES } from '../../../linker/internal-domains.ts';
import { LINK_METHODS } from '../../../linker/link-conversations.ts';
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
  record,
  str,
  uuid,
} from '../schema-builders.ts';

const countsOf = (keys: readonly string[]) => obj(Object.fromEntries(keys.map((k) => [k, int])));
const domainSource = enumOf(DOMAIN_SOURCES);
const autoLinkMethods = LINK_METHODS.filter((m) => m !== 'manual');

const internalDomains = {
  domains: arr(str),
  decided_by: nullable(domainSource),
  entries: arr(obj({ domain: str, source: domainSource })),
  candidates: named(
    'InternalDomainCandidates',
    obj(Object.fromEntries(DOMAIN_SOURCES.map((s) => [s, arr(str)])), {
      description: 'the domains each source proposes; the first source with any decides',
    }),
  ),
};

export const linkerCoverageSchema = named(
  'LinkerCoverage',
  obj({
    conversations: int,
    internal: int,
    unclassified: int,
    external: int,
    linked_to_deal: int,
    account_only: int,
    contact_only: int,
    unlinked: int,
    by_link_method: record(int, 'linked conversations per link method'),
    deal_link_rate: nullable(num),
    account_link_rate: nullable(num),
  }),
);

const decided = obj({ domains: arr(str), decided_by: nullable(domainSource) });

export const linkerRunSchema = named(
  'LinkerRun',
  obj({
    internal_domains: decided,
    classification: obj({
      changed: int,
      internal: int,
      external: int,
      by_reason: record(int, 'conversations per classification reason'),
    }),
    internal_links_cleared: int,
    tiers: countsOf(autoLinkMethods),
    links_changed: int,
    coverage: linkerCoverageSchema,
    elapsed_ms: obj({ classify: int, link: int, total: int }),
  }),
);

export const internalDomainsSchema = named('InternalDomains', obj(internalDomains));
export const internalDomainsWriteSchema = obj({ ...internalDomains, relink: linkerRunSchema });
export const linkerStatusSchema = named(
  'LinkerStatus',
  obj({ internal_domains: decided, coverage: linkerCoverageSchema }),
);

export const conversationLinkSchema = named(
  'ConversationLink',
  obj({
    conversation_id: uuid,
    is_internal: nullable(bool),
    internal_classification_reason: nullable(str),
    contact_id: nullable(uuid),
    account_id: nullable(uuid),
    deal_id: nullable(uuid),
    link_method: nullable(enumOf(LINK_METHODS)),
  }),
);

const cwdItem = named(
  'ConversationWithoutDeal',
  obj({
    conversation_id: uuid,
    title: nullable(str),
    started_at: nullable(dateTime),
    duration_seconds: nullable(int),
    source: str,
    source_url: nullable(str),
    account: obj({ id: uuid, name: nullable(str), domain: nullable(str) }),
    contact_id: nullable(uuid),
    link_method: nullable(str),
    external_participants: int,
    top_seniority: str,
    open_deals_at_account: int,
    total_contacts_at_account: int,
    rep: nullable(obj({ email: str, name: nullable(str) })),
    days_ago: nullable(int),
    severity: enumOf(SEVERITIES),
    severity_points: num,
    likely_cause: enumOf(LIKELY_CAUSES),
    cause_rule: str,
    ambiguous: { type: 'boolean', description: 'several deals were live at the call' },
    deal_candidates: arr(obj({ id: uuid, name: nullable(str), stage: nullable(str), is_closed: bool })),
  }),
);
export const cwdPageSchema = named(
  'ConversationWithoutDealPage',
  obj({ data: arr(cwdItem), next_cursor: nullable(str) }),
);
export const cwdSummarySchema = named(
  'ConversationsWithoutDealsSummary',
  obj({
    total: int,
    accounts: int,
    by_severity: countsOf(SEVERITIES),
    by_cause: countsOf(LIKELY_CAUSES),
  }),
);
