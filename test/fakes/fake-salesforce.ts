/**
 * A fake Salesforce REST API over an in-memory org: SOQL `SELECT … FROM X [WHERE c AND …] [ORDER BY …]`
 * (conditions: `SystemModstamp >= T`, `CreatedDate >= T`, `IsDeleted = true`, `Field IN ('a', …)`) and
 * `SELECT COUNT() FROM X`, an Opportunity's contact roles as a child subquery
 * (`(SELECT … FROM OpportunityContactRoles)`, null when it has none), through /query (deleted rows left out) and /queryAll (deleted rows in), with
 * nextRecordsUrl batches; describe, limits, INVALID_SESSION_ID on a bad token, and the OAuth refresh
 * grant at /services/oauth2/token when `oauth` is set.
 */
import { type FakeServer, startFakeServer } from './fake-server.ts';

export type SfRow = Record<string, unknown> & { Id: string; SystemModstamp: string; IsDeleted?: boolean };

export interface SalesforceOrg {
  token: string;
  /** Records per query batch (Salesforce uses up to 2000). */
  batchSize: number;
  objects: Record<string, SfRow[]>;
  customFields: Record<string, string[]>;
}

const VERSION = '/services/data/v59.0';
const SOQL =
  /^SELECT (.+) FROM (\w+)(?: WHERE (.+?))?(?: ORDER BY (SystemModstamp ASC, Id ASC|CreatedDate ASC, Id ASC|Id ASC))?$/;
const CHILD_RELATIONSHIPS: Record<string, { object: string; parentField: string }> = {
  'Opportunity.OpportunityContactRoles': { object: 'OpportunityContactRole', parentField: 'OpportunityId' },
};

interface QueryState {
  object: string;
  fields: string[];
  rows: SfRow[];
  offset: number;
  child?: { name: string; fields: string[]; object: string; parentField: string };
}

const stampMs = (v: unknown) => Date.parse(String(v).replace('+0000', 'Z'));

/** One WHERE conjunct as a row predicate; null when the fake does not understand it. */
function condition(text: string): ((r: SfRow) => boolean) | null {
  let m = /^(SystemModstamp|CreatedDate) >= (\S+)$/.exec(text);
  if (m) return (r) => stampMs(r[m![1]!]) >= Date.parse(m![2]!);
  m = /^IsDeleted = (true|false)$/.exec(text);
  if (m) return (r) => (r.IsDeleted === true) === (m![1] === 'true');
  m = /^(\w+) IN \(((?:'[^']*'(?:, )?)+)\)$/.exec(text);
  if (m) {
    const values = new Set([...m[2]!.matchAll(/'([^']*)'/g)].map((v) => v[1]));
    return (r) => values.has(String(r[m![1]!]));
  }
  return null;
}

export async function startFakeSalesforce(org: SalesforceOrg): Promise<FakeServer & { org: SalesforceOrg }> {
  const cursors = new Map<string, QueryState>();
  let locatorSeq = 0;
  const batch = (state: QueryState, locator: string) => {
    const slice = state.rows.slice(state.offset, state.offset + org.batchSize);
    state.offset += slice.length;
    const done = state.offset >= state.rows.length;
    return {
      totalSize: state.rows.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `${VERSION}/query/${locator}-${state.offset}` }),
      records: slice.map((r) => {
        const out: Record<string, unknown> = {
          attributes: { type: state.object, url: `${VERSION}/sobjects/${state.object}/${r.Id}` },
        };
        for (const f of state.fields) out[f] = r[f] ?? null;
        if (state.child) {
          const c = state.child;
          const kids = (org.objects[c.object] ?? []).filter(
            (k) => k[c.parentField] === r.Id && k.IsDeleted !== true,
          );
          out[c.name] = kids.length
            ? {
                totalSize: kids.length,
                done: true,
                records: kids.map((k) => {
                  const o: Record<string, unknown> = { attributes: { type: c.object } };
                  for (const f of c.fields) o[f] = k[f] ?? null;
                  return o;
                }),
              }
            : null;
        }
        return out;
      }),
    };
  };
  const server = await startFakeServer((req) => {
    if (req.headers.authorization !== `Bearer ${org.token}`)
      return {
        status: 401,
        json: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
      };
    if (req.path === `${VERSION}/limits`)
      return { json: { DailyApiRequests: { Max: 15000, Remaining: 14000 } } };
    if (req.path === `${VERSION}/query` || req.path === `${VERSION}/queryAll`) {
      const all = req.path.endsWith('/queryAll');
      const malformed = {
        status: 400,
        json: [{ message: `unsupported query: ${req.query.q}`, errorCode: 'MALFORMED_QUERY' }],
      };
      const m = SOQL.exec(req.query.q ?? '');
      if (!m) return malformed;
      const [, selected, object, where, order] = m;
      // A child relationship subquery: the children of each row under the relationship's name.
      const sub = /, \(SELECT ([^)]+) FROM (\w+)\)/.exec(selected!);
      const child = sub ? CHILD_RELATIONSHIPS[`${object}.${sub[2]}`] : undefined;
      if (sub && !child) return malformed;
      const fieldList = sub ? selected!.replace(sub[0], '') : selected;
      const predicates = where ? where.split(' AND ').map(condition) : [];
      if (predicates.some((p) => p === null)) return malformed;
      const rows = (org.objects[object!] ?? [])
        .filter((r) => (all || r.IsDeleted !== true) && predicates.every((p) => p!(r)))
        .sort((a, b) =>
          order?.startsWith('SystemModstamp')
            ? a.SystemModstamp.localeCompare(b.SystemModstamp) || a.Id.localeCompare(b.Id)
            : order?.startsWith('CreatedDate')
              ? String(a.CreatedDate).localeCompare(String(b.CreatedDate)) || a.Id.localeCompare(b.Id)
              : a.Id.localeCompare(b.Id),
        );
      if (fieldList === 'COUNT()') return { json: { totalSize: rows.length, done: true, records: [] } };
      const fields = fieldList!.split(',').map((f) => f.trim());
      const locator = `01g${String(++locatorSeq).padStart(12, '0')}`;
      const state = {
        object: object!,
        fields,
        rows,
        offset: 0,
        ...(sub && child
          ? {
              child: {
                name: sub[2]!,
                fields: sub[1]!.split(',').map((f) => f.trim()),
                object: child.object,
                parentField: child.parentField,
              },
            }
          : {}),
      };
      cursors.set(locator, state);
      return { json: batch(state, locator) };
    }
    const more = new RegExp(`^${VERSION}/query/(\\w+)-(\\d+)$`).exec(req.path);
    if (more) {
      const state = cursors.get(more[1]!);
      if (!state)
        return {
          status: 400,
          json: [{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }],
        };
      return { json: batch(state, more[1]!) };
    }
    const describe = new RegExp(`^${VERSION}/sobjects/(\\w+)/describe$`).exec(req.path);
    if (describe) {
      const object = describe[1]!;
      return {
        json: {
          name: object,
          fields: [
            { name: 'Id', type: 'id', custom: false },
            { name: 'Name', type: 'string', custom: false },
            ...(org.customFields[object] ?? []).map((name) => ({ name, type: 'string', custom: true })),
          ],
        },
      };
    }
    return {
      status: 404,
      json: [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }],
    };
  });
  return Object.assign(server, { org });
}

/** Salesforce-style 18-character ids with the object's key prefix. */
export const sfId = (prefix: string, n: number) => `${prefix}${String(n).padStart(12, '0')}AAA`;

export function makeSalesforceOrg(n: number): SalesforceOrg {
  const stamp = (i: number) =>
    new Date(Date.parse('2025-02-01T00:00:00Z') + i * 60_000).toISOString().replace('Z', '+0000');
  const objects: Record<string, SfRow[]> = {
    User: [
      {
        Id: sfId('005', 1),
        Email: 'Rep.One@vendor.example',
        Name: 'Rep One',
        IsActive: true,
        SystemModstamp: stamp(0),
      },
      {
        Id: sfId('005', 2),
        Email: 'rep.two@vendor.example',
        Name: 'Rep Two',
        IsActive: true,
        SystemModstamp: stamp(0),
      },
    ],
    Account: [],
    Contact: [],
    Opportunity: [],
    Lead: [],
    OpportunityContactRole: [],
    OpportunityHistory: [],
    OpportunityFieldHistory: [],
    Task: [],
    Event: [],
  };
  const stages = [
    'Prospecting',
    'Qualification',
    'Proposal/Price Quote',
    'Negotiation/Review',
    'Closed Won',
    'Closed Lost',
  ];
  for (let i = 1; i <= n; i++) {
    const owner = sfId('005', (i % 2) + 1);
    const account = sfId('001', i);
    const contact = sfId('003', i);
    const opp = sfId('006', i);
    const stage = stages[i % stages.length]!;
    objects.Account!.push({
      Id: account,
      Name: `Account ${i}`,
      Website: `https://www.account${i}.example/home`,
      Industry: 'Technology',
      NumberOfEmployees: 50 * i,
      OwnerId: owner,
      CreatedDate: stamp(i),
      SystemModstamp: stamp(i),
      Tier__c: `Gold`,
    });
    objects.Contact!.push({
      Id: contact,
      FirstName: 'Pat',
      LastName: `Buyer${i}`,
      Email: `Pat${i}@account${i}.example`,
      Title: 'Chief Financial Officer',
      AccountId: account,
      OwnerId: owner,
      CreatedDate: stamp(i),
      SystemModstamp: stamp(i),
    });
    objects.Opportunity!.push({
      Id: opp,
      Name: `Opp ${i}`,
      Amount: 5000 * i,
      StageName: stage,
      CloseDate: '2025-09-30',
      Probability: stage === 'Closed Won' ? 100 : stage === 'Closed Lost' ? 0 : 10 * (i % 9),
      ForecastCategoryName: 'Best Case',
      IsClosed: stage.startsWith('Closed'),
      IsWon: stage === 'Closed Won',
      OwnerId: owner,
      AccountId: account,
      LeadSource: 'Web',
      CreatedDate: stamp(i),
      SystemModstamp: stamp(i),
      Competitor__c: 'Other',
    });
    objects.OpportunityContactRole!.push({
      Id: sfId('00K', i),
      OpportunityId: opp,
      ContactId: contact,
      Role: 'Economic Buyer',
      IsPrimary: true,
      SystemModstamp: stamp(i),
    });
    objects.OpportunityHistory!.push(
      {
        Id: sfId('008', 2 * i),
        OpportunityId: opp,
        StageName: 'Prospecting',
        CreatedDate: stamp(i),
        SystemModstamp: stamp(i),
      },
      {
        Id: sfId('008', 2 * i + 1),
        OpportunityId: opp,
        StageName: stage,
        CreatedDate: stamp(i + 30),
        SystemModstamp: stamp(i + 30),
      },
    );
    if (i === 1) {
      // Opp 1's close date slipped three times, and its amount was raised once.
      for (const [k, field, oldValue, newValue] of [
        [40, 'CloseDate', '2025-06-30', '2025-07-31'],
        [41, 'Amount', 4000, 5000],
        [50, 'CloseDate', '2025-07-31', '2025-08-31'],
        [55, 'CloseDate', '2025-08-31', '2025-09-30'],
      ] as const) {
        objects.OpportunityFieldHistory!.push({
          Id: sfId('017', k),
          OpportunityId: opp,
          Field: field,
          OldValue: oldValue,
          NewValue: newValue,
          CreatedDate: stamp(k),
          SystemModstamp: stamp(k),
        });
      }
    }
    objects.Lead!.push({
      Id: sfId('00Q', i),
      FirstName: 'Lee',
      LastName: `Lead${i}`,
      Email: `lee${i}@prospect.example`,
      Company: `Prospect ${i}`,
      Status: i % 2 ? 'Converted' : 'Open',
      LeadSource: i % 3 ? 'Web' : 'Event',
      OwnerId: owner,
      IsConverted: i % 2 === 1,
      ConvertedDate: i % 2 ? '2025-03-15' : null,
      ConvertedContactId: i % 2 ? contact : null,
      ConvertedAccountId: i % 2 ? account : null,
      ConvertedOpportunityId: i % 2 ? opp : null,
      CreatedDate: stamp(i),
      SystemModstamp: stamp(i),
    });
    objects.Task!.push(
      {
        Id: sfId('00T', 3 * i),
        Subject: `Call ${i}`,
        TaskSubtype: 'Call',
        CallDurationInSeconds: 300,
        CallType: 'Outbound',
        Status: 'Completed',
        IsClosed: true,
        OwnerId: owner,
        WhoId: contact,
        WhatId: opp,
        CreatedDate: stamp(i),
        SystemModstamp: stamp(i),
      },
      {
        Id: sfId('00T', 3 * i + 1),
        Subject: `Email ${i}`,
        TaskSubtype: 'Email',
        Status: 'Completed',
        IsClosed: true,
        OwnerId: owner,
        WhoId: contact,
        WhatId: opp,
        CreatedDate: stamp(i),
        SystemModstamp: stamp(i),
      },
      {
        Id: sfId('00T', 3 * i + 2),
        Subject: `Follow up ${i}`,
        TaskSubtype: 'Task',
        Status: 'Not Started',
        Priority: 'High',
        ActivityDate: '2025-04-01',
        IsClosed: false,
        OwnerId: owner,
        WhatId: account,
        CreatedDate: stamp(i),
        SystemModstamp: stamp(i),
      },
    );
    objects.Event!.push({
      Id: sfId('00U', i),
      Subject: `Demo ${i}`,
      StartDateTime: stamp(i),
      DurationInMinutes: 30,
      OwnerId: owner,
      WhoId: contact,
      WhatId: opp,
      CreatedDate: stamp(i),
      SystemModstamp: stamp(i),
    });
  }
  return {
    token: 'sf-session-token-0123456789',
    batchSize: 4,
    objects,
    customFields: { Account: ['Tier__c'], Opportunity: ['Competitor__c'] },
  };
}
