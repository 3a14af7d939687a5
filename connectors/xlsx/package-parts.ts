import { open as openFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, Transform, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { ExtractError } from '../../src/errors.ts';

/**
 * The parts of an .xlsx package (an OPC zip, ECMA-376 Part 2), read with `yauzl` from the zip's
 * central directory: a part is streamed and inflated as it is read, never held whole.
 */
export interface PackageParts {
  /** Whether the package has the part `name` (a part name without its leading `/`, any case). */
  has(name: string): boolean;
  /** The part's bytes, inflated as they are read. @throws ExtractError `xlsx_invalid` if there is no such part. */
  open(name: string): Promise<Readable>;
  /** Closes the file; streams already open finish first. */
  close(): void;
}

/** The first bytes of an OLE2 compound file: an .xls (Excel 97-2003) or a password-protected .xlsx. */
const OLE2 = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/**
 * Opens the package at `filePath` and lists its parts (OPC part names compare without case,
 * ECMA-376 Part 2 §9.1.1.1).
 * @throws ExtractError `source_missing` (no such file), `xlsx_invalid` (not a zip: an .xls, a
 *   password-protected workbook, a CSV renamed), naming the file.
 */
export async function openPackage(filePath: string): Promise<PackageParts> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(filePath, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ExtractError('source_missing', `${filePath}: file not found`);
    throw new ExtractError('xlsx_invalid', `${filePath}: not an .xlsx workbook (no zip package)${await whatItIs(filePath)}`, { cause: error });
  }
  const entries = new Map<string, yauzl.Entry>();
  try {
    for await (const entry of zip.eachEntry()) entries.set(entry.fileName.toLowerCase(), entry);
  } catch (error) {
    zip.close();
    throw new ExtractError('xlsx_invalid', `${filePath}: the zip package is damaged (${(error as Error).message})`, { cause: error });
  }
  return {
    has: (name) => entries.has(name.toLowerCase()),
    async open(name) {
      const entry = entries.get(name.toLowerCase());
      if (!entry) throw new ExtractError('xlsx_invalid', `${filePath}: the package has no part ${name}`);
      // yauzl checks sizes but not CRC-32 (its README, "No CRC-32 Checking"): damaged deflate data can inflate to other text.
      return pipeline(await zip.openReadStreamPromise(entry), crcChecked(entry.crc32, name), () => {});
    },
    close: () => zip.close(),
  };
}

/** A hint for a file that is no zip: an OLE2 file is an .xls or an encrypted workbook. */
async function whatItIs(filePath: string): Promise<string> {
  const head = Buffer.alloc(OLE2.length);
  try {
    const handle = await openFile(filePath, 'r');
    try {
      await handle.read(head, 0, head.length, 0);
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
  return head.equals(OLE2) ? ': it is an OLE2 file, an .xls (Excel 97-2003) workbook or a password-protected one; save it as an .xlsx workbook without a password' : '';
}

/**
 * The part name a relationship's `Target` points to (ECMA-376 Part 2 §9.3.2 and §9.3.6): a target
 * starting with `/` is from the package root, any other is relative to the folder of `source`.
 */
export function resolveTarget(source: string, target: string): string {
  if (target.startsWith('/')) return path.posix.normalize(target).slice(1);
  return path.posix.normalize(path.posix.join(path.posix.dirname(source), target));
}

/** The relationships part of `part` (`xl/workbook.xml` → `xl/_rels/workbook.xml.rels`). */
export function relationshipsPart(part: string): string {
  return path.posix.join(path.posix.dirname(part), '_rels', `${path.posix.basename(part)}.rels`);
}

/** Thrown at the end of a part whose bytes do not match the CRC-32 of the zip's central directory. */
export class PartChecksumError extends Error {
  constructor(part: string) {
    super(`part ${part} does not match its CRC-32: the file is damaged`);
    this.name = 'PartChecksumError';
  }
}

/** Passes a part's bytes on and fails at their end if their CRC-32 (ISO 3309, as zip uses it) is not `expected`. */
function crcChecked(expected: number, part: string): Transform {
  let crc = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      crc = crc32(chunk, crc);
      done(null, chunk);
    },
    flush(done) {
      done(crc === expected ? null : new PartChecksumError(part));
    },
  });
}

/** CRC-32 of `data` continuing from `crc`: zlib's (Node 20.15 and later) or the table-driven algorithm. */
const crc32: (data: Buffer, crc: number) => number = typeof zlib.crc32 === 'function' ? zlib.crc32 : crc32Table;

let table: Int32Array | undefined;
/** The table-driven CRC-32 (exported for its test against zlib's). */
export function crc32Table(data: Buffer, crc: number): number {
  table ??= Int32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c;
  });
  let c = ~crc;
  for (const byte of data) c = table[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
