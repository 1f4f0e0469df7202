/** Response schemas of the closed-deal enrichment routes. */
import { STEP_NAMES } from '../../../enrichment/enrichment-steps.ts';
import { BUYING_ROLES } from '../../../enrichment/role-resolution.ts';
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

const stepRecord = named(
  'EnrichmentStep',
  obj(
    {
      step: enumOf(STEP_NAMES),
      status: enumOf(['succeeded', 'not_configured', 'disabled', 'failed']),
      summary: open({}, { description: "the step's counts (contacts looked up, requests, signals, …)" }),
      note: { type: 'string', description: 'why the step did not run, or ran in part' },
      error: str,
      started_at: dateTime,
      duration_ms: int,
    },
    { optional: ['note', 'error'] },
  ),
);

export const enrichmentRunSchema = named(
  'EnrichmentRun',
  obj({
    id: uuid,
    scope: obj(
      {
        kind: enumOf(['deal', 'deals', 'pending']),
        deal_id: uuid,
        deal_ids: arr(uuid),
      },
      { optional: ['deal_id', 'deal_ids'] },
    ),
    trigger: enumOf(['api', 'post_sync', 'cli']),
    status: enumOf(['queued', 'running', 'succeeded', 'failed']),
    steps: arr(stepRecord),
    totals: open(
      {},
      { description: 'deals, won, lost, contacts, requests per provider, steps failed or not configured' },
    ),
    error: nullable(str),
    created_at: dateTime,
    started_at: nullable(dateTime),
    finished_at: nullable(dateTime),
  }),
);

export const enrichmentSettingsSchema = named(
  'EnrichmentSettings',
  obj({
    apollo: obj({ configured: bool, requests_per_second: num }),
    serper: obj({ configured: bool, requests_per_second: num }),
    linkedin: obj({ configured: bool }),
    ttl_days: int,
    signals_per_account: int,
    steps: obj({ roles: bool, apollo: bool, signals: bool, linkedin: bool }),
  }),
);

const roleCoverage = named(
  'RoleCoverage',
  obj({
    role: enumOf(BUYING_ROLES),
    won_deals: int,
    lost_deals: int,
    won_share: nullable(num),
    lost_share: nullable(num),
  }),
);

export const enrichmentStatusSchema = named(
  'EnrichmentStatus',
  obj({
    providers: enrichmentSettingsSchema,
    deals: obj({ closed: int, enriched: int, pending: int }),
    contacts: record(int, 'contacts by enrichment outcome (matched, no_match, email_locked, not_run, …)'),
    signals: obj({ total: int, by_type: record(int, 'signals by type'), accounts_searched: int }),
    coverage: obj({
      won_deals: int,
      lost_deals: int,
      avg_committee_size: obj({ won: nullable(num), lost: nullable(num) }),
      roles: arr(roleCoverage),
    }),
    last_run: nullable(enrichmentRunSchema),
  }),
);

const committeeMember = named(
  'CommitteeMember',
  obj({
    contact_id: uuid,
    name: nullable(str),
    email: nullable(str),
    title: nullable(str),
    buying_role: nullable(enumOf(BUYING_ROLES)),
    buying_role_source: nullable(str),
    buying_role_confidence: nullable(num),
    crm_role: nullable(str),
    enrichment_status: nullable(str),
    seniority: nullable(str),
    seniority_verified: bool,
    department: nullable(str),
    department_verified: bool,
    tenure_months: nullable(int),
    apollo_title: nullable(str),
    linkedin_url: nullable(str),
    enriched_at: nullable(dateTime),
    evidence: arr(open({}, { description: 'a call insight naming the contact as a stakeholder' })),
  }),
);

export const buyingCommitteeSchema = named(
  'BuyingCommittee',
  obj({
    deal_id: uuid,
    name: nullable(str),
    outcome: nullable(enumOf(['won', 'lost'])),
    enriched_at: nullable(dateTime),
    run_id: nullable(uuid),
    committee_size: int,
    roles_present: arr(enumOf(BUYING_ROLES)),
    roles_missing: arr(enumOf(BUYING_ROLES)),
    signals_before_close: int,
    members: arr(committeeMember),
  }),
);
