/**
 * Linker quality against the generator's ground truth: precision and recall overall, per link_method and
 * per hard case (linker-cases.ts; 'plain' = a call in none of them).
 */
import type { Db } from '../../src/db/db.ts';
import { LINKER_CASES } from '../../src/generator/linker-cases.ts';
import type { TruthRecord } from '../../src/generator/world-model.ts';

interface LinkedRow {
  source: string;
  source_id: string;
  is_internal: boolean | null;
  link_method: string | null;
  deal_key: string | null;
  account_key: string | null;
  decidable_deal: boolean;
}

export interface Score {
  predicted: number;
  correct: number;
  precision: number | null;
  recall: number | null;
}

function score(predicted: number, correct: number, relevant: number): Score {
  const r = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    predicted,
    correct,
    precision: predicted > 0 ? r(correct / predicted) : null,
    recall: relevant > 0 ? r(correct / relevant) : null,
  };
}

export interface QualityReport {
  conversations: number;
  internal_accuracy: number;
  internal_confusion: {
    true_internal: number;
    false_internal: number;
    true_external: number;
    false_external: number;
  };
  deal: { overall: Score; by_link_method: Record<string, Score>; decidable: Score & { relevant: number } };
  account: { overall: Score; by_link_method: Record<string, Score> };
  by_class: Record<string, ClassScore>;
}

export interface ClassScore {
  calls: number;
  /** Calls the internal-meeting filter got wrong. */
  internal_errors: number;
  deal: Score & { relevant: number };
  account: Score & { relevant: number };
}

interface Tally {
  calls: number;
  internalErrors: number;
  deal: { predicted: number; correct: number; relevant: number };
  account: { predicted: number; correct: number; relevant: number };
}

const emptyTally = (): Tally => ({
  calls: 0,
  internalErrors: 0,
  deal: { predicted: 0, correct: 0, relevant: 0 },
  account: { predicted: 0, correct: 0, relevant: 0 },
});

export async function measureQuality(
  db: Db,
  workspaceId: string,
  truth: TruthRecord[],
): Promise<QualityReport> {
  // decidable_deal: the data holds some evidence for the true deal (a CRM id naming it, or a participant
  // who is one of its contacts); without either, no linker could tell which of the account's deals it was.
  const { rows } = await db.query<LinkedRow>(
    /* sql */ `SELECT c.source, c.source_id, c.is_internal, c.link_method,
                   d.source || ':' || d.source_id AS deal_key, a.source || ':' || a.source_id AS account_key,
                   false AS decidable_deal
              FROM conversations c
              LEFT JOIN deals d ON d.workspace_id = c.workspace_id AND d.id = c.deal_id
              LEFT JOIN accounts a ON a.workspace_id = c.workspace_id AND a.id = c.account_id
             WHERE c.workspace_id = $1::uuid`,
    [workspaceId],
  );
  const evidence = await db.query<{ key: string; deal_key: string }>(
    /* sql */ `SELECT c.source || ':' || c.source_id AS key, d.source || ':' || d.source_id AS deal_key
              FROM conversations c
              CROSS JOIN LATERAL jsonb_array_elements(c.participants) p
              JOIN contacts ct ON ct.workspace_id = c.workspace_id AND lower(ct.email) = lower(p->>'email')
              JOIN deal_contacts dc ON dc.workspace_id = c.workspace_id AND dc.contact_id = ct.id
              JOIN deals d ON d.workspace_id = c.workspace_id AND d.id = dc.deal_id
             WHERE c.workspace_id = $1::uuid
            UNION
            SELECT c.source || ':' || c.source_id, k.key || ':' || coalesce(k.value->>'opportunity_id', k.value->>'deal_id')
              FROM conversations c CROSS JOIN LATERAL jsonb_each(c.crm_context) k
             WHERE c.workspace_id = $1::uuid AND jsonb_typeof(k.value) = 'object'
               AND coalesce(k.value->>'opportunity_id', k.value->>'deal_id') IS NOT NULL`,
    [workspaceId],
  );
  const evidenceSet = new Set(evidence.rows.map((r) => `${r.key}|${r.deal_key}`));
  const byKey = new Map(rows.map((r) => [`${r.source}:${r.source_id}`, r]));

  const confusion = { true_internal: 0, false_internal: 0, true_external: 0, false_external: 0 };
  const deal = {
    predicted: 0,
    correct: 0,
    relevant: 0,
    decidableRelevant: 0,
    decidableCorrect: 0,
    decidablePredicted: 0,
  };
  const account = { predicted: 0, correct: 0, relevant: 0 };
  const classes = new Map<string, Tally>(['plain', ...LINKER_CASES].map((c) => [c, emptyTally()]));
  const dealTier = new Map<string, { predicted: number; correct: number }>();
  const accountTier = new Map<string, { predicted: number; correct: number }>();
  const bump = (m: Map<string, { predicted: number; correct: number }>, k: string, ok: boolean) => {
    const v = m.get(k) ?? { predicted: 0, correct: 0 };
    v.predicted++;
    if (ok) v.correct++;
    m.set(k, v);
  };
  for (const t of truth) {
    const key = `${t.source}:${t.source_id}`;
    const row = byKey.get(key);
    if (!row) continue;
    const predictedInternal = row.is_internal === true;
    if (t.is_internal) predictedInternal ? confusion.true_internal++ : confusion.false_external++;
    else predictedInternal ? confusion.false_internal++ : confusion.true_external++;

    const trueDeal = t.deal_source_id ? `${t.deal_source}:${t.deal_source_id}` : null;
    const trueAccount = t.account_source_id ? `${t.account_source}:${t.account_source_id}` : null;
    const decidable = trueDeal !== null && evidenceSet.has(`${key}|${trueDeal}`);
    for (const c of t.classes?.length ? t.classes : ['plain']) {
      const tally = classes.get(c)!;
      tally.calls++;
      if (predictedInternal !== t.is_internal) tally.internalErrors++;
      if (trueDeal) tally.deal.relevant++;
      if (row.deal_key) {
        tally.deal.predicted++;
        if (row.deal_key === trueDeal) tally.deal.correct++;
      }
      if (trueAccount) tally.account.relevant++;
      if (row.account_key) {
        tally.account.predicted++;
        if (row.account_key === trueAccount) tally.account.correct++;
      }
    }
    if (trueDeal) deal.relevant++;
    if (decidable) deal.decidableRelevant++;
    if (row.deal_key) {
      const ok = row.deal_key === trueDeal;
      deal.predicted++;
      if (ok) deal.correct++;
      if (decidable) {
        deal.decidablePredicted++;
        if (ok) deal.decidableCorrect++;
      }
      bump(dealTier, row.link_method ?? 'none', ok);
    }
    if (trueAccount) account.relevant++;
    if (row.account_key) {
      const ok = row.account_key === trueAccount;
      account.predicted++;
      if (ok) account.correct++;
      bump(accountTier, row.link_method ?? 'none', ok);
    }
  }
  const tiers = (m: Map<string, { predicted: number; correct: number }>, relevant: number) =>
    Object.fromEntries([...m].sort().map(([k, v]) => [k, score(v.predicted, v.correct, relevant)]));
  const n =
    confusion.true_internal + confusion.false_internal + confusion.true_external + confusion.false_external;
  return {
    conversations: n,
    internal_accuracy:
      Math.round(((confusion.true_internal + confusion.true_external) / Math.max(1, n)) * 10_000) / 10_000,
    internal_confusion: confusion,
    deal: {
      overall: score(deal.predicted, deal.correct, deal.relevant),
      by_link_method: tiers(dealTier, deal.relevant),
      decidable: {
        ...score(deal.decidablePredicted, deal.decidableCorrect, deal.decidableRelevant),
        relevant: deal.decidableRelevant,
      },
    },
    account: {
      overall: score(account.predicted, account.correct, account.relevant),
      by_link_method: tiers(accountTier, account.relevant),
    },
    by_class: Object.fromEntries(
      [...classes].map(([c, v]) => [
        c,
        {
          calls: v.calls,
          internal_errors: v.internalErrors,
          deal: { ...score(v.deal.predicted, v.deal.correct, v.deal.relevant), relevant: v.deal.relevant },
          account: {
            ...score(v.account.predicted, v.account.correct, v.account.relevant),
            relevant: v.account.relevant,
          },
        },
      ]),
    ),
  };
}
