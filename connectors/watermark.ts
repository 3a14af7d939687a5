/**
 * Watermarks of cursor reads whose source has no types of its own (JSON APIs): instants written
 * as ISO 8601 with a zone (`2026-12-01T08:30:00Z`, `…+08:00`) or as a wall time without one
 * (`2026-12-01 08:30:00`, `2026-12-01T08:30:00.123`, `2026-12-01`), which is taken as China
 * Standard Time (UTC+8, no daylight saving), as other zoneless values are.
 */

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Milliseconds since the epoch of an instant text (module doc), or undefined when it is none. */
export function instantMs(text: string): number | undefined {
  const m = INSTANT.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0').slice(0, 3)));
  // No rolling over: 2026-02-30 or 25:00 is no instant.
  const back = new Date(wall);
  if (Number.isNaN(wall) || back.getUTCMonth() !== Number(mo) - 1 || back.getUTCDate() !== Number(d) || back.getUTCHours() !== Number(h) || back.getUTCMinutes() !== Number(mi) || back.getUTCSeconds() !== Number(s)) return undefined;
  if (zone === undefined) return wall - 8 * 3600_000;
  if (zone === 'Z') return wall;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '').padEnd(4, '0');
  return wall - sign * (Number(digits.slice(0, 2)) * 3600_000 + Number(digits.slice(2)) * 60_000);
}

/** The later of a watermark and a value read (texts as written; a value that is no instant is ignored). */
export function laterInstant(current: string | undefined, value: string | null): string | undefined {
  if (value === null) return current;
  const ms = instantMs(value);
  if (ms === undefined) return current;
  if (current === undefined) return value;
  return ms > (instantMs(current) ?? -Infinity) ? value : current;
}

/**
 * The lower bound a cursor read asks for: the watermark minus `lagSeconds`, written as the
 * watermark was (with a zone: ISO 8601 at +08:00; without: a China Standard Time wall time
 * `YYYY-MM-DD HH:MM:SS`).
 */
export function sinceText(watermark: string, lagSeconds: number): string {
  const ms = instantMs(watermark);
  if (ms === undefined) return watermark;
  const china = new Date(ms - lagSeconds * 1000 + 8 * 3600_000).toISOString();
  const wall = `${china.slice(0, 10)} ${china.slice(11, 19)}`;
  return INSTANT.exec(watermark.trim())?.[8] !== undefined ? `${wall.replace(' ', 'T')}+08:00` : wall;
}
