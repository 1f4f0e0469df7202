/**
 * Salesforce REST calls: SOQL through /query with nextRecordsUrl paging, and /sobjects/{Object}/describe
 * for custom (`__c`) fields. SOQL is assembled from constant field lists; the only value spliced in is
 * a timestamp this module formats itself.
 */
import { z } from 'zod';
import { parseUpstream } from '../upstream-payload.ts';
import type { HttpClient } from '../http-client.ts';

export const API_VERSION = 'v59.0';
export const DATA_PATH = `/services/data/${API_VERSION}`;

export const sfRecord = z
  .object({ Id: z.string(), attributes: z.object({ type: z.string() }).passthrough().optional() })
  .passthrough();
export type SfRecord = z.infer<typeof sfRecord> & Record<string, unknown>;

const queryPage = z.object({
  totalSize: z.number(),
  done: z.boolean(),
  records: z.array(sfRecord),
  nextRecordsUrl: z.string().optional(),
});
export type SfQueryPage = { totalSize: number; done: boolean; records: SfRecord[]; nextRecordsUrl?: string };

const describeSchema = z.object({
  name: z.string(),
  fields: z.array(z.object({ name: z.string(), custom: z.boolean().optional() }).passthrough()),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  return parseUpstream('salesforce', what, schema, value);
}

export async function query(http: HttpClient, soql: string): Promise<SfQueryPage> {
  return parse(queryPage, await http.get(`${DATA_PATH}/query`, { q: soql }), 'query') as SfQueryPage;
}

/** QueryAll: the same SOQL, soft-deleted (recycle bin) and merged records included. */
export async function queryAll(http: HttpClient, soql: string): Promise<SfQueryPage> {
  return parse(queryPage, await http.get(`${DATA_PATH}/queryAll`, { q: soql }), 'query') as SfQueryPage;
}

export async function queryMore(http: HttpClient, nextRecordsUrl: string): Promise<SfQueryPage> {
  return parse(queryPage, await http.get(nextRecordsUrl), 'query') as SfQueryPage;
}

export async function customFields(http: HttpClient, object: string): Promise<string[]> {
  const body = parse(describeSchema, await http.get(`${DATA_PATH}/sobjects/${object}/describe`), 'describe');
  return body.fields.filter((f) => f.custom === true && f.name.endsWith('__c')).map((f) => f.name);
}

/** A SOQL datetime literal (unquoted ISO 8601 with Z); anything else is refused rather than spliced. */
export function soqlDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new Error(`not a timestamp: ${iso}`);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * `SELECT fields FROM object [WHERE conditions AND stamp >= since] ORDER BY stamp ASC, Id ASC`. The
 * conditions are constants from code; `stampField` is SystemModstamp except on history objects, which
 * only have CreatedDate.
 */
export function buildSoql(
  object: string,
  fields: readonly string[],
  since: string | undefined,
  opts: { conditions?: readonly string[]; stampField?: string } = {},
): string {
  const stamp = opts.stampField ?? 'SystemModstamp';
  const where = [...(opts.conditions ?? []), ...(since ? [`${stamp} >= ${soqlDateTime(since)}`] : [])];
  const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
  return `SELECT ${[...new Set(fields)].join(', ')} FROM ${object}${clause} ORDER BY ${stamp} ASC, Id ASC`;
}

export async function fetchUserEmails(
  http: HttpClient,
): Promise<Map<string, { email: string | null; name: string | null; active: boolean }>> {
  const users = new Map<string, { email: string | null; name: string | null; active: boolean }>();
  let page = await query(http, 'SELECT Id, Email, Name, IsActive FROM User ORDER BY Id ASC');
  for (;;) {
    for (const u of page.records) {
      users.set(u.Id, {
        email: typeof u.Email === 'string' ? u.Email.toLowerCase() : null,
        name: typeof u.Name === 'string' ? u.Name : null,
        active: u.IsActive !== false,
      });
    }
    if (page.done || !page.nextRecordsUrl) return users;
    page = await queryMore(http, page.nextRecordsUrl);
  }
}
