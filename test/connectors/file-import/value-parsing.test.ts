import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { companyKey } from '../../../src/connectors/file-import/account-index.ts';
import { detectDelimiter } from '../../../src/connectors/file-import/file-sniffing.ts';
import { detectDateOrder, parseDate } from '../../../src/connectors/file-import/date-values.ts';
import {
  detectPercentScale,
  listItems,
  splitPersonName,
  neutraliseFormula,
  parseCurrencyCode,
  parseMoney,
} from '../../../src/connectors/file-import/value-parsing.ts';
import type { Db } from '../../../src/db/db.ts';
import { createTestDb } from '../../helpers/test-db.ts';

let db: Db;
let close: () => Promise<void>;
before(async () => {
  ({ db, close } = await createTestDb());
});
after(() => close());

test('companyKey agrees with the SQL pandora_company_key', async () => {
  const names = [
    'ACME, Inc.',
    'Acme Inc',
    'acme',
    'Globex GmbH',
    'Initech L.L.C.',
    'Foo Co., Ltd.',
    'Company',
    'Müller & Söhne KG',
    ' ',
    'Hooli',
  ];
  for (const name of names) {
    const { rows } = await db.query<{ k: string | null }>('SELECT pandora_company_key($1::text) AS k', [
      name,
    ]);
    assert.equal(companyKey(name), rows[0]!.k, name);
  }
  assert.equal(companyKey('ACME, Inc.'), 'acme');
  assert.equal(companyKey('Foo Co., Ltd.'), 'foo');
});

test('money in the common spreadsheet shapes', () => {
  const cases: Array<[string, number, string | null]> = [
    ['$1,234.56', 1234.56, 'USD'],
    ['1.234,56 €', 1234.56, 'EUR'],
    ['(1,000)', -1000, null],
    ['USD 12 500', 12500, 'USD'],
    ['12,5', 12.5, null],
    ['£1.000', 1000, 'GBP'],
    ['0.125', 0.125, null],
    ['-42', -42, null],
  ];
  for (const [input, amount, currency] of cases) {
    const r = parseMoney(input);
    assert.ok(r.ok, input);
    assert.deepEqual(r.value, { amount, currency }, input);
  }
  assert.equal(parseMoney('twelve').ok, false);
  assert.equal(parseMoney('1,2,3.4.5').ok, false);
});

test('plain amounts read the same as through the general money rules', () => {
  // A parenthesised amount takes the general rules; only its sign differs from the plain one.
  fc.assert(
    fc.property(
      fc.constantFrom('', '$', '€', '£', '¥', '₹'),
      fc.oneof(fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: 0, max: 2 ** 40 })),
      fc.constantFrom('', '.5', '.05', '.50', '.99', '.1', '.07'),
      fc.boolean(),
      (symbol, whole, decimals, group) => {
        const digits = group ? whole.toLocaleString('en-US') : String(whole);
        const plain = parseMoney(`${symbol}${digits}${decimals}`);
        const general = parseMoney(`(${symbol}${digits}${decimals})`);
        assert.ok(plain.ok && general.ok);
        assert.equal(plain.value.amount, -general.value.amount);
        assert.equal(plain.value.currency, general.value.currency);
      },
    ),
  );
  // Shapes that are not plain still take the general rules.
  assert.deepEqual(parseMoney('1,23'), { ok: true, value: { amount: 1.23, currency: null } });
  // Abbreviated magnitudes.
  assert.deepEqual(parseMoney('$4.5B'), { ok: true, value: { amount: 4_500_000_000, currency: 'USD' } });
  assert.deepEqual(parseMoney('12k'), { ok: true, value: { amount: 12_000, currency: null } });
  assert.deepEqual(parseMoney('€1,2M'), { ok: true, value: { amount: 1_200_000, currency: 'EUR' } });
  assert.deepEqual(parseMoney('1.234MM'), { ok: true, value: { amount: 1_234_000, currency: null } });
  assert.deepEqual(parseMoney('(250K)'), { ok: true, value: { amount: -250_000, currency: null } });
  assert.equal(parseMoney('12kg').ok, false);
  assert.equal(parseMoney('M').ok, false);
  assert.deepEqual(parseMoney('1.234'), { ok: true, value: { amount: 1234, currency: null } });
  assert.deepEqual(parseMoney('0,123'), { ok: true, value: { amount: 123, currency: null } });
  assert.deepEqual(parseMoney('9007199254740993'), {
    ok: true,
    value: { amount: 9007199254740992, currency: null },
  });
});

test('dates: ISO, slashes by column order, month names, Excel serials; impossible dates rejected', () => {
  const ok = (v: string, order: 'mdy' | 'dmy' = 'mdy') => {
    const r = parseDate(v, order);
    assert.ok(r.ok, v);
    return r.value;
  };
  assert.equal(ok('2026-03-31'), '2026-03-31');
  assert.equal(ok('03/04/2026', 'mdy'), '2026-03-04');
  assert.equal(ok('03/04/2026', 'dmy'), '2026-04-03');
  assert.equal(ok('31/03/2026', 'mdy'), '2026-03-31');
  assert.equal(ok('Feb 3, 2026'), '2026-02-03');
  assert.equal(ok('3 February 2026'), '2026-02-03');
  assert.equal(ok('46023'), '2026-01-01');
  assert.equal(ok('2026-01-05T10:00:00+02:00'), '2026-01-05T08:00:00.000Z');
  assert.equal(ok('2026-01-05 10:00:00.123456+02:00'), '2026-01-05T08:00:00.123456Z');
  assert.equal(ok('2026-01-05T23:59:59.5-0130'), '2026-01-06T01:29:59.5Z');
  assert.equal(ok('2026-01-05T10:00'), '2026-01-05T10:00:00.000Z');
  assert.equal(parseDate('2026-01-05T25:00:00').ok, false);
  // Slash and dot dates keep their time of day, AM/PM read.
  assert.equal(ok('15.01.2025 09:30', 'dmy'), '2025-01-15T09:30:00.000Z');
  assert.equal(ok('3/31/2025 10:22 PM'), '2025-03-31T22:22:00.000Z');
  assert.equal(ok('3/31/2025, 12:05:09 AM'), '2025-03-31T00:05:09.000Z');
  assert.equal(ok('3/31/2025 12:00 pm'), '2025-03-31T12:00:00.000Z');
  assert.equal(parseDate('3/31/2025 13:00 PM').ok, false);
  assert.equal(parseDate('3/31/2025 24:00').ok, false);
  assert.equal(parseDate('2026-02-30').ok, false);
  assert.equal(parseDate('soon').ok, false);
  assert.equal(detectDateOrder(['01/02/2026', '25/02/2026', '03/04/2026']), 'dmy');
});

test('percentage columns: fractions between 0 and 1 read ×100, anything else as written', () => {
  assert.equal(detectPercentScale(['0.9', '0.25', '', 0, 1]), 100);
  assert.equal(detectPercentScale(['0', '1', null]), 100);
  assert.equal(detectPercentScale(['90', '0.5']), 1);
  assert.equal(detectPercentScale(['0.9', '50%']), 1);
  assert.equal(detectPercentScale(['0.9', 'high']), 1);
  assert.equal(detectPercentScale(['', null]), 1);
  assert.equal(detectPercentScale(['0', 0, '0.0']), 1);
});

test('formulas are neutralised, signed numbers are not', () => {
  assert.deepEqual(neutraliseFormula('=HYPERLINK("x")'), { text: `'=HYPERLINK("x")`, neutralised: true });
  assert.deepEqual(neutraliseFormula('@SUM(A1)'), { text: `'@SUM(A1)`, neutralised: true });
  assert.deepEqual(neutraliseFormula('-42.5'), { text: '-42.5', neutralised: false });
  for (const phone of ['+1 555 0100', '+44 (20) 7946-0958', '+49.30.901820', '-'.concat('1 234')]) {
    assert.deepEqual(neutraliseFormula(phone), { text: phone, neutralised: false });
  }
  assert.deepEqual(neutraliseFormula("-2+3+cmd|' /C calc'!A0"), {
    text: `'-2+3+cmd|' /C calc'!A0`,
    neutralised: true,
  });
  assert.deepEqual(neutraliseFormula('+HYPERLINK("x")'), { text: `'+HYPERLINK("x")`, neutralised: true });
});

test('full names: "Last, First", honorifics dropped, surname particles kept with the family name', () => {
  const cases: Array<[string, string | null, string | null]> = [
    ['Ada Lovelace', 'Ada', 'Lovelace'],
    ['Smith, John', 'John', 'Smith'],
    ['Dr. Jane van der Berg', 'Jane', 'van der Berg'],
    ['Luis de la Cruz', 'Luis', 'de la Cruz'],
    ['Mary Ann Evans', 'Mary Ann', 'Evans'],
    ['John Smith, PhD', 'John', 'Smith'],
    ['Prince', null, 'Prince'],
    ['Dr.', null, 'Dr.'],
    ['Van Morrison', 'Van', 'Morrison'],
  ];
  for (const [full, first, last] of cases) assert.deepEqual(splitPersonName(full), { first, last }, full);
});

test('list cells split on their strongest separator; a comma-only list keeps the whole text too', () => {
  assert.deepEqual(listItems('Renewal; Expansion, EMEA'), ['Renewal', 'Expansion, EMEA']);
  assert.deepEqual(listItems('A | B\nC'), ['A', 'B', 'C']);
  assert.deepEqual(listItems('Hooli, Big deal'), ['Hooli, Big deal', 'Hooli', 'Big deal']);
  assert.deepEqual(listItems(' One deal '), ['One deal']);
});

test('delimiter detection ignores delimiters inside quotes, title lines above the table, and reads Excel hints', () => {
  assert.equal(detectDelimiter('a;b;c\n"1,2";3;4\n'), ';');
  assert.equal(detectDelimiter('a,b\n1,2\n'), ',');
  assert.equal(detectDelimiter('a\tb\tc\n1\t2\t3\n'), '\t');
  // A report title holds no delimiter (and one with a comma is outnumbered by the table's lines).
  assert.equal(detectDelimiter('Verkaufschancen\nTitel;Wert;Phase\nA;1;X\nB;2;Y\n'), ';');
  assert.equal(detectDelimiter('Pipeline, Q3\n\nTitel;Wert;Phase\nA;1,5;X\nB;2;Y\n'), ';');
  assert.equal(detectDelimiter('sep=;\nName;Amount\nA;1,5\n'), ';');
  assert.equal(detectDelimiter('SEP=|\nName|Amount\nA|1\n'), '|');
});

test('currency codes: ISO codes in any case and symbols; amounts and words are no currency', () => {
  for (const [input, code] of [
    ['usd', 'USD'],
    [' EUR ', 'EUR'],
    ['€', 'EUR'],
    ['£', 'GBP'],
  ] as const)
    assert.deepEqual(parseCurrencyCode(input), { ok: true, value: code }, input);
  for (const input of ['12000', 'US dollars', 'EURO', 363000, ''])
    assert.equal(parseCurrencyCode(input).ok, false, String(input));
});
