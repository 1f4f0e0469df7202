/**
 * Generates deals with the stage path each one walked (deal_stage_history) and the contacts on it
 * (deal_contacts). Closed deals are won or lost; open ones sit in a stage, some with slipped or past
 * close dates. Two custom fields are correlated with winning so custom-field discovery can find them.
 */
import { type Crm, type Pipeline, type StageDef, forecastCategory, pipelineFor } from './stages.ts';
import {
  type AccountModel,
  type ChunkPlan,
  type ContactModel,
  DAY_MS,
  type DealModel,
  type Outcome,
  type WorldContext,
  dateOnly,
  iso,
  nextNumber,
  ref,
} from './world-model.ts';
import { CONTACT_ROLES, DEAL_NAME_SUFFIXES, LEAD_SOURCES, NEXT_STEPS } from './vocabulary.ts';
import { dealSourceData } from './deal-source-data.ts';
import { PLANTED_ICP, companyFit, winChance } from './planted-icp.ts';

// Share of deals closed; of those, the planted ICP decides which are won (planted-icp.ts).
const CLOSED_SHARE = 0.55;

export interface DealFacts {
  crm: Crm;
  sourceId: string;
  name: string;
  account: AccountModel;
  pipeline: Pipeline;
  stage: StageDef;
  amount: number;
  currency: string;
  closeDate: string;
  createdAt: number;
  stageEnteredAt: number;
  closedAt: number | null;
  pushCount: number;
  nextStep: string | null;
  dealType: string;
  leadSource: string;
  probability: number;
  forecast: ReturnType<typeof forecastCategory>;
  fitScore: number;
  budgetStatus: string;
  ownerIndex: number;
}

export function generateDeal(ctx: WorldContext, plan: ChunkPlan, account: AccountModel): DealModel {
  const { rng, ids, team, asOf } = ctx;
  const crm = account.crm;
  const pipeline = pipelineFor(crm);
  const n = nextNumber(ctx, `${crm}:deal`);
  const sourceId = crm === 'hubspot' ? ids.hubspot('deal', n) : ids.salesforce('opportunity', n);
  const closed = rng.next() < CLOSED_SHARE;
  const fit = companyFit(account.industry, account.employees);
  const outcome: Outcome = !closed ? 'open' : rng.chance(winChance(fit)) ? 'won' : 'lost';
  const ownerIndex = rng.int(0, team.reps.length - 1);
  const owner = team.reps[ownerIndex]!;

  // The path: open deals stop in an early-weighted stage; won deals go (nearly) all the way; lost
  // deals drop out anywhere. Intermediate stages are skipped now and then, as reps do.
  const last = pipeline.open.length - 1;
  const reached =
    outcome === 'won'
      ? rng.int(Math.max(0, last - 2), last)
      : outcome === 'lost'
        ? rng.int(0, last)
        : Math.min(last, Math.floor(Math.abs(rng.normal()) * (last / 2)));
  const path: StageDef[] = [];
  for (let i = 0; i <= reached; i++) {
    if (i === 0 || i === reached || !rng.chance(0.2)) path.push(pipeline.open[i]!);
  }
  if (outcome === 'won') path.push(pipeline.won);
  if (outcome === 'lost') path.push(pipeline.lost);
  const stage = path[path.length - 1]!;

  // Time runs backwards from the last stage change so every timestamp lands before the world's "now".
  const gaps = path.slice(1).map(() => rng.int(2, 35) * DAY_MS + rng.int(0, 1439) * 60_000);
  const idle = outcome === 'open' ? rng.int(0, 75) * DAY_MS : rng.int(1, 600) * DAY_MS;
  const stageEnteredAt = Math.floor((asOf - idle - rng.int(0, 1439) * 60_000) / 60_000) * 60_000;
  const createdAt = stageEnteredAt - gaps.reduce((a, b) => a + b, 0);
  const closedAt = outcome === 'open' ? null : stageEnteredAt;

  let closeAt = closedAt ?? createdAt + rng.int(45, 160) * DAY_MS;
  let pushCount = 0;
  if (outcome === 'open') {
    const shape = rng.next();
    if (shape < 0.15) {
      closeAt = asOf - rng.int(1, 60) * DAY_MS; // past due while still open
    } else {
      if (shape < 0.45) {
        pushCount = rng.int(1, 3);
        for (let i = 0; i < pushCount; i++) closeAt += rng.int(14, 60) * DAY_MS;
      }
      if (closeAt < asOf) closeAt = asOf + rng.int(7, 120) * DAY_MS;
    }
  }

  const sizeFactor = Math.min(4, Math.max(0.4, Math.log10(account.employees) / 2.2));
  const amount = Math.round((Math.exp(Math.log(22_000) + 0.9 * rng.normal()) * sizeFactor) / 50) * 50;
  const omitted = outcome === 'open' && rng.chance(0.05);
  const forecast = forecastCategory(stage, omitted);
  const fitScore = Math.round(
    Math.min(100, Math.max(0, (outcome === 'won' ? 74 : outcome === 'lost' ? 44 : 58) + rng.normal() * 12)),
  );
  const budgetStatus = rng.weighted(
    ['approved', 'pending', 'not_allocated', 'unknown'],
    outcome === 'won' ? [70, 15, 5, 10] : outcome === 'lost' ? [15, 25, 40, 20] : [35, 30, 15, 20],
  );
  const facts: DealFacts = {
    crm,
    sourceId,
    name: `${account.name} - ${rng.pick(DEAL_NAME_SUFFIXES)}`,
    account,
    pipeline,
    stage,
    amount: Math.max(500, amount),
    currency: account.place.currency,
    closeDate: dateOnly(closeAt),
    createdAt,
    stageEnteredAt,
    closedAt,
    pushCount,
    nextStep: outcome === 'open' && rng.chance(0.7) ? rng.pick(NEXT_STEPS) : null,
    dealType: rng.chance(0.8) ? 'newbusiness' : 'existingbusiness',
    leadSource: rng.pick(LEAD_SOURCES),
    probability: stage.probability,
    forecast,
    fitScore,
    budgetStatus,
    ownerIndex,
  };

  const customFields =
    crm === 'hubspot'
      ? { technical_fit_score: fitScore, budget_status: budgetStatus, region: account.place.region }
      : { Technical_Fit_Score__c: fitScore, Budget_Status__c: budgetStatus, Region__c: account.place.region };
  plan.deals.push({
    row: {
      source: crm,
      source_id: sourceId,
      source_data: dealSourceData(facts, owner),
      custom_fields: customFields,
      source_created_at: iso(createdAt),
      source_updated_at: iso(stageEnteredAt),
      name: facts.name,
      amount: facts.amount,
      currency: facts.currency,
      pipeline: pipeline.id,
      stage: stage.id,
      stage_normalized: stage.normalized,
      probability: stage.probability,
      forecast_category: forecast,
      close_date: facts.closeDate,
      is_closed: outcome !== 'open',
      is_won: outcome === 'won',
      owner_email: owner.email,
      next_step: facts.nextStep,
      lead_source: facts.leadSource,
      deal_type: facts.dealType,
      stage_entered_at: iso(stageEnteredAt),
      closed_at: closedAt === null ? null : iso(closedAt),
    },
    refs: [ref('account_id', 'accounts', crm, account.sourceId)],
  });

  let at = createdAt;
  path.forEach((s, i) => {
    if (i > 0) at += gaps[i - 1]!;
    const from = i > 0 ? path[i - 1]! : null;
    plan.deal_stage_history.push({
      row: {
        changed_at: iso(at),
        to_stage: s.id,
        from_stage: from?.id ?? null,
        from_stage_normalized: from?.normalized ?? null,
        to_stage_normalized: s.normalized,
        source: crm === 'hubspot' ? 'hubspot' : 'salesforce_history',
      },
      refs: [ref('deal_id', 'deals', crm, sourceId)],
    });
  });

  const contacts = pickDealContacts(ctx, plan, account, crm, sourceId, outcome);
  return {
    sourceId,
    name: facts.name,
    account,
    owner,
    outcome,
    createdAt,
    endAt: closedAt ?? asOf,
    depth: path.length,
    contacts,
  };
}

function pickDealContacts(
  ctx: WorldContext,
  plan: ChunkPlan,
  account: AccountModel,
  crm: Crm,
  dealSourceId: string,
  outcome: Outcome,
) {
  const { rng } = ctx;
  // Won deals are more often multi-threaded: the correlation deal-risk analyses look for.
  const singleThreaded = rng.chance(outcome === 'won' ? 0.1 : outcome === 'lost' ? 0.35 : 0.25);
  const count = singleThreaded ? 1 : rng.int(2, 4);
  const chosen = rng.sample(account.contacts, count);
  // The planted committee: won deals mostly hold an economic buyer who is VP-level or higher.
  const strong = rng.chance(outcome === 'won' ? 0.75 : outcome === 'lost' ? 0.15 : 0.4);
  const isSenior = (c: ContactModel) => PLANTED_ICP.seniorities.includes(c.seniority);
  const senior = account.contacts.find(isSenior);
  if (strong && senior && !chosen.includes(senior)) chosen[chosen.length - 1] = senior;
  if (!strong) {
    // A weak committee has no one VP-level or higher when the account has anyone else to offer.
    const others = account.contacts.filter((c) => !isSenior(c) && !chosen.includes(c));
    for (let i = 0; i < chosen.length && others.length > 0; i++)
      if (isSenior(chosen[i]!)) chosen[i] = others.pop()!;
  }
  const roles = rng.sample(
    CONTACT_ROLES.filter((r) => r !== PLANTED_ICP.role),
    chosen.length,
  );
  if (strong && senior) roles[chosen.indexOf(senior)] = PLANTED_ICP.role;
  chosen.forEach((c, i) => {
    plan.deal_contacts.push({
      row: {
        source: crm === 'hubspot' ? 'hubspot_association' : 'salesforce_contact_role',
        // HubSpot associations often carry no label; Salesforce contact roles always name one.
        role: crm === 'hubspot' && rng.chance(0.4) ? null : roles[i]!,
        role_source: crm === 'hubspot' ? 'crm_association' : 'crm_role',
        role_confidence: 1,
        is_primary: i === 0,
      },
      refs: [ref('deal_id', 'deals', crm, dealSourceId), ref('contact_id', 'contacts', crm, c.sourceId)],
    });
  });
  return chosen;
}
