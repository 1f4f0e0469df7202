/**
 * The classes of hostile input the API fuzz test sends: what careless clients and attackers actually
 * send (impossible dates, NUL, huge numbers and strings, wrong types, deep nesting, broken encodings,
 * forged cursors, other tenants' ids), as fast-check arbitraries.
 */
import fc from 'fast-check';

export const IMPOSSIBLE_DATES = [
  '2024-02-30',
  '2023-02-29',
  '0000-01-01',
  '9999-12-31',
  '1899-12-31',
  '2201-01-01',
  '2024-13-01',
  '2024-00-10',
  '2024-04-31',
  '+275760-09-13',
  '-000001-01-01',
  '2024-02-29T25:00:00Z',
  '2024-01-01T00:00:00+99:99',
  '2024-01-01T24:61:61.999999999Z',
  '99999-01-01',
  '1e308',
];

const CONTROL = ['a\u0000b', '\u0000', 'x\r\ny', '\u0007\u001b[2J', '\ud800', 'x\udfffy', '\ufffe'];

/** Strings a client can send anywhere a string goes. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    ...IMPOSSIBLE_DATES,
    ...CONTROL,
    '',
    ' ',
    '%zz',
    '%',
    '..',
    '../../etc/passwd',
    "' OR 1=1 --",
    '"; DROP TABLE deals; --',
    '-1',
    '0',
    '1e308',
    '-1e308',
    '9223372036854775808',
    '-9223372036854775809',
    '2147483648',
    'NaN',
    'Infinity',
    'null',
    'true',
    '[]',
    '{}',
    '__proto__',
    'constructor',
    'ضسش🙂👨‍👩‍👧‍👦',
    'x'.repeat(5_000),
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** Numbers beyond any column: JSON can carry them, PostgreSQL columns cannot hold them. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    1e308,
    -1e308,
    Number.MAX_VALUE,
    5e-324,
    -0,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 53 + 2,
    2 ** 63,
    -(2 ** 63),
    1e21,
    0.1,
    -1,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** encodeURIComponent that survives lone surrogates (sent as U+FFFD: a URL cannot carry them). */
export function encodeComponent(s: string): string {
  return encodeURIComponent(
    s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );
}

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? { a: v } : [v];
  return v;
}

/** Any JSON value, skewed to the hostile ones; `ids` are real ids (this tenant's and others'). */
export function hostileJson(ids: readonly string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    hostileString,
    hostileNumber,
    fc.constantFrom(null, true, false, [], {}, [null], { '': null }, { 'a\u0000': 1 }, nested(60)),
    fc.constantFrom(...ids),
    fc.array(hostileString, { maxLength: 3 }),
    fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
  );
}

/** Values for a path segment, already percent-encoded (or deliberately malformed). */
export function hostilePathSegment(ids: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '%zz',
      '%',
      '%E0%A4%A',
      '%C0%AF',
      '%00',
      'a%00b',
      '%ED%A0%80',
      '..',
      '%2e%2e',
      '%2F',
      'null',
      '-1',
      '0',
      '1e308',
      '00000000-0000-0000-0000-000000000000',
      'x'.repeat(3_000),
    ),
    fc.constantFrom(...ids),
    hostileString.map(encodeComponent),
  );
}

/** Values for a query parameter, already percent-encoded (or deliberately malformed). */
export function hostileQueryValue(ids: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    hostileString.map(encodeComponent),
    fc.constantFrom('%zz', '%', '%00', 'a%00b', '%ED%A0%80', 'a&b', '=', '1,2,%00'),
    fc.constantFrom(...ids),
    forgedCursor.map(encodeComponent),
  );
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Cursors a client can forge: the right envelope around wrong values, and plain garbage. */
export const forgedCursor: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'garbage',
    '!!!',
    b64('not json'),
    b64([1, 2]),
    b64({ s: '-updated_at', v: 'garbage', i: '00000000-0000-0000-0000-000000000000' }),
    b64({ s: '-updated_at', v: '9999-12-31T00:00:00Z', i: 'x' }),
    b64({ s: 'amount', v: '1e308', i: '00000000-0000-0000-0000-000000000000' }),
    b64({ s: 'amount', v: '99999999999999999999999', i: '00000000-0000-0000-0000-000000000000' }),
    b64({ s: 'close_date', v: '2024-02-30', i: '00000000-0000-0000-0000-000000000000' }),
    b64({ s: '-severity', v: ['garbage', '9999999999999999999'], i: 'x' }),
    b64({ s: 'severity', v: ['high', 'garbage'], i: '00000000-0000-0000-0000-000000000000' }),
    b64({ s: '-last_call', v: ['0000-01-01'], i: '00000000-0000-0000-0000-000000000000' }),
    b64({ s: 'x', v: 'a\u0000', i: 'b\u0000' }),
    b64({ s: '-updated_at', v: null, i: null }),
  ),
  fc.jsonValue().map(b64),
);

/** Whole request bodies that break the transport rather than a field. */
export interface RawBody {
  label: string;
  body: Buffer;
  headers: Record<string, string>;
}

function deepJson(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

export const RAW_BODIES: readonly RawBody[] = [
  { label: 'gzip header, plain body', body: Buffer.from('{"a":1}'), headers: { 'content-encoding': 'gzip' } },
  {
    label: 'deflate header, junk',
    body: Buffer.from('\x00\x01junk'),
    headers: { 'content-encoding': 'deflate' },
  },
  { label: 'unknown encoding', body: Buffer.from('{}'), headers: { 'content-encoding': 'br, zstd' } },
  { label: 'not JSON', body: Buffer.from('{"a":'), headers: {} },
  { label: 'NUL in raw JSON', body: Buffer.from('{"name":"a\\u0000b"}'), headers: {} },
  { label: 'NUL in a key', body: Buffer.from('{"na\\u0000me":"x"}'), headers: {} },
  { label: 'lone surrogate', body: Buffer.from('{"name":"\\ud800"}'), headers: {} },
  { label: 'nested 100,000 deep', body: Buffer.from(deepJson(100_000)), headers: {} },
  {
    label: 'objects nested 5,000 deep',
    body: Buffer.from(`${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`),
    headers: {},
  },
  {
    label: 'utf-16 charset',
    body: Buffer.from('{}', 'utf16le'),
    headers: { 'content-type': 'application/json; charset=utf-16' },
  },
  { label: 'bare string', body: Buffer.from('"x"'), headers: {} },
  { label: 'bare null', body: Buffer.from('null'), headers: {} },
  { label: 'huge number', body: Buffer.from('{"team_quota":1e400,"quota_amount":1e400}'), headers: {} },
  {
    label: '__proto__ key',
    body: Buffer.from('{"__proto__":{"x":1},"constructor":{"prototype":{}}}'),
    headers: {},
  },
];

const DATE_NAME = /(^|_)(date|from|to|as_of|since|until|at)$|_date_|^date/;

/** A hostile value aimed at one field: dates get impossible dates, numbers huge ones, cursors forgeries. */
export function hostileFor(name: string, schema: Record<string, any> | undefined, ids: readonly string[]) {
  const type = Array.isArray(schema?.type) ? schema.type[0] : schema?.type;
  const aimed: Array<fc.Arbitrary<unknown>> = [];
  if (schema?.format === 'date' || schema?.format === 'date-time' || DATE_NAME.test(name))
    aimed.push(fc.constantFrom(...IMPOSSIBLE_DATES));
  if (
    type === 'number' ||
    type === 'integer' ||
    /(_min|_max|amount|quota|limit|count|days|hours|values|top)$/.test(name)
  )
    aimed.push(hostileNumber, hostileNumber.map(String));
  if (name === 'cursor') aimed.push(forgedCursor);
  if (schema?.format === 'uuid' || /(^|_)id$|Id$/.test(name)) aimed.push(fc.constantFrom(...ids));
  aimed.push(fc.constantFrom(...CONTROL, 'x'.repeat(20_000)));
  return fc.oneof({ arbitrary: fc.oneof(...aimed), weight: 4 }, { arbitrary: hostileJson(ids), weight: 1 });
}

/** The same, encoded for a query string (objects as JSON, arrays as repeated values). */
export function hostileQueryFor(
  name: string,
  schema: Record<string, any> | undefined,
  ids: readonly string[],
) {
  return fc.oneof(
    {
      arbitrary: hostileFor(name, schema, ids).map((v) =>
        encodeComponent(typeof v === 'string' ? v.slice(0, 5_000) : (JSON.stringify(v) ?? 'null')),
      ),
      weight: 3,
    },
    { arbitrary: hostileQueryValue(ids), weight: 1 },
  );
}

const LEAF_POISON: readonly unknown[] = [
  'garbage',
  '0000-01-01',
  '2024-02-30',
  '9999-12-31T23:59:59Z',
  '99999999999999999999',
  '-2147483649',
  '1e308',
  'a\u0000',
  null,
  [],
  { x: 1 },
];

function poisonLeaves(value: unknown): unknown[] {
  if (Array.isArray(value))
    return value.flatMap((v, i) => poisonLeaves(v).map((p) => value.map((w, j) => (i === j ? p : w))));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => poisonLeaves(v).map((p) => ({ ...value, [k]: p })));
  return [...LEAF_POISON];
}

/** A real cursor (base64url JSON) with one value at a time swapped for a hostile one. */
export function poisonedCursors(real: string): string[] {
  try {
    return poisonLeaves(JSON.parse(Buffer.from(real, 'base64url').toString('utf8'))).map(b64);
  } catch {
    return [];
  }
}
