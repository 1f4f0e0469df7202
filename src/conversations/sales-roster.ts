/**
 * The unified sales roster: tracked users of every conversation recorder and every CRM owner, merged by
 * lower(email), each with its per-source identity and its CRM owner records. CRM owners come from two
 * places: a CRM connection's metadata.user_directory (if its connector stores one) and the owner emails
 * on deals, which every CRM sync writes. Skills read this for rep-level analysis.
 */
import type { Queryable } from '../db/db.ts';
import { trackedUsersOf, userDirectoryOf } from './tracked-users.ts';

export interface RosterSource {
  source: string;
  source_user_id: string;
  name: string | null;
  title: string | null;
}

export interface RosterCrmOwner {
  source: string;
  source_user_id: string | null;
  name: string | null;
  deal_count: number;
  open_deal_count: number;
}

export interface RosterEntry {
  /** null: an owner known only by name (an imported file named them without an address). */
  email: string | null;
  name: string | null;
  title: string | null;
  /** Whether a conversation recorder syncs this rep's meetings; CRM owners alone are listed untracked. */
  tracked: boolean;
  sources: RosterSource[];
  crm_owners: RosterCrmOwner[];
}

/**
 * Every rep: each recorder's tracked users and each CRM owner (deal owners and CRM user directories),
 * one entry per lower(email), so the roster is whole before any recorder is connected.
 */
export async function salesRoster(q: Queryable, workspaceId: string): Promise<RosterEntry[]> {
  const { rows: connections } = await q.query<{ connector_name: string; metadata: Record<string, unknown> }>(
    /* sql */ `SELECT connector_name, metadata FROM connections
               WHERE workspace_id = $1::uuid AND status <> 'disconnected' ORDER BY connector_name`,
    [workspaceId],
  );
  const byEmail = new Map<string, RosterEntry>();
  const entryOf = (email: string) => {
    let entry = byEmail.get(email);
    if (!entry) {
      entry = { email, name: null, title: null, tracked: false, sources: [], crm_owners: [] };
      byEmail.set(email, entry);
    }
    return entry;
  };
  const crmDirectories: Array<{ source: string; users: ReturnType<typeof userDirectoryOf> }> = [];
  for (const c of connections) {
    const tracked = trackedUsersOf(c.metadata);
    if (tracked === undefined) {
      crmDirectories.push({ source: c.connector_name, users: userDirectoryOf(c.metadata) });
      continue;
    }
    for (const u of tracked) {
      if (!u.email) continue;
      const entry = entryOf(u.email.trim().toLowerCase());
      entry.tracked = true;
      entry.name ??= u.name;
      entry.title ??= u.title ?? null;
      entry.sources.push({
        source: c.connector_name,
        source_user_id: u.source_user_id,
        name: u.name,
        title: u.title ?? null,
      });
    }
  }

  const { rows: owners } = await q.query<{
    email: string;
    source: string;
    deal_count: number;
    open_deal_count: number;
  }>(
    /* sql */ `SELECT lower(btrim(owner_email)) AS email, source, count(*)::int AS deal_count,
                      count(*) FILTER (WHERE NOT coalesce(is_closed, false))::int AS open_deal_count
               FROM deals
               WHERE workspace_id = $1::uuid AND owner_email IS NOT NULL AND btrim(owner_email) <> ''
               GROUP BY 1, 2 ORDER BY 1, 2`,
    [workspaceId],
  );
  const crmKey = (email: string, source: string) => `${email}\u0000${source}`;
  const crm = new Map<string, RosterCrmOwner>();
  for (const o of owners) {
    crm.set(crmKey(o.email, o.source), {
      source: o.source,
      source_user_id: null,
      name: null,
      deal_count: o.deal_count,
      open_deal_count: o.open_deal_count,
    });
  }
  for (const dir of crmDirectories) {
    for (const u of dir.users) {
      const email = u.email?.trim().toLowerCase();
      if (!email) continue;
      const key = crmKey(email, dir.source);
      const found = crm.get(key) ?? {
        source: dir.source,
        source_user_id: null,
        name: null,
        deal_count: 0,
        open_deal_count: 0,
      };
      crm.set(key, { ...found, source_user_id: u.source_user_id, name: u.name });
    }
  }
  for (const [key, owner] of crm) {
    const entry = entryOf(key.split('\u0000')[0]!);
    entry.name ??= owner.name;
    entry.crm_owners.push(owner);
  }
  const byEmailSorted = [...byEmail.values()].sort((a, b) => a.email!.localeCompare(b.email!));
  return [...byEmailSorted, ...(await ownersByNameOnly(q, workspaceId))];
}

/** Owners records name without an address (imported files): one entry per name, after the others. */
async function ownersByNameOnly(q: Queryable, workspaceId: string): Promise<RosterEntry[]> {
  const { rows } = await q.query<{
    name: string;
    source: string;
    deal_count: number;
    open_deal_count: number;
  }>(
    /* sql */ `SELECT btrim(owner_name) AS name, source, count(*) FILTER (WHERE kind = 'deal')::int AS deal_count,
                      count(*) FILTER (WHERE kind = 'deal' AND NOT is_closed)::int AS open_deal_count
               FROM (SELECT owner_name, source, 'deal' AS kind, is_closed FROM deals
                     WHERE workspace_id = $1::uuid AND owner_email IS NULL AND owner_name IS NOT NULL
                     UNION ALL
                     SELECT owner_name, source, 'account', false FROM accounts
                     WHERE workspace_id = $1::uuid AND owner_email IS NULL AND owner_name IS NOT NULL
                     UNION ALL
                     SELECT owner_name, source, 'contact', false FROM contacts
                     WHERE workspace_id = $1::uuid AND owner_email IS NULL AND owner_name IS NOT NULL) o
               WHERE btrim(owner_name) <> ''
               GROUP BY 1, 2 ORDER BY 1, 2`,
    [workspaceId],
  );
  const byName = new Map<string, RosterEntry>();
  for (const r of rows) {
    const entry = byName.get(r.name) ?? {
      email: null,
      name: r.name,
      title: null,
      tracked: false,
      sources: [],
      crm_owners: [],
    };
    byName.set(r.name, entry);
    entry.crm_owners.push({
      source: r.source,
      source_user_id: null,
      name: r.name,
      deal_count: r.deal_count,
      open_deal_count: r.open_deal_count,
    });
  }
  return [...byName.values()];
}
