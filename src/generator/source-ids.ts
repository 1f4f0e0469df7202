/**
 * Source ids in each system's own shape (HubSpot numeric ids, Salesforce 18-character ids, Gong
 * 19-digit call ids, Fireflies ULID-like ids, Drive file ids), derived from the seed and a per-kind
 * counter so the same seed always yields the same ids and no two rows of a kind share one.
 */
import { seedHash } from './prng.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CROCKFORD32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encode(alphabet: string, value: number, width: number): string {
  let out = '';
  let v = Math.floor(value);
  while (v > 0) {
    out = alphabet[v % alphabet.length] + out;
    v = Math.floor(v / alphabet.length);
  }
  return out.padStart(width, alphabet[0]);
}

// Salesforce's case-safe suffix: one character per five-character block, encoding which are upper case.
function salesforceSuffix(id15: string): string {
  const table = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
  let suffix = '';
  for (let block = 0; block < 3; block++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const ch = id15[block * 5 + i]!;
      if (ch >= 'A' && ch <= 'Z') bits |= 1 << i;
    }
    suffix += table[bits];
  }
  return suffix;
}

export const SALESFORCE_PREFIX = {
  account: '001',
  contact: '003',
  opportunity: '006',
  task: '00T',
  event: '00U',
  lead: '00Q',
  user: '005',
} as const;

// HubSpot object type ids keep the numeric ranges of different kinds apart (only cosmetic: uniqueness
// is per table).
const HUBSPOT_KIND = { company: 1, contact: 2, deal: 3, engagement: 4, lead: 5, owner: 6 } as const;

export class SourceIds {
  private readonly salt: number;

  constructor(seed: number) {
    // Three decimal digits of salt: different seeds get visibly different id ranges.
    this.salt = seedHash(seed, 'source-ids') % 1000;
  }

  hubspot(kind: keyof typeof HUBSPOT_KIND, n: number): string {
    return String(HUBSPOT_KIND[kind] * 1e10 + this.salt * 1e7 + n);
  }

  salesforce(kind: keyof typeof SALESFORCE_PREFIX, n: number): string {
    // Prefix, a pod-like '5g' block, the salted counter in base 62: 15 characters, then the suffix.
    const id15 = SALESFORCE_PREFIX[kind] + '5g' + encode(BASE62, this.salt * 1e7 + n, 10);
    return id15 + salesforceSuffix(id15);
  }

  gong(n: number): string {
    return '7' + String(this.salt).padStart(3, '0') + String(n).padStart(15, '0');
  }

  fireflies(n: number): string {
    return (
      '01J' +
      encode(CROCKFORD32, this.salt, 2) +
      encode(CROCKFORD32, n, 9) +
      'FF' +
      encode(CROCKFORD32, n * 7919, 10)
    );
  }

  drive(n: number): string {
    return (
      '1' +
      encode(BASE62, this.salt, 2) +
      'x' +
      encode(BASE62, n, 8) +
      encode(BASE62, (n * 2654435761) % 2 ** 32, 6)
    );
  }
}
