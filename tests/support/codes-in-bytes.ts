import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Which of `codes` (18-character ID numbers and USCCs) occur in `text`: every 18-character window of
 * every run of digits and capital letters is looked up, so a code inside a longer run counts too.
 */
export function codesInText(text: string, codes: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  for (const match of text.matchAll(/[0-9A-Z]{18,}/g)) {
    const run = match[0];
    for (let at = 0; at + 18 <= run.length; at++) {
      const window = run.slice(at, at + 18);
      if (codes.has(window)) found.add(window);
    }
  }
  return found;
}

/** Which of `codes` occur in the bytes of `file` (as ASCII, the way DuckDB stores them in UTF-8). */
export async function codesInFile(file: string, codes: ReadonlySet<string>): Promise<Set<string>> {
  return codesInText((await readFile(file)).toString('latin1'), codes);
}

/**
 * Which of `codes` Debian binutils' `strings -a -n 8 file` prints (what someone with the file and
 * no key would try first). Fails when `strings` is missing: .ci/run installs binutils.
 */
export async function codesByStrings(file: string, codes: ReadonlySet<string>): Promise<Set<string>> {
  const { stdout } = await run('strings', ['-a', '-n', '8', file], { maxBuffer: 512 * 1024 * 1024, encoding: 'latin1' });
  return codesInText(stdout, codes);
}
