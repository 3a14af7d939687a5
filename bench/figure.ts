/**
 * One figure of `npm run bench`: what onecode did next to a reference measured in the same run
 * (these machines are shared and noisy, so the ratio is the figure; the absolute values are context).
 * Every benchmark module returns its figures in this shape; bench/run.ts prints them as one table
 * and writes them as JSON for the README's table.
 */
export interface BenchFigure {
  /** What is measured, e.g. "push: outbox → broker → marked, 1,000,000 events". */
  figure: string;
  /** onecode's value, in `unit`. */
  ours: number;
  /** The reference's value, in `unit`, measured in the same run (omitted for absolute figures such as peak RSS). */
  reference?: number;
  /** What the reference is, e.g. "kcat (librdkafka)", "DuckDB read_csv", "node -e 0". */
  referenceName?: string;
  /** Unit of `ours` and `reference`: "s", "events/s", "rows/s", "GB", "%". */
  unit: string;
  /** The compared figure: ours ÷ reference for times, reference ÷ ours for rates (so higher is always worse), or the value itself. */
  ratio: number;
  /** The target for `ratio`, e.g. "≤ 3". */
  target: string;
  /** Whether `ratio` meets `target`. */
  met: boolean;
  /** Anything the reader needs to weigh the figure (rounds, median of n, rows). */
  note?: string;
}
