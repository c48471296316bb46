/** The value at fraction `p` (0.5: the median, 0.99: p99) of ascending `sorted`; NaN when empty. */
export function percentile (sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN
}
