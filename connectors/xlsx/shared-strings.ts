import type { PackageParts } from './package-parts.ts';
import { readXml } from './xml-events.ts';

/**
 * Undoes the escapes of ST_Xstring (ECMA-376 Part 1 §22.9.2.19): a character XML cannot carry
 * (a control character such as CR) is written `_x000D_`, and an underscore that would start
 * such an escape is written `_x005F_`. `a_x000D_b` is `a\rb`; `_x005F_x0041_` is `_x0041_`.
 */
export function unescapeXstring(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Gathers the text of a string item, `<si>` of the shared string table or `<is>` of an inline
 * string (CT_Rst, ECMA-376 Part 1 §18.4.8): the `<t>` directly in it, or the `<t>` of each rich
 * text run `<r>` concatenated (§18.4.12: the formatting of runs is dropped). Phonetic runs
 * `<rPh>` (furigana, §18.4.6) are a reading aid, not the cell's text: their `<t>` is skipped.
 */
export class StringItem {
  private parts: string[] = [];
  private inT = false;
  private phonetic = 0;

  open(name: string): void {
    if (name === 'rPh') this.phonetic++;
    else if (name === 't' && this.phonetic === 0) this.inT = true;
  }

  close(name: string): void {
    if (name === 'rPh') this.phonetic--;
    else if (name === 't') this.inT = false;
  }

  text(text: string): void {
    if (this.inT) this.parts.push(text);
  }

  /** The item's text, escapes undone; the item is emptied for the next one. */
  take(): string {
    const text = unescapeXstring(this.parts.length === 1 ? this.parts[0]! : this.parts.join(''));
    this.parts = [];
    this.inT = false;
    this.phonetic = 0;
    return text;
  }
}

/**
 * The shared string table (`xl/sharedStrings.xml`, ECMA-376 Part 1 §18.4.9), in order: a cell of
 * type `s` holds an index into it. Streamed, but the strings themselves are kept for the whole
 * read, as every reader of the format must (a cell may point to any of them): a workbook of a
 * million distinct strings holds them all in memory.
 */
export async function readSharedStrings(pkg: PackageParts, part: string | undefined): Promise<string[]> {
  if (part === undefined || !pkg.has(part)) return [];
  const strings: string[] = [];
  const item = new StringItem();
  let inItem = false;
  await readXml(await pkg.open(part), part, {
    open(name) {
      if (name === 'si') inItem = true;
      else if (inItem) item.open(name);
    },
    close(name) {
      if (name === 'si') {
        strings.push(item.take());
        inItem = false;
      } else if (inItem) {
        item.close(name);
      }
    },
    text(text) {
      if (inItem) item.text(text);
    },
  });
  return strings;
}
