/**
 * The significance measures custom-field-discovery states beside each finding: Fisher's exact test for a
 * value's win rate against the rest, and a 95 % interval for a correlation (Fisher's z).
 */

const logFactorials: number[] = [0];
function logFactorial(n: number): number {
  for (let i = logFactorials.length; i <= n; i++) logFactorials.push(logFactorials[i - 1]! + Math.log(i));
  return logFactorials[n]!;
}

/**
 * Two-sided p-value of Fisher's exact test on the 2×2 table [[a, b], [c, d]] (a = won with the value,
 * b = lost with it, c = won without, d = lost without): the probability of every table with the same
 * margins that is no more likely than the one observed.
 */
export function fisherExactP(a: number, b: number, c: number, d: number): number {
  const row1 = a + b;
  const col1 = a + c;
  const n = a + b + c + d;
  const logP = (x: number) =>
    logFactorial(row1) +
    logFactorial(n - row1) +
    logFactorial(col1) +
    logFactorial(n - col1) -
    logFactorial(n) -
    logFactorial(x) -
    logFactorial(row1 - x) -
    logFactorial(col1 - x) -
    logFactorial(n - row1 - col1 + x);
  const observed = logP(a);
  let p = 0;
  for (let x = Math.max(0, row1 + col1 - n); x <= Math.min(row1, col1); x++) {
    const lp = logP(x);
    // A relative tolerance keeps tables as likely as the observed one despite rounding.
    if (lp <= observed + 1e-7) p += Math.exp(lp);
  }
  return Math.min(1, p);
}

/** 95 % confidence interval of a Pearson correlation r over n pairs; null below 4 pairs. */
export function correlationInterval(r: number, n: number): { low: number; high: number } | null {
  if (n < 4 || !Number.isFinite(r)) return null;
  const clamped = Math.max(-0.999999, Math.min(0.999999, r));
  const z = Math.atanh(clamped);
  const se = 1 / Math.sqrt(n - 3);
  return { low: Math.tanh(z - 1.96 * se), high: Math.tanh(z + 1.96 * se) };
}
