export interface Stratum {
  /** Records in the stratum. */
  readonly size: number;
  /** Fewest it may be given. */
  readonly min: number;
  /** Most it may be given. */
  readonly max: number;
}

/**
 * Splits `total` among strata in proportion to their sizes (largest-remainder method), within each
 * stratum's [min, max]. Deterministic: ties go to the larger stratum, then to the earlier one.
 * Requires sum(min) <= total <= sum(max).
 */
export function apportion(total: number, strata: readonly Stratum[]): number[] {
  const population = strata.reduce((sum, s) => sum + s.size, 0);
  const minSum = strata.reduce((sum, s) => sum + s.min, 0);
  const maxSum = strata.reduce((sum, s) => sum + s.max, 0);
  if (total < minSum || total > maxSum) {
    throw new RangeError(`cannot apportion ${total} within the strata bounds [${minSum}, ${maxSum}]`);
  }
  const quotas = strata.map((s) => (population === 0 ? 0 : (total * s.size) / population));
  const shares = strata.map((s, i) => Math.min(s.max, Math.max(s.min, Math.floor(quotas[i]))));
  let missing = total - shares.reduce((sum, n) => sum + n, 0);

  const pick = (eligible: (i: number) => boolean, score: (i: number) => number): number => {
    let best = -1;
    for (let i = 0; i < strata.length; i++) {
      if (!eligible(i)) {
        continue;
      }
      if (best === -1 || score(i) > score(best) || (score(i) === score(best) && strata[i].size > strata[best].size)) {
        best = i;
      }
    }
    return best;
  };
  while (missing > 0) {
    const i = pick((j) => shares[j] < strata[j].max, (j) => quotas[j] - shares[j]);
    shares[i] += 1;
    missing -= 1;
  }
  while (missing < 0) {
    const i = pick((j) => shares[j] > strata[j].min, (j) => shares[j] - quotas[j]);
    shares[i] -= 1;
    missing += 1;
  }
  return shares;
}
