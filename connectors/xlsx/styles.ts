import { formatKind, type FormatKind } from './number-formats.ts';
import type { PackageParts } from './package-parts.ts';
import { readXml } from './xml-events.ts';

/**
 * What each cell style shows of a number, by style index (a cell's `s` attribute): the styles
 * part's `cellXfs` (ECMA-376 Part 1 §18.8.10) give each style a `numFmtId`, the `numFmts`
 * (§18.8.31) the workbook's own format codes. A style index past the list, or a workbook
 * without a styles part, shows numbers as numbers (General).
 */
export async function readFormatKinds(pkg: PackageParts, part: string | undefined): Promise<FormatKind[]> {
  if (part === undefined || !pkg.has(part)) return [];
  const custom = new Map<number, string>();
  const numFmtIds: number[] = [];
  let inCellXfs = false;
  await readXml(await pkg.open(part), part, {
    open(name, a) {
      if (name === 'numFmt' && a.numFmtId !== undefined && a.formatCode !== undefined) custom.set(Number(a.numFmtId), a.formatCode);
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) numFmtIds.push(Number(a.numFmtId ?? 0));
    },
    close(name) {
      if (name === 'cellXfs') inCellXfs = false;
    },
  });
  return numFmtIds.map((id) => formatKind(id, custom));
}
