/**
 * Small helpers the benchmarks share: the median of paired rounds, and a figure built from two
 * times of the same run (bench/figure.ts).
 */
import type { BenchFigure } from './figure.ts';

/** Median of `xs` (an even count: the mean of the middle two). @throws RangeError for no values. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median of no values');
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Target of a figure shown for context only (no target of its own): `met` is then true. */
export const NO_TARGET = '—';

/**
 * A time figure: ours ÷ the reference's, both in seconds, met when the ratio is at most `max`
 * (or, with `strict`, below it: "< 1" for "ahead of"); without `max`, a figure for context ({@link NO_TARGET}).
 */
export function timeFigure(o: { figure: string; oursSeconds: number; referenceSeconds: number; referenceName: string; max?: number; strict?: boolean; note?: string }): BenchFigure {
  const ratio = o.oursSeconds / o.referenceSeconds;
  return {
    figure: o.figure,
    ours: round(o.oursSeconds, 3),
    reference: round(o.referenceSeconds, 3),
    referenceName: o.referenceName,
    unit: 's',
    ratio: round(ratio, 3),
    target: o.max === undefined ? NO_TARGET : `${o.strict ? '<' : '≤'} ${o.max}`,
    met: o.max === undefined ? true : o.strict ? ratio < o.max : ratio <= o.max,
    ...(o.note ? { note: o.note } : {}),
  };
}

/** `x` rounded to `digits` decimals. */
export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Seconds since `t0` (a performance.now() value). */
export const secondsSince = (t0: number): number => (performance.now() - t0) / 1000;
