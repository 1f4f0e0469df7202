/**
 * Step 2: each contact's buying role on the deal. The first source that answers wins, with its confidence:
 * the CRM's contact role (0.95), a deal field naming the person (0.85), the same person's role on other
 * deals at the account (0.70), then the title (0.50). Stakeholders named in the deal's call insights are
 * evidence: one that names the person with the same role raises the confidence a little, and every one is
 * kept with the committee.
 */
import type { Queryable } from '../db/db.ts';
import { type ContactOnDeal, type DealContext, fullName } from './deal-context.ts';

export const BUYING_ROLES = [
  'economic_buyer',
  'decision_maker',
  'champion',
  'technical_evaluator',
  'influencer',
  'end_user',
  'procurement',
  'blocker',
] as const;
export type BuyingRole = (typeof BUYING_ROLES)[number];

export const ROLE_SOURCES = {
  crm_contact_role: 0.95,
  deal_field: 0.85,
  other_deals_at_account: 0.7,
  title_inference: 0.5,
} as const;
export type RoleSource = keyof typeof ROLE_SOURCES;

/** How much a call stakeholder naming the same person and role adds. */
const STAKEHOLDER_CORROBORATION = 0.04;

// Ordered: the first pattern that matches names the role.
const ROLE_WORDS: ReadonlyArray<[RegExp, BuyingRole]> = [
  [/econom|budget|executive[\s_-]*sponsor|signator|signer|payer/i, 'economic_buyer'],
  [/decision|approver/i, 'decision_maker'],
  [/champion|sponsor|coach/i, 'champion'],
  [/technical|evaluat|architect|security|\bit\b/i, 'technical_evaluator'],
  [/procure|purchas|legal|vendor/i, 'procurement'],
  [/block|detract/i, 'blocker'],
  [/end[\s_-]*user|^users?$|business[\s_-]*user/i, 'end_user'],
  [/influenc|stakeholder|other|evaluator/i, 'influencer'],
];

/** A CRM role label or a deal field name as a buying role (null when it names none). */
export function roleFromLabel(label: string | null | undefined): BuyingRole | null {
  if (!label?.trim()) return null;
  const known = label.trim().toLowerCase().replace(/\s+/g, '_');
  if ((BUYING_ROLES as readonly string[]).includes(known)) return known as BuyingRole;
  for (const [re, role] of ROLE_WORDS) if (re.test(label)) return role;
  return null;
}

const TITLE_RULES: ReadonlyArray<[RegExp, BuyingRole]> = [
  [/procure|purchas|sourcing|vendor management|contract/i, 'procurement'],
  [/\bcfo\b|chief financial|finance|controller|treasurer/i, 'economic_buyer'],
  [
    /\bceo\b|chief executive|president|founder|owner|\bcoo\b|chief operating|general manager/i,
    'economic_buyer',
  ],
  [
    /\bcto\b|\bcio\b|\bciso\b|engineer|architect|developer|security|\bit\b|devops|technical/i,
    'technical_evaluator',
  ],
  [/\bchief\b|\bc[a-z]o\b|\bsvp\b|\bevp\b|\bvp\b|vice president|head of/i, 'decision_maker'],
  [/director|manager|lead\b|principal/i, 'champion'],
  [/analyst|specialist|associate|coordinator|representative|rep\b|administrator|consultant/i, 'end_user'],
];

/** The role a job title suggests, or null for a title that suggests none. */
export function roleFromTitle(title: string | null | undefined): BuyingRole | null {
  if (!title?.trim()) return null;
  for (const [re, role] of TITLE_RULES) if (re.test(title)) return role;
  return null;
}

export interface StakeholderEvidence {
  insight_id: string;
  name: string;
  role: string | null;
  quote: string;
}

export interface ResolvedRole {
  deal_contact_id: string;
  role: BuyingRole | null;
  source: RoleSource | null;
  confidence: number | null;
  evidence: StakeholderEvidence[];
}

const norm = (s: string | null | undefined) => (s ?? '').trim().toLowerCase().replace(/\s+/g, ' ');

/** Deal fields whose name is a role and whose value names this person (full name or email). */
function roleFromDealFields(fields: Record<string, unknown>, c: ContactOnDeal): BuyingRole | null {
  const name = norm(fullName(c));
  const email = norm(c.email);
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value !== 'string') continue;
    const v = norm(value);
    if (!v || (v !== name && v !== email)) continue;
    const role = roleFromLabel(key.replace(/_/g, ' '));
    if (role) return role;
  }
  return null;
}

/** The roles this contact holds on the account's other deals, from the CRM or a deal field (most frequent). */
async function rolesElsewhere(q: Queryable, workspaceId: string, deals: readonly DealContext[]) {
  const { rows } = await q.query<{
    deal_id: string;
    contact_id: string;
    role: string | null;
    buying_role: string | null;
  }>(
    /* sql */ `SELECT here.id AS deal_id, dc.contact_id,
       CASE WHEN dc.role_source IS DISTINCT FROM 'inferred' THEN dc.role END AS role,
       CASE WHEN dc.buying_role_source IN ('crm_contact_role', 'deal_field') THEN dc.buying_role END AS buying_role
     FROM deals here
     JOIN deals other ON other.workspace_id = here.workspace_id AND other.account_id = here.account_id
       AND other.id <> here.id AND other.deleted_at IS NULL
     JOIN deal_contacts dc ON dc.workspace_id = other.workspace_id AND dc.deal_id = other.id
     WHERE here.workspace_id = $1::uuid AND here.id = ANY($2::uuid[])
       AND ((dc.role IS NOT NULL AND dc.role_source IS DISTINCT FROM 'inferred')
            OR dc.buying_role_source IN ('crm_contact_role', 'deal_field'))`,
    [workspaceId, deals.map((d) => d.deal_id)],
  );
  const tally = new Map<string, Map<BuyingRole, number>>();
  for (const r of rows) {
    const role = (r.buying_role as BuyingRole | null) ?? roleFromLabel(r.role);
    if (!role) continue;
    const key = `${r.deal_id}:${r.contact_id}`;
    const counts = tally.get(key) ?? new Map<BuyingRole, number>();
    counts.set(role, (counts.get(role) ?? 0) + 1);
    tally.set(key, counts);
  }
  return (dealId: string, contactId: string): BuyingRole | null => {
    const counts = tally.get(`${dealId}:${contactId}`);
    if (!counts) return null;
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
  };
}

async function stakeholdersOf(q: Queryable, workspaceId: string, deals: readonly DealContext[]) {
  const { rows } = await q.query<{
    deal_id: string;
    id: string;
    value: { name?: unknown; role?: unknown };
    quote: string;
  }>(
    /* sql */ `SELECT deal_id, id, value, quote FROM deal_insights
     WHERE workspace_id = $1::uuid AND deal_id = ANY($2::uuid[]) AND insight_type = 'stakeholders' AND is_current
     ORDER BY created_at, id`,
    [workspaceId, deals.map((d) => d.deal_id)],
  );
  const byDeal = new Map<string, StakeholderEvidence[]>();
  for (const r of rows) {
    if (typeof r.value?.name !== 'string') continue;
    const list = byDeal.get(r.deal_id) ?? [];
    list.push({
      insight_id: r.id,
      name: r.value.name,
      role: typeof r.value.role === 'string' ? r.value.role : null,
      quote: r.quote,
    });
    byDeal.set(r.deal_id, list);
  }
  return byDeal;
}

/** A stakeholder names the contact by full name, or by last name when only one contact has it. */
function namesContact(s: StakeholderEvidence, c: ContactOnDeal, all: readonly ContactOnDeal[]): boolean {
  const said = norm(s.name);
  if (!said) return false;
  if (said === norm(fullName(c))) return true;
  const last = norm(c.last_name);
  return (
    last !== '' &&
    said.split(' ').at(-1) === last &&
    all.filter((o) => norm(o.last_name) === last).length === 1
  );
}

export async function resolveRoles(
  q: Queryable,
  workspaceId: string,
  deals: readonly DealContext[],
): Promise<Map<string, ResolvedRole>> {
  const elsewhere = await rolesElsewhere(q, workspaceId, deals);
  const stakeholders = await stakeholdersOf(q, workspaceId, deals);
  const out = new Map<string, ResolvedRole>();
  for (const deal of deals) {
    for (const c of deal.contacts) {
      const candidates: Array<[RoleSource, () => BuyingRole | null]> = [
        // A role some earlier inference wrote is no CRM answer.
        ['crm_contact_role', () => (c.crm_role_source === 'inferred' ? null : roleFromLabel(c.crm_role))],
        ['deal_field', () => roleFromDealFields(deal.custom_fields, c)],
        ['other_deals_at_account', () => elsewhere(deal.deal_id, c.contact_id)],
        ['title_inference', () => roleFromTitle(c.title)],
      ];
      let role: BuyingRole | null = null;
      let source: RoleSource | null = null;
      for (const [s, answer] of candidates) {
        role = answer();
        if (role) {
          source = s;
          break;
        }
      }
      const evidence = (stakeholders.get(deal.deal_id) ?? []).filter((s) =>
        namesContact(s, c, deal.contacts),
      );
      let confidence: number | null = source ? ROLE_SOURCES[source] : null;
      const corroborated = evidence.some(
        (e) => role && (roleFromLabel(e.role) ?? roleFromTitle(e.role)) === role,
      );
      if (confidence !== null && corroborated)
        confidence = Math.min(0.99, Math.round((confidence + STAKEHOLDER_CORROBORATION) * 100) / 100);
      out.set(c.deal_contact_id, { deal_contact_id: c.deal_contact_id, role, source, confidence, evidence });
    }
  }
  return out;
}

/** Writes the resolved roles onto deal_contacts; contacts no source answered for keep no role. */
export async function storeRoles(
  q: Queryable,
  workspaceId: string,
  resolved: ReadonlyMap<string, ResolvedRole>,
): Promise<number> {
  const rows = [...resolved.values()];
  if (rows.length === 0) return 0;
  const r = await q.query(
    /* sql */ `UPDATE deal_contacts dc SET buying_role = v.role, buying_role_source = v.source,
       buying_role_confidence = v.confidence, updated_at = now()
     FROM jsonb_to_recordset($2::jsonb) AS v(id uuid, role text, source text, confidence numeric)
     WHERE dc.workspace_id = $1::uuid AND dc.id = v.id
       AND (dc.buying_role, dc.buying_role_source, dc.buying_role_confidence) IS DISTINCT FROM (v.role, v.source, v.confidence)`,
    [
      workspaceId,
      JSON.stringify(
        rows.map((x) => ({
          id: x.deal_contact_id,
          role: x.role,
          source: x.source,
          confidence: x.confidence,
        })),
      ),
    ],
  );
  return r.rowCount;
}
