import assert from 'node:assert/strict';
import { test } from 'node:test';
import { companyIdentity, internalDomain } from '../../src/generator/naming.ts';
import { Rng } from '../../src/generator/prng.ts';
import { SourceIds } from '../../src/generator/source-ids.ts';
import { repCount } from '../../src/generator/team.ts';
import { dateOnly, iso } from '../../src/generator/world-model.ts';

test('the PRNG repeats for a seed and differs between seeds', () => {
  const draw = (seed: number) => {
    const r = new Rng(seed);
    return Array.from({ length: 50 }, () => r.nextUint32());
  };
  assert.deepEqual(draw(1), draw(1));
  assert.notDeepEqual(draw(1), draw(2));
  const r = new Rng(5);
  let sum = 0;
  for (let i = 0; i < 10_000; i++) {
    const x = r.next();
    assert.ok(x >= 0 && x < 1);
    sum += x;
  }
  assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02, 'roughly uniform');
});

test('source ids have each system shape and never repeat within a kind', () => {
  const ids = new SourceIds(42);
  const sf = Array.from({ length: 2000 }, (_, i) => ids.salesforce('opportunity', i + 1));
  for (const id of sf) assert.match(id, /^006[0-9A-Za-z]{15}$/);
  assert.equal(new Set(sf).size, sf.length);
  // Case-insensitive uniqueness is what the 18-character form is for.
  assert.equal(new Set(sf.map((s) => s.toLowerCase())).size, sf.length);
  assert.match(ids.hubspot('deal', 7), /^3\d{10}$/);
  assert.match(ids.gong(12), /^7\d{18}$/);
  const drive = Array.from({ length: 2000 }, (_, i) => ids.drive(i + 1));
  assert.equal(new Set(drive).size, drive.length);
  assert.notEqual(new SourceIds(43).hubspot('deal', 7), ids.hubspot('deal', 7));
});

test('company names and domains are unique per index, past the two-word combinations', () => {
  const domains = new Set<string>();
  for (let i = 0; i < 30_000; i++) domains.add(companyIdentity(9, i).domain);
  assert.equal(domains.size, 30_000);
  assert.doesNotMatch([...domains].join(' '), /-demo\./);
  assert.match(internalDomain(9).domain, /^[a-z]+-demo\.io$/);
});

test('one rep per ~200 deals, at least 5, at most 200', () => {
  assert.equal(repCount(1000), 5);
  assert.equal(repCount(10_000), 50);
  assert.equal(repCount(1_000_000), 200);
});

test('the fast timestamp formatter matches toISOString', () => {
  const r = new Rng(3);
  for (let i = 0; i < 5000; i++) {
    const ms = Math.floor(r.real(Date.UTC(2020, 0, 1), Date.UTC(2030, 0, 1)));
    assert.equal(iso(ms), new Date(ms).toISOString());
    assert.equal(dateOnly(ms), new Date(ms).toISOString().slice(0, 10));
  }
});
