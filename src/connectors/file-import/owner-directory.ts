/**
 * Owners of imported records: an owner column may hold emails or people's names. A name is matched against
 * the known owners (the sales roster: CRM owners, CRM user directories, recorder users) by full name, or by
 * the name an address spells ("jane.doe@…" is Jane Doe); an unmatched name is kept as the owner's name.
 */
import type { Queryable } from '../../db/db.ts';
import { salesRoster } from '../../conversations/sales-roster.ts';

export type OwnerMatch = 'email' | 'name' | 'unmatched';

export interface ResolvedOwner {
  email: string | null;
  name: string | null;
  matched_by: OwnerMatch;
}

export interface OwnerDirectory {
  resolve(text: string): ResolvedOwner;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** "Doe, Jane", "JANE  DOE" and "Jane Doe" compare equal; accents and punctuation are ignored. */
export function personKey(name: string): string {
  let n = name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().trim();
  const comma = /^([^,]+),\s*([^,]+)$/.exec(n);
  if (comma) n = `${comma[2]} ${comma[1]}`;
  return n
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .replace(/ +/g, ' ')
    .trim();
}

/** The name an address spells when its local part is first.last (or first_last, first-last). */
function nameOfAddress(email: string): string | null {
  const local = email.split('@')[0]!;
  return /[._-]/.test(local) ? personKey(local) : null;
}

export function createOwnerDirectory(
  known: ReadonlyArray<{ email: string; name: string | null }>,
): OwnerDirectory {
  const byName = new Map<string, string | null>();
  const add = (key: string | null, email: string) => {
    if (!key) return;
    // Two people with one name cannot be told apart: neither is matched by it.
    byName.set(key, byName.has(key) && byName.get(key) !== email ? null : email);
  };
  for (const k of known) if (k.name) add(personKey(k.name), k.email);
  for (const k of known) {
    const spelt = nameOfAddress(k.email);
    if (spelt && !byName.has(spelt)) add(spelt, k.email);
  }
  return {
    resolve(text) {
      const t = text.trim();
      if (EMAIL.test(t)) return { email: t.toLowerCase(), name: null, matched_by: 'email' };
      const email = byName.get(personKey(t));
      return email
        ? { email, name: t, matched_by: 'name' }
        : { email: null, name: t, matched_by: 'unmatched' };
    },
  };
}

export async function loadOwnerDirectory(q: Queryable, workspaceId: string): Promise<OwnerDirectory> {
  const roster = await salesRoster(q, workspaceId);
  return createOwnerDirectory(
    roster.flatMap((r) =>
      r.email ? [{ email: r.email, name: r.name ?? r.sources.find((s) => s.name)?.name ?? null }] : [],
    ),
  );
}

/** The preview's list of owner values: what each matched, and how many rows carry it. */
export interface OwnerReport extends ResolvedOwner {
  value: string;
  rows: number;
}
