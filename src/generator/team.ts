/** The workspace's own people: the sales team that owns deals and the non-sales staff of internal meetings. */
import { Rng, seedHash } from './prng.ts';
import { internalDomain, personEmail } from './naming.ts';
import type { SourceIds } from './source-ids.ts';
import { FIRST_NAMES, LAST_NAMES } from './vocabulary.ts';

export interface TeamMember {
  name: string;
  email: string;
  role: 'account_executive' | 'sales_engineer' | 'sales_manager' | 'engineering' | 'people_ops' | 'marketing';
  hubspotOwnerId: string;
  salesforceUserId: string;
  gongUserId: string;
}

export interface Team {
  domain: string;
  companyName: string;
  /** Deal owners. */
  reps: TeamMember[];
  /** Sales engineers and managers: join customer calls and sales stand-ups but own no deals. */
  salesSupport: TeamMember[];
  /** Engineering, people ops, marketing: internal meetings only. */
  staff: TeamMember[];
}

// One rep carries 100–300 deals over the two years the world spans; 200 is the middle.
const DEALS_PER_REP = 200;
const MIN_REPS = 5;
const MAX_REPS = 200;

export function repCount(deals: number): number {
  return Math.min(MAX_REPS, Math.max(MIN_REPS, Math.round(deals / DEALS_PER_REP)));
}

export function buildTeam(seed: number, deals: number, ids: SourceIds): Team {
  // A stream of its own: the team does not shift when the world's main stream changes, and vice versa.
  const rng = new Rng(seedHash(seed, 'team'));
  const { domain, companyName } = internalDomain(seed);
  const taken = new Set<string>();
  let n = 0;
  const member = (role: TeamMember['role']): TeamMember => {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    let email = personEmail(first, last, domain);
    for (let k = 2; taken.has(email); k++) email = personEmail(first, last, domain, String(k));
    taken.add(email);
    n++;
    return {
      name: `${first} ${last}`,
      email,
      role,
      hubspotOwnerId: ids.hubspot('owner', n),
      salesforceUserId: ids.salesforce('user', n),
      gongUserId: String(seedHash(seed, `gong-user-${n}`)) + String(n).padStart(6, '0'),
    };
  };
  const reps = Array.from({ length: repCount(deals) }, () => member('account_executive'));
  const support = Math.max(2, Math.round(reps.length / 4));
  const salesSupport = Array.from({ length: support }, (_, i) =>
    member(i % 3 === 2 ? 'sales_manager' : 'sales_engineer'),
  );
  const staffRoles: TeamMember['role'][] = ['engineering', 'engineering', 'people_ops', 'marketing'];
  const staff = Array.from({ length: Math.max(4, Math.round(reps.length / 2)) }, (_, i) =>
    member(staffRoles[i % staffRoles.length]!),
  );
  return { domain, companyName, reps, salesSupport, staff };
}
