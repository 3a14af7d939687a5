import { ExtractError } from '../../src/errors.ts';
import { relationshipsPart, resolveTarget, type PackageParts } from './package-parts.ts';
import { readXml } from './xml-events.ts';

/** One sheet of the workbook, in tab order. */
export interface SheetEntry {
  /** The name on its tab. */
  name: string;
  /** 1-based position in tab order (hidden sheets count). */
  position: number;
  /** Its part (`xl/worksheets/sheet1.xml`); undefined when the relationship is missing. */
  part: string | undefined;
  /** `worksheet` for a sheet of cells; `chartsheet`, `dialogsheet`, ... for the others. */
  type: string;
}

/** What the workbook part says about the whole workbook. */
export interface WorkbookInfo {
  /** The workbook part (`xl/workbook.xml`). */
  part: string;
  sheets: SheetEntry[];
  /** The workbook uses the 1904 date system (`<workbookPr date1904="1"/>`, ECMA-376 Part 1 §18.2.28). */
  date1904: boolean;
  /** The shared string table's part, if there is one. */
  sharedStrings: string | undefined;
  /** The styles part, if there is one. */
  styles: string | undefined;
}

/** A relationship's type is a URI; transitional and strict OOXML differ only before the last `/`. */
const typeOf = (uri: string): string => uri.slice(uri.lastIndexOf('/') + 1);

/** The value of the `id` attribute in a namespace (`r:id`), the only prefixed attribute read. */
const relationshipId = (attributes: Readonly<Record<string, string>>): string =>
  Object.entries(attributes).find(([name]) => name.endsWith(':id'))?.[1] ?? '';

interface Relationship {
  id: string;
  type: string;
  target: string;
}

async function readRelationships(pkg: PackageParts, source: string): Promise<Relationship[]> {
  const part = relationshipsPart(source);
  if (!pkg.has(part)) return [];
  const relationships: Relationship[] = [];
  await readXml(await pkg.open(part), part, {
    open(name, a) {
      if (name === 'Relationship' && a.Id && a.Type && a.Target && a.TargetMode !== 'External') {
        relationships.push({ id: a.Id, type: typeOf(a.Type), target: resolveTarget(source, a.Target) });
      }
    },
  });
  return relationships;
}

/**
 * Reads the workbook part (found through the package's `officeDocument` relationship, ECMA-376
 * Part 2 §9.3 and Part 1 §12.3.23) and its relationships: the sheets in tab order, the date
 * system, the shared strings and styles parts.
 * @throws ExtractError `xlsx_invalid` naming `file` when there is no workbook part.
 */
export async function readWorkbook(pkg: PackageParts, file: string): Promise<WorkbookInfo> {
  const root = await readRelationships(pkg, '');
  const part = root.find((r) => r.type === 'officeDocument')?.target ?? 'xl/workbook.xml';
  if (!pkg.has(part)) throw new ExtractError('xlsx_invalid', `${file}: the package has no workbook part: is it an .xlsx workbook?`);
  const listed: { name: string; rid: string }[] = [];
  let date1904 = false;
  await readXml(await pkg.open(part), part, {
    open(name, a) {
      // The relationship id is the attribute r:id (§18.2.19), whatever prefix the relationships namespace has here.
      if (name === 'sheet') listed.push({ name: a.name ?? '', rid: relationshipId(a) });
      else if (name === 'workbookPr') date1904 = a.date1904 === '1' || a.date1904 === 'true';
    },
  });
  const relationships = await readRelationships(pkg, part);
  const byId = new Map(relationships.map((r) => [r.id, r]));
  return {
    part,
    sheets: listed.map((s, i) => {
      const r = byId.get(s.rid);
      return { name: s.name, position: i + 1, part: r?.target, type: r?.type ?? 'unknown' };
    }),
    date1904,
    sharedStrings: relationships.find((r) => r.type === 'sharedStrings')?.target,
    styles: relationships.find((r) => r.type === 'styles')?.target,
  };
}
