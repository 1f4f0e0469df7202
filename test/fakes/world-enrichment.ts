/**
 * What the fake Apollo and Serper know about a generated world: Apollo answers for every contact with
 * their seniority and department in Apollo's vocabulary, Serper has news per account following the
 * planted ICP (fit companies raised money and are hiring, the rest now and then cut staff).
 */
import type { Queryable } from '../../src/db/db.ts';
import { companyFit } from '../../src/generator/planted-icp.ts';
import type { FakeApolloPerson } from './fake-apollo.ts';
import type { FakeSerperItem } from './fake-serper.ts';

const APOLLO_SENIORITY: Record<string, string> = {
  c_level: 'c_suite',
  vp: 'vp',
  director: 'director',
  manager: 'manager',
  individual_contributor: 'senior',
};

// A small deterministic hash: the same world gives the same answers.
function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export async function apolloPeopleOfWorld(q: Queryable, workspaceId: string): Promise<FakeApolloPerson[]> {
  const { rows } = await q.query<{
    first_name: string;
    last_name: string;
    email: string | null;
    title: string | null;
    seniority: string | null;
    department: string | null;
    domain: string | null;
  }>(
    `SELECT c.first_name, c.last_name, c.email, c.title, c.seniority, c.department, a.domain
     FROM contacts c LEFT JOIN accounts a ON a.workspace_id = c.workspace_id AND a.id = c.account_id
     WHERE c.workspace_id = $1::uuid AND c.first_name IS NOT NULL AND c.last_name IS NOT NULL`,
    [workspaceId],
  );
  return rows.map((r) => {
    const h = hash(r.email ?? `${r.first_name} ${r.last_name}`);
    return {
      email: r.email,
      first_name: r.first_name,
      last_name: r.last_name,
      domain: r.domain ?? r.email?.split('@')[1] ?? '',
      title: r.title ?? '',
      seniority: APOLLO_SENIORITY[r.seniority ?? ''] ?? 'senior',
      departments: r.department ? [`master_${r.department.toLowerCase().replaceAll(' ', '_')}`] : [],
      start_date: `${2016 + (h % 8)}-${String(1 + (h % 12)).padStart(2, '0')}-01`,
    };
  });
}

export async function serperResultsOfWorld(
  q: Queryable,
  workspaceId: string,
): Promise<Map<string, { news: FakeSerperItem[]; search: FakeSerperItem[] }>> {
  const { rows } = await q.query<{ name: string; domain: string; industry: string; employee_count: number }>(
    `SELECT name, domain, industry, employee_count FROM accounts
     WHERE workspace_id = $1::uuid AND name IS NOT NULL AND industry IS NOT NULL AND employee_count IS NOT NULL`,
    [workspaceId],
  );
  const out = new Map<string, { news: FakeSerperItem[]; search: FakeSerperItem[] }>();
  for (const a of rows) {
    const fit = companyFit(a.industry, a.employee_count);
    const h = hash(a.name);
    const news: FakeSerperItem[] = [];
    if (fit === 2 || (fit === 1 && h % 3 === 0))
      news.push({
        title: `${a.name} raises $${20 + (h % 60)}M Series B`,
        link: `https://news.test/${a.domain}/funding`,
        date: 'Jan 5, 2024',
      });
    if (fit >= 1)
      news.push({
        title: `${a.name} is hiring ${50 + (h % 200)} engineers`,
        link: `https://news.test/${a.domain}/hiring`,
        date: 'Feb 12, 2024',
      });
    if (fit === 0 && h % 4 === 0)
      news.push({
        title: `${a.name} announces layoffs`,
        link: `https://news.test/${a.domain}/layoffs`,
        date: 'Mar 3, 2024',
      });
    out.set(a.name, { news, search: [] });
  }
  return out;
}
