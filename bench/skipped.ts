/**
 * Figures a benchmark could not measure on this machine (an optional peer missing, a server
 * unreachable), with the reason: printed under `npm run bench`'s table and kept in
 * bench/results/latest.json, so that a missing figure is never silent.
 */

/** A figure not measured, and why. */
export interface SkippedFigure {
  figure: string;
  reason: string;
}

const skipped: SkippedFigure[] = [];

/** Records that `figure` was not measured, and prints why. */
export function skipFigure(figure: string, reason: string): void {
  skipped.push({ figure, reason });
  console.log(`skipped: ${figure}: ${reason}`);
}

/** The figures skipped so far in this process. */
export function skippedFigures(): readonly SkippedFigure[] {
  return skipped;
}
