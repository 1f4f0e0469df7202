import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { classifyAddress, classifyIPv4 } from '../../src/outbound/ip-address.ts';
import { checkOutboundUrl, type OutboundPolicy } from '../../src/outbound/outbound-policy.ts';

const deny: OutboundPolicy = { allowedHosts: [], privateAddresses: 'deny' };
const RUNS = { numRuns: 400, seed: 12 };

// The oracle: the ranges written as plain arithmetic on the 32-bit value, independent of the classifier's table.
function oracleIsPrivate(n: number): boolean {
  const a = n >>> 24;
  const b = (n >>> 16) & 0xff;
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    a >= 224 ||
    (a === 100 && b >= 64 && b < 128) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b < 32) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && ((n >>> 8) & 0xff) <= 2 && ((n >>> 8) & 0xff) !== 1) ||
    (a === 198 && (b === 18 || b === 19)) ||
    (a === 198 && b === 51 && ((n >>> 8) & 0xff) === 100) ||
    (a === 203 && b === 0 && ((n >>> 8) & 0xff) === 113)
  );
}

const octets = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const hex = (x: number) => `0x${x.toString(16)}`;
const oct = (x: number) => `0${x.toString(8)}`;

/** The ways a URL host may spell one IPv4 address, all of which WHATWG URL parsing accepts. */
function ipv4Spellings(n: number): string[] {
  const [a, b, c, d] = octets(n) as [number, number, number, number];
  const v6hi = ((a << 8) | b).toString(16);
  const v6lo = ((c << 8) | d).toString(16);
  return [
    `${a}.${b}.${c}.${d}`,
    String(n), // decimal 2130706433
    hex(n), // 0x7f000001
    `${hex(a)}.${b}.${c}.${d}`,
    `${oct(a)}.${oct(b)}.${c}.${d}`,
    `${a}.${b}.${(c << 8) | d}`, // short form: last part 16 bits
    `${a}.${(b << 16) | (c << 8) | d}`, // 0x7f.1 style
    `${hex(a)}.${hex((b << 16) | (c << 8) | d)}`,
    `[::ffff:${a}.${b}.${c}.${d}]`, // IPv4-mapped
    `[::ffff:${v6hi}:${v6lo}]`,
    `[0:0:0:0:0:FFFF:${v6hi.toUpperCase()}:${v6lo}]`,
    `[::ffff:0:${a}.${b}.${c}.${d}]`, // IPv4-translated
    `[64:ff9b::${a}.${b}.${c}.${d}]`, // NAT64
    `[2002:${v6hi}:${v6lo}::1]`, // 6to4
  ];
}

function refused(host: string): boolean {
  try {
    checkOutboundUrl(deny, `http://${host}:8080/x`);
    return false;
  } catch {
    return true;
  }
}

test('every spelling of an IPv4 address is judged as the address itself', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
      const expected = oracleIsPrivate(n);
      assert.equal(classifyIPv4(n) !== 'public', expected, octets(n).join('.'));
      for (const spelling of ipv4Spellings(n))
        assert.equal(refused(spelling), expected, `${spelling} (${octets(n).join('.')})`);
    }),
    RUNS,
  );
});

// Random addresses land in the special ranges rarely: draw inside them on purpose too.
const privateV4 = fc.oneof(
  fc.integer({ min: 0x7f000000, max: 0x7fffffff }),
  fc.integer({ min: 0x0a000000, max: 0x0affffff }),
  fc.integer({ min: 0xac100000, max: 0xac1fffff }),
  fc.integer({ min: 0xc0a80000, max: 0xc0a8ffff }),
  fc.integer({ min: 0xa9fe0000, max: 0xa9feffff }),
  fc.integer({ min: 0x00000000, max: 0x00ffffff }),
  fc.integer({ min: 0x64400000, max: 0x647fffff }),
);

test('private, loopback, link-local and unspecified IPv4 are refused in every spelling', () => {
  fc.assert(
    fc.property(privateV4, (n) => {
      for (const spelling of ipv4Spellings(n)) assert.ok(refused(spelling), spelling);
    }),
    RUNS,
  );
});

const group = fc.integer({ min: 0, max: 0xffff });
/** An IPv6 address inside a prefix, written fully expanded, compressed, and in upper case. */
function v6In(first: number, mask: number) {
  return fc
    .tuple(group, fc.array(group, { minLength: 7, maxLength: 7 }))
    .map(([g0, rest]) => [(first & mask) | (g0 & ~mask & 0xffff), ...rest]);
}
function v6Spellings(groups: number[]): string[] {
  const full = groups.map((g) => g.toString(16)).join(':');
  const padded = groups.map((g) => g.toString(16).padStart(4, '0')).join(':');
  // Compress the longest run of zero groups, as canonical text does.
  const compressed = full.replace(/(^|:)0(:0)+(:|$)/, '::');
  return [full, padded, padded.toUpperCase(), compressed, `${compressed}%eth0`];
}

test('IPv6 loopback, unspecified, unique-local and link-local are refused in every spelling', () => {
  const hosts = ['::1', '0:0:0:0:0:0:0:1', '::', '0000:0000:0000:0000:0000:0000:0000:0000', '[::1]'];
  for (const h of hosts) assert.notEqual(classifyAddress(h), 'public', h);
  fc.assert(
    fc.property(fc.oneof(v6In(0xfc00, 0xfe00), v6In(0xfe80, 0xffc0)), (groups) => {
      for (const s of v6Spellings(groups)) {
        assert.notEqual(classifyAddress(s), 'public', s);
        if (!s.includes('%')) assert.ok(refused(`[${s}]`), s);
      }
    }),
    RUNS,
  );
});

test('global unicast IPv6 and public IPv4 pass', () => {
  fc.assert(
    fc.property(v6In(0x2400, 0xfe00), (groups) => {
      for (const s of v6Spellings(groups)) assert.equal(classifyAddress(s), 'public', s);
    }),
    RUNS,
  );
  for (const h of ['8.8.8.8', '1.1.1.1', '[2606:4700:4700::1111]', 'api.hubapi.com'])
    assert.equal(refused(h), false, h);
});

test('the spellings from the report are all refused', () => {
  for (const h of [
    '127.0.0.1',
    '2130706433',
    '0x7f.1',
    '0x7f000001',
    '017700000001',
    '127.1',
    '0',
    '0.0.0.0',
    '169.254.169.254',
    '[::]',
    '[::1]',
    '[::ffff:127.0.0.1]',
    '[::ffff:a9fe:a9fe]',
    '[fd00:ec2::254]',
    'localhost',
    'LOCALHOST.',
    'api.localhost',
  ])
    assert.ok(refused(h), h);
});
