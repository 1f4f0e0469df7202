import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { csvRecordBatches, csvRecords } from '../../../src/connectors/file-import/csv-records.ts';

async function records(text: string, cuts: number[] = [], delimiter = ',', max = 1 << 20) {
  const chunks: string[] = [];
  let p = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    const q = Math.min(c, text.length);
    if (q > p) chunks.push(text.slice(p, q));
    p = Math.max(p, q);
  }
  if (p < text.length) chunks.push(text.slice(p));
  async function* source() {
    yield* chunks;
  }
  const out: string[][] = [];
  for await (const r of csvRecords(source(), delimiter, max)) out.push(r);
  return out;
}

describe('CSV records', () => {
  test('quoting, doubled quotes, stray quotes, line ends, empty lines', async () => {
    const cases: Array<[string, string[][]]> = [
      [
        'a,b\n1,2\n',
        [
          ['a', 'b'],
          ['1', '2'],
        ],
      ],
      [
        'a,b\r\n1,2',
        [
          ['a', 'b'],
          ['1', '2'],
        ],
      ],
      ['a\rb\r', [['a'], ['b']]],
      ['"x, y","say ""hi""",\n', [['x, y', 'say "hi"', '']]],
      ['"multi\nline",2\n', [['multi\nline', '2']]],
      // Empty lines are records with no fields (the rows a spreadsheet shows blank); CRLF counts once.
      ['\n\na\n\n\nb\n', [[], [], ['a'], [], [], ['b']]],
      ['a\r\n\r\nb\r\n', [['a'], [], ['b']]],
      ['""\n', [['']]],
      [' "q",5 inch"es\n', [[' "q"', '5 inch"es']]],
      ['"a""b"c,d\n', [['"a"b"c', 'd']]],
      [
        'a,,\n,\n',
        [
          ['a', '', ''],
          ['', ''],
        ],
      ],
      ['é,ü\n', [['é', 'ü']]],
    ];
    for (const [text, expected] of cases)
      assert.deepEqual(await records(text), expected, JSON.stringify(text));
    assert.deepEqual(await records('a;"b;c"\n', [], ';'), [['a', 'b;c']]);
  });

  test('chunk boundaries never change the records', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(fc.constantFrom('a', ',', '"', '\n', '\r\n', '\r', ' '), { maxLength: 40 })
          .map((a) => a.join('')),
        fc.array(fc.nat(45), { maxLength: 6 }),
        async (text, cuts) => {
          let whole: string[][] | string;
          let cut: string[][] | string;
          try {
            whole = await records(text);
          } catch (err) {
            whole = (err as Error).message;
          }
          try {
            cut = await records(text, cuts);
          } catch (err) {
            cut = (err as Error).message;
          }
          assert.deepEqual(cut, whole);
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('an unclosed quote is an error: at the end, or once a record outgrows the limit', async () => {
    await assert.rejects(records('a,b\n"open,2\n3,4\n'), /quoted field opened at line 2 is never closed/);
    const long = `a\n"${'x'.repeat(5000)}`;
    await assert.rejects(
      records(
        long,
        Array.from({ length: 50 }, (_, i) => i * 100),
        ',',
        1000,
      ),
      /longer than 1000 characters at line 2/,
    );
  });

  test('batches hold a few dozen records whatever the chunk size, and add up to the records', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `${i},"v ${i}\nmore",x`);
    const text = `${lines.join('\r\n')}\r\n\r\n`;
    for (const chunks of [[text], [text.slice(0, 20_001), text.slice(20_001)]]) {
      async function* source() {
        yield* chunks;
      }
      const sizes: number[] = [];
      const all: string[][] = [];
      for await (const batch of csvRecordBatches(source(), ',', 1 << 20)) {
        sizes.push(batch.length);
        all.push(...batch);
      }
      assert.ok(
        sizes.every((n) => n > 0 && n <= 40),
        JSON.stringify(sizes),
      );
      assert.deepEqual(all, await records(text));
      assert.equal(all.length, 1001);
      assert.deepEqual(all[999], ['999', 'v 999\nmore', 'x']);
      assert.deepEqual(all[1000], [], 'the empty last line is an empty record');
    }
  });
});
