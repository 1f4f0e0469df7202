import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CompactKeySet } from '../../../src/connectors/file-import/compact-key-set.ts';

describe('compact key set', () => {
  test('agrees with a Set on every add, through growth, for any strings', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 6 }),
            fc.string({ unit: 'grapheme' }),
            fc.string({ unit: 'binary' }),
          ),
        ),
        (keys) => {
          const compact = new CompactKeySet(16);
          const plain = new Set<string>();
          for (const k of keys) {
            assert.equal(compact.add(k), !plain.has(k), JSON.stringify(k));
            plain.add(k);
          }
          assert.equal(compact.size, plain.size);
          for (const k of keys) assert.ok(compact.has(k));
        },
      ),
    );
  });

  test('a hundred thousand keys with repeats: exact counts, lone surrogates kept apart', () => {
    const compact = new CompactKeySet(16);
    let repeats = 0;
    for (let i = 0; i < 100_000; i++) if (!compact.add(`id:D-${i % 90_000}`)) repeats++;
    assert.equal(repeats, 10_000);
    assert.equal(compact.size, 90_000);
    assert.equal(compact.add('\uD800'), true);
    assert.equal(compact.add('\uDBFF'), true);
    assert.equal(compact.add('\uD800'), false);
    assert.equal(compact.has('\uFFFD'), false);
  });

  test('Latin-1 and wider keys of the same length, and keys longer than an arena chunk, stay apart', () => {
    const compact = new CompactKeySet(16);
    const long = 'é'.repeat(700_000);
    const longWide = '€'.repeat(700_000);
    for (const k of ['café', 'caf\u0169', long, longWide, `${long}x`, 'after the long ones'])
      assert.equal(compact.add(k), true, k.slice(0, 10));
    for (const k of ['café', 'caf\u0169', long, longWide, `${long}x`, 'after the long ones'])
      assert.equal(compact.add(k), false, k.slice(0, 10));
    assert.equal(compact.has('é'.repeat(699_999)), false);
    assert.equal(compact.size, 6);
  });
});
