/**
 * IP address classes: which addresses a shared deployment never calls on a tenant's behalf. Works on the
 * address text a URL or a DNS answer gives (dotted IPv4, any IPv6 spelling, IPv4 embedded in IPv6).
 */
import { isIPv4, isIPv6 } from 'node:net';

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'unspecified' | 'reserved';

type V4Range = readonly [base: number, prefix: number, cls: Exclude<AddressClass, 'public'>];

const v4 = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

// IANA IPv4 special-purpose registry, the parts a tenant could use to reach something that is not the internet.
const V4_RANGES: readonly V4Range[] = [
  [v4(0, 0, 0, 0), 8, 'unspecified'], // "this network": 0.0.0.0 reaches the local host on Linux
  [v4(127, 0, 0, 0), 8, 'loopback'],
  [v4(10, 0, 0, 0), 8, 'private'],
  [v4(172, 16, 0, 0), 12, 'private'],
  [v4(192, 168, 0, 0), 16, 'private'],
  [v4(100, 64, 0, 0), 10, 'private'], // carrier-grade NAT, internal to a provider
  [v4(169, 254, 0, 0), 16, 'link-local'], // cloud metadata services live here
  [v4(192, 0, 0, 0), 24, 'reserved'],
  [v4(192, 0, 2, 0), 24, 'reserved'],
  [v4(198, 18, 0, 0), 15, 'reserved'],
  [v4(198, 51, 100, 0), 24, 'reserved'],
  [v4(203, 0, 113, 0), 24, 'reserved'],
  [v4(224, 0, 0, 0), 4, 'reserved'], // multicast
  [v4(240, 0, 0, 0), 4, 'reserved'], // includes the broadcast address
];

function inV4Range(address: number, base: number, prefix: number): boolean {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return (address & mask) >>> 0 === base;
}

export function classifyIPv4(address: number): AddressClass {
  for (const [base, prefix, cls] of V4_RANGES) if (inV4Range(address, base, prefix)) return cls;
  return 'public';
}

function parseDottedIPv4(text: string): number | null {
  if (!isIPv4(text)) return null;
  const [a, b, c, d] = text.split('.').map(Number) as [number, number, number, number];
  return v4(a, b, c, d);
}

/** Eight 16-bit groups of an IPv6 address in any textual form (compressed, embedded IPv4, zone id). */
export function parseIPv6(text: string): number[] | null {
  const bare = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIPv6(bare)) return null;
  let head = bare;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (dotted) {
    const n = parseDottedIPv4(dotted[1]!);
    if (n === null) return null;
    tail.push(n >>> 16, n & 0xffff);
    head = bare.slice(0, -dotted[1]!.length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const wanted = 8 - tail.length;
  let body: number[];
  if (head.includes('::')) {
    const [left, right] = head.split('::') as [string, string];
    const l = groups(left);
    const r = groups(right);
    body = [...l, ...new Array<number>(wanted - l.length - r.length).fill(0), ...r];
  } else {
    body = groups(head);
  }
  const all = [...body, ...tail];
  return all.length === 8 && all.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? all : null;
}

const embeddedV4 = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;

export function classifyIPv6(g: readonly number[]): AddressClass {
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && g[7] === 1) return 'loopback';
  // IPv4-mapped ::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d and the old IPv4-compatible ::a.b.c.d
  // all reach the IPv4 address inside: judge that one.
  if (zeroUpTo(5) && g[5] === 0xffff) return classifyIPv4(embeddedV4(g[6]!, g[7]!));
  if (zeroUpTo(4) && g[4] === 0xffff && g[5] === 0) return classifyIPv4(embeddedV4(g[6]!, g[7]!));
  if (zeroUpTo(6)) return classifyIPv4(embeddedV4(g[6]!, g[7]!));
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address a gateway will call.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0))
    return classifyIPv4(embeddedV4(g[6]!, g[7]!));
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return 'private'; // local-use NAT64
  if (g[0] === 0x2002) return classifyIPv4(embeddedV4(g[1]!, g[2]!));
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((first & 0xff00) === 0xff00) return 'reserved'; // multicast
  if (first === 0x2001 && g[1] === 0x0db8) return 'reserved'; // documentation
  if (first === 0x2001 && g[1] === 0) return 'reserved'; // Teredo: the real endpoint is hidden
  if (first === 0x0100 && g.slice(1, 4).every((x) => x === 0)) return 'reserved'; // discard-only
  return 'public';
}

/**
 * The class of an IP address written as a DNS answer or a URL host writes it (`127.0.0.1`, `::1`,
 * `[::ffff:7f00:1]`); null when the text is not an IP address (a host name). URL hosts reach this
 * already canonical: WHATWG URL parsing turns `2130706433`, `0x7f.1` and `127.1` into `127.0.0.1`.
 */
export function classifyAddress(text: string): AddressClass | null {
  const n = parseDottedIPv4(text);
  if (n !== null) return classifyIPv4(n);
  const groups = parseIPv6(text);
  return groups ? classifyIPv6(groups) : null;
}

const CLASS_NAMES: Record<Exclude<AddressClass, 'public'>, string> = {
  loopback: 'a loopback address',
  private: 'a private network address',
  'link-local': 'a link-local address',
  unspecified: 'an unspecified address',
  reserved: 'a reserved address',
};

export function describeAddressClass(cls: Exclude<AddressClass, 'public'>): string {
  return CLASS_NAMES[cls];
}
