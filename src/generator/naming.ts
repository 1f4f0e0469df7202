/** Names, e-mail addresses and domains of the synthetic world's companies and people. */
import { COMPANY_FIRST, COMPANY_SECOND, TLDS } from './vocabulary.ts';
import { seedHash } from './prng.ts';

/** Lower-case ASCII letters and digits only: "Müller" → "muller", "O'Brien" → "obrien". */
export function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

const COMBINATIONS = COMPANY_FIRST.length * COMPANY_SECOND.length;
// A multiplier coprime with the number of combinations scatters consecutive accounts across the name
// space, so account 0 and account 1 do not share their first word.
const SCATTER = 7919;

/**
 * The company name of account `index`: unique per index within a seed (a number is appended once the
 * two-word combinations run out), with a domain derived from it.
 */
export function companyIdentity(seed: number, index: number): { name: string; domain: string } {
  const offset = seedHash(seed, 'company-names') % COMBINATIONS;
  const slot = (offset + (index % COMBINATIONS) * SCATTER) % COMBINATIONS;
  const round = Math.floor(index / COMBINATIONS);
  const first = COMPANY_FIRST[slot % COMPANY_FIRST.length]!;
  const second = COMPANY_SECOND[Math.floor(slot / COMPANY_FIRST.length)]!;
  const name = round === 0 ? `${first} ${second}` : `${first} ${second} ${round + 1}`;
  const tld = TLDS[slot % TLDS.length]!;
  const domain = `${slug(first)}${slug(second)}${round === 0 ? '' : round + 1}.${tld}`;
  return { name, domain };
}

const INTERNAL_NAMES = [
  'northwind',
  'contoso',
  'fabrikam',
  'tailspin',
  'litware',
  'adventureworks',
  'wingtip',
  'proseware',
  'lucerne',
  'woodgrove',
  'margie',
  'alpineski',
  'coho',
  'fourthcoffee',
  'relecloud',
  'trey',
];

/** The workspace's own company domain, e.g. `northwind-demo.io`; account domains never contain "-demo". */
export function internalDomain(seed: number): { domain: string; companyName: string } {
  const base = INTERNAL_NAMES[seedHash(seed, 'internal-domain') % INTERNAL_NAMES.length]!;
  return { domain: `${base}-demo.io`, companyName: base[0]!.toUpperCase() + base.slice(1) };
}

export function personEmail(first: string, last: string, domain: string, disambiguator = ''): string {
  return `${slug(first)}.${slug(last)}${disambiguator}@${domain}`;
}
