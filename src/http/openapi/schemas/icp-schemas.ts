/** Response schemas of the ICP routes: profiles, their versions and lead scores with their breakdown. */
import { FACTORS } from '../../../icp/icp-features.ts';
import { GRADES, SCORED_ENTITIES } from '../../../icp/lead-scoring.ts';
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
  str,
  uuid,
} from '../schema-builders.ts';

const icpFeature = named(
  'IcpFeature',
  obj({
    factor: enumOf(FACTORS),
    value: str,
    deals: int,
    won: int,
    accounts: int,
    win_rate: num,
    lift: num,
    p_value: nullable(num),
    verdict: enumOf(['signal', 'no_signal', 'too_little_data']),
    weight: nullable(num),
  }),
);

export const icpProfileSchema = named(
  'IcpProfile',
  obj({
    id: uuid,
    version: int,
    is_current: { type: 'boolean' },
    firmographic_weights: arr(icpFeature),
    personas: obj({ seniority: arr(icpFeature), departments: arr(icpFeature), titles: arr(icpFeature) }),
    committee_patterns: obj({
      buying_roles: arr(icpFeature),
      won_committee_size: nullable(num),
      lost_committee_size: nullable(num),
    }),
    features: arr(icpFeature),
    learned_from: obj({
      deals: int,
      won: int,
      lost: int,
      accounts: int,
      base_win_rate: num,
      closed_before: nullable(date),
      won_deal_ids: arr(uuid),
      lost_deal_ids: arr(uuid),
      min_support: obj({ deals: int, accounts: int }),
      alpha: num,
    }),
    summary: nullable(str),
    summary_source: nullable(str),
    created_at: dateTime,
  }),
);

const icpProfileVersion = named(
  'IcpProfileVersion',
  obj({
    id: uuid,
    version: int,
    is_current: { type: 'boolean' },
    learned_from: obj({ deals: int, won: int, lost: int, closed_before: nullable(date) }),
    signals: int,
    created_at: dateTime,
  }),
);
export const icpProfileVersionsSchema = obj({ data: arr(icpProfileVersion) });

const breakdownItem = named(
  'LeadScoreFactor',
  obj({
    factor: enumOf(FACTORS),
    value: nullable(str),
    points: num,
    max_points: num,
    evidence: nullable(obj({ lift: num, win_rate: num, deals: int, accounts: int, p_value: nullable(num) })),
  }),
);

const leadScore = named(
  'LeadScore',
  obj({
    entity_type: enumOf(SCORED_ENTITIES),
    entity_id: uuid,
    profile_id: uuid,
    profile_version: int,
    is_current: { type: 'boolean' },
    score: int,
    grade: enumOf(GRADES),
    breakdown: arr(breakdownItem),
    scored_at: dateTime,
  }),
);
export const leadScoresSchema = obj({ data: arr(leadScore) });
