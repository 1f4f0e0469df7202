/**
 * The ideal customer the generator plants: a few industries and a mid-market-to-enterprise employee band
 * win far more often, deals whose committee holds an economic buyer or a VP-level (or higher) champion win
 * more, and leads convert the same way. icp-discovery and bench/lead-scoring measure against it.
 */
export const PLANTED_ICP = {
  industries: ['Software', 'Financial Services', 'Healthcare'] as readonly string[],
  /** Inclusive employee band. */
  employees: { min: 200, max: 5000 },
  /** Seniorities of a winning champion; a deal with one (or an economic buyer) wins more. */
  seniorities: ['c_level', 'vp'] as readonly string[],
  role: 'economic_buyer',
} as const;

/** How well a company fits: 0 (neither industry nor band), 1 (one of them), 2 (both). */
export function companyFit(industry: string, employees: number): 0 | 1 | 2 {
  const inIndustry = PLANTED_ICP.industries.includes(industry) ? 1 : 0;
  const inBand = employees >= PLANTED_ICP.employees.min && employees <= PLANTED_ICP.employees.max ? 1 : 0;
  return (inIndustry + inBand) as 0 | 1 | 2;
}

// Chance a closed deal is won, by company fit; the committee moves it further (deals.ts).
const WIN_BY_FIT = [0.2, 0.45, 0.78] as const;

export function winChance(fit: 0 | 1 | 2): number {
  return WIN_BY_FIT[fit];
}

// Chance an account yields a converted lead, and that a lead at a new company is kept unconverted, by fit
// plus one when the person is VP-level or higher: ICP-fit leads convert, the rest mostly do not.
const CONVERTED_LEAD_BY_FIT = [0.03, 0.2, 0.6, 0.9] as const;
const STAYS_UNCONVERTED_BY_FIT = [1, 0.4, 0.1, 0.03] as const;

export function leadFit(fit: 0 | 1 | 2, seniority: string): 0 | 1 | 2 | 3 {
  return (fit + (PLANTED_ICP.seniorities.includes(seniority) ? 1 : 0)) as 0 | 1 | 2 | 3;
}
export const convertedLeadChance = (fit: 0 | 1 | 2 | 3) => CONVERTED_LEAD_BY_FIT[fit];
export const staysUnconvertedChance = (fit: 0 | 1 | 2 | 3) => STAYS_UNCONVERTED_BY_FIT[fit];
