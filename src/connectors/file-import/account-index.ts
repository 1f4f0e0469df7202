/**
 * Account lookup by normalised company name and by domain, built once per workspace for O(1) lookups
 * in the preview. companyKey must agree with the SQL function pandora_company_key (migration 008), which
 * the set-based linking uses.
 */
import type { Queryable } from '../../db/db.ts';

const LEGAL_SUFFIX =
  /( (inc|incorporated|llc|llp|ltd|limited|gmbh|corp|corporation|co|company|plc|sa|ag|bv|nv|srl|sas|pty|oy|ab|as|kg))+ *$/;

export function companyKey(name: string | null | undefined): string | null {
  if (!name) return null;
  const key = name
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .replace(LEGAL_SUFFIX, '')
    .replace(/ +/g, ' ')
    .trim();
  return key === '' ? null : key;
}

export interface AccountIndex {
  size: number;
  byName: ReadonlyMap<string, string>;
  byDomain: ReadonlyMap<string, string>;
  find(name?: string | null, domain?: string | null): string | null;
}

export async function buildAccountIndex(q: Queryable, workspaceId: string): Promise<AccountIndex> {
  const { rows } = await q.query<{ id: string; name: string | null; domain: string | null }>(
    /* sql */ `SELECT id, name, lower(domain) AS domain FROM accounts WHERE workspace_id = $1::uuid`,
    [workspaceId],
  );
  const byName = new Map<string, string>();
  const byDomain = new Map<string, string>();
  const ambiguous = new Set<string>();
  for (const r of rows) {
    const key = companyKey(r.name);
    if (key) {
      if (byName.has(key) && byName.get(key) !== r.id) ambiguous.add(key);
      byName.set(key, r.id);
    }
    if (r.domain) byDomain.set(r.domain.replace(/^www\./, ''), r.id);
  }
  // Two accounts with one normalised name cannot be told apart by name: link neither.
  for (const key of ambiguous) byName.delete(key);
  return {
    size: rows.length,
    byName,
    byDomain,
    find(name, domain) {
      if (domain) {
        const hit = byDomain.get(domain.toLowerCase().replace(/^www\./, ''));
        if (hit) return hit;
      }
      const key = companyKey(name);
      return key ? (byName.get(key) ?? null) : null;
    },
  };
}
