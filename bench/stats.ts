/**
 * The few statistics the benchmarks report. Percentiles are exact (nearest
 * rank over every sample), not estimated: the runs are small enough to keep
 * every sample.
 */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The nearest-rank percentile `p` (0 < p ≤ 100) of samples sorted ascending. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new Error("percentile of no samples");
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Every run of a measurement and their median: the table shows the median, the JSON keeps the runs. */
export interface Runs {
  readonly median: number;
  readonly runs: readonly number[];
}

export function runsOf(values: readonly number[]): Runs {
  return { median: median(values), runs: [...values] };
}

/** `a / b`, rounded for a table; the JSON keeps what this returns. */
export function ratio(a: number, b: number): number {
  return Math.round((a / b) * 1000) / 1000;
}
