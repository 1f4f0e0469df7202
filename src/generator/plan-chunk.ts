/**
 * Plans the next chunk of the world: whole accounts with everything hanging off them, in one fixed
 * order from one seeded stream, so the world is the same whatever the chunk size.
 */
import { generateAccount } from './accounts-contacts.ts';
import {
  generateAccountConversations,
  generateDealConversations,
  generateInternalMeeting,
} from './conversations.ts';
import { generateDeal } from './deals.ts';
import { generateEngagement } from './engagement.ts';
import { generateLeads } from './leads.ts';
import { type PlannedCall, tagAccountCases } from './linker-cases.ts';
import type { Person } from './recorder-payloads.ts';
import { type ChunkPlan, type DealModel, type WorldContext, emptyPlan } from './world-model.ts';

export interface WorldCursor {
  accountIndex: number;
  dealsRemaining: number;
  /** The contact who left the previous account for the next one (carried across chunks). */
  arrivingMover: Person | null;
}

// Share of accounts with no deal at all: their calls are the "external call, no deal" case.
const ACCOUNTS_WITHOUT_DEALS = 0.12;
const MAX_DEALS_PER_ACCOUNT = 10;

export function planChunk(ctx: WorldContext, cursor: WorldCursor, targetDeals: number): ChunkPlan {
  const { rng } = ctx;
  const plan = emptyPlan();
  while (cursor.dealsRemaining > 0 && plan.deals_planned < targetDeals) {
    const account = generateAccount(ctx, plan, cursor.accountIndex++, cursor.arrivingMover);
    cursor.arrivingMover = account.leavingMover;
    const wanted = rng.chance(ACCOUNTS_WITHOUT_DEALS)
      ? 0
      : Math.min(MAX_DEALS_PER_ACCOUNT, 1 + Math.floor(Math.abs(rng.normal()) * 2.2));
    const dealCount = Math.min(wanted, cursor.dealsRemaining);
    const deals: DealModel[] = [];
    const calls: PlannedCall[] = [];
    for (let i = 0; i < dealCount; i++) {
      const deal = generateDeal(ctx, plan, account);
      generateEngagement(ctx, plan, deal);
      calls.push(...generateDealConversations(ctx, plan, deal, deals));
      deals.push(deal);
    }
    tagAccountCases(calls, deals);
    if (dealCount === 0) generateAccountConversations(ctx, plan, account);
    generateLeads(ctx, plan, account, deals);
    // About one internal meeting per three accounts keeps internal meetings near a tenth of all calls.
    if (rng.chance(0.3)) generateInternalMeeting(ctx, plan);
    if (rng.chance(0.05)) generateInternalMeeting(ctx, plan);
    cursor.dealsRemaining -= dealCount;
    plan.deals_planned += dealCount;
  }
  return plan;
}
