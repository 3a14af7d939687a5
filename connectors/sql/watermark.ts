/**
 * The state of a database connector in `mode: cursor`: the watermark, the greatest value of the
 * cursor column among the rows the last successful run read (pure functions, no I/O).
 *
 * A read takes the rows whose cursor value is at or after `watermark - lag_seconds`, ordered by
 * the cursor column, so the last non-NULL value it reads is the greatest in the database's own
 * order and type (timestamps as instants, integers as numbers): that is the next watermark. The
 * runner keeps it only when the run commits (`source_state`), so a failed run reads again from
 * the old one. A read with no row keeps the old watermark.
 */
import type { SourceState } from '../types.ts';

/** Layout version of the state's `value`. */
export const SQL_STATE_VERSION = 1;

/** The state's `value`: the cursor column it was read by, and its watermark as the connector's text. */
export interface SqlCursorState {
  cursor_column: string;
  /** The cursor value as the connector writes values (`2026-03-01 08:30:00.25`, `2026-03-01 08:30:00+08:00`, `1024`). */
  watermark: string;
}

/**
 * The watermark to read from: the state's, when it was kept by a read of the same cursor column
 * with this layout; undefined otherwise (first run, another column since, an older layout), which
 * makes the read a full one.
 */
export function watermarkFrom(state: SourceState | null, column: string): string | undefined {
  if (state === null || state.version !== SQL_STATE_VERSION) return undefined;
  const value = state.value as Partial<SqlCursorState>;
  return value.cursor_column === column && typeof value.watermark === 'string' ? value.watermark : undefined;
}

/** The state to keep: the watermark, or none when no read so far has seen a cursor value. */
export function cursorState(column: string, watermark: string | undefined): SourceState | null {
  if (watermark === undefined) return null;
  return { version: SQL_STATE_VERSION, value: { cursor_column: column, watermark } satisfies SqlCursorState as unknown as Record<string, unknown> };
}
