import type { DurationSummary } from './kpi-report';

/**
 * A mergeable latency histogram with fixed log-scale buckets. Every item, every day and every
 * process uses the same bucket bounds, so merging is adding counts bucket by bucket, and
 * p50/p95 over any range come from merged day items, never from the raw durations.
 *
 * Bucket 0 holds durations under one second. Bucket i ≥ 1 holds [GROWTH^(i-1), GROWTH^i)
 * seconds; with four buckets per doubling a percentile read from a bucket's geometric middle
 * is within about 9 % of the true value. {@link BUCKET_COUNT} buckets reach past two years;
 * longer durations land in the last one.
 */
export const BUCKETS_PER_DOUBLING = 4;
const GROWTH = 2 ** (1 / BUCKETS_PER_DOUBLING);
/** Number of buckets: 1 s to 2^26 s (about two years), plus the sub-second one. */
export const BUCKET_COUNT = 26 * BUCKETS_PER_DOUBLING + 1;

/** Bucket index → count; only non-empty buckets are present, so items stay small. */
export type Histogram = Map<number, number>;

/** The bucket a duration falls in. Negative or non-finite durations are refused by the caller, not here. */
export function bucketOf(seconds: number): number {
  if (seconds < 1) return 0;
  const index = Math.floor(Math.log2(seconds) * BUCKETS_PER_DOUBLING) + 1;
  return Math.min(index, BUCKET_COUNT - 1);
}

/** Lower and upper bound, in seconds, of a bucket. */
export function bucketBounds(bucket: number): { lower: number; upper: number } {
  if (bucket <= 0) return { lower: 0, upper: 1 };
  return { lower: GROWTH ** (bucket - 1), upper: GROWTH ** bucket };
}

/** The value a bucket stands for: its geometric middle (half a second for bucket 0). */
function representative(bucket: number): number {
  if (bucket <= 0) return 0.5;
  const { lower, upper } = bucketBounds(bucket);
  return Math.sqrt(lower * upper);
}

/** Adds `other` into `into` bucket by bucket, or with `sign` −1 takes it away. */
export function mergeInto(into: Histogram, other: Histogram, sign: 1 | -1 = 1): Histogram {
  for (const [bucket, count] of other) into.set(bucket, (into.get(bucket) ?? 0) + sign * count);
  return into;
}

/** The number of durations a histogram holds. */
export function countOf(histogram: Histogram): number {
  let total = 0;
  for (const count of histogram.values()) total += count;
  return total;
}

/**
 * The q-quantile (0 < q ≤ 1) of a histogram: the representative value of the bucket holding
 * the ⌈q·n⌉-th smallest duration. Undefined for an empty histogram.
 */
export function quantile(histogram: Histogram, q: number): number | undefined {
  const total = countOf(histogram);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const bucket of [...histogram.keys()].sort((left, right) => left - right)) {
    seen += histogram.get(bucket) ?? 0;
    if (seen >= rank) return representative(bucket);
  }
  return undefined;
}

/** Rounds to a tenth of a second: bucket estimates carry no more precision than that. */
function tenth(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * p50, p95, mean and an upper bound of the maximum, from a histogram and the exact sum of its
 * durations (sums are kept beside the buckets, so the mean is exact). A metric kept as a mean
 * only has no buckets but a `count`: its percentiles and maximum are null.
 */
export function summarise(histogram: Histogram, sumSeconds: number, count = countOf(histogram)): DurationSummary {
  if (count === 0) return { count: 0, p50Seconds: null, p95Seconds: null, meanSeconds: null, maxSeconds: null };
  if (histogram.size === 0)
    return { count, p50Seconds: null, p95Seconds: null, meanSeconds: tenth(sumSeconds / count), maxSeconds: null };
  const top = Math.max(...histogram.keys());
  return {
    count,
    p50Seconds: tenth(quantile(histogram, 0.5) ?? 0),
    p95Seconds: tenth(quantile(histogram, 0.95) ?? 0),
    meanSeconds: tenth(sumSeconds / count),
    maxSeconds: tenth(bucketBounds(top).upper),
  };
}
