/**
 * Differential run: onecode's resident-id and USCC classifiers against python-stdnum's
 * `stdnum.cn.ric` and `stdnum.cn.uscc`, on a large generated set (valid, corrupted, edge cases).
 * Writes docs/differential-report.md with the counts and every class of disagreement, each
 * justified (see justifications.ts) or marked UNEXPLAINED; exits 1 if any is unexplained.
 *
 *   npx tsx scripts/differential/run.ts [--seed N] [--per-category N] [--run-date YYYY-MM-DD]
 *
 * python-stdnum is installed into a virtual environment under .cache/ (gitignored) on first use.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { classifyResidentId, classifyUscc, type Classification } from '../../src/identifiers/index.ts';
import { generateSamples, type Sample } from './generate.ts';
import { justify } from './justifications.ts';
import { writeReport, type DisagreementClass, type RunFacts } from './report.ts';

const STDNUM_VERSION = '2.2';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const VENV = join(ROOT, '.cache', 'differential-venv');
const PYTHON = join(VENV, 'bin', 'python');

/** Our verdict and stdnum's on one sample. */
export interface Judged extends Sample {
  ours: Classification;
  theirs: { valid: boolean; error: string | null; compact: string | null };
}

function ensureStdnum(): void {
  const installed = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import stdnum; print(stdnum.__version__)'], { encoding: 'utf8' }).stdout.trim();
  if (installed === STDNUM_VERSION) return;
  console.error(`installing python-stdnum ${STDNUM_VERSION} into ${VENV}`);
  mkdirSync(dirname(VENV), { recursive: true });
  for (const [command, args] of [
    ['python3', ['-m', 'venv', VENV]],
    [join(VENV, 'bin', 'pip'), ['install', '--quiet', `python-stdnum==${STDNUM_VERSION}`]],
  ] as const) {
    const result = spawnSync(command, args, { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`'${command} ${args.join(' ')}' failed: install python3 with venv and pip, then re-run`);
  }
}

function classifyWithStdnum(samples: Sample[]): Judged['theirs'][] {
  const input = samples.map(({ kind, value }) => JSON.stringify({ kind, value })).join('\n');
  const result = spawnSync(PYTHON, [join(ROOT, 'scripts', 'differential', 'stdnum_classify.py')], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (result.status !== 0) throw new Error(`stdnum_classify.py failed: ${result.stderr}`);
  const lines = result.stdout.trim().split('\n');
  if (lines.length !== samples.length) throw new Error(`stdnum answered ${lines.length} of ${samples.length} values`);
  return lines.map((line) => JSON.parse(line) as Judged['theirs']);
}

/** What a disagreement is, as a stable key: kind, our status and reason codes, stdnum's answer. */
function signatureOf(judged: Judged): string {
  const subtype = judged.ours.subtype === undefined ? '' : ` ${judged.ours.subtype}`;
  const ours = `${judged.ours.status}${subtype}${judged.ours.reasons.length > 0 ? ` [${judged.ours.reasons.map((r) => r.code).join(', ')}]` : ''}`;
  const theirs = judged.theirs.valid ? 'valid' : judged.theirs.error!;
  return `${judged.kind}: onecode ${ours} / stdnum ${theirs}`;
}

/** Both call it valid and agree on the canonical form, or neither calls it valid. */
function agrees({ ours, theirs }: Judged): boolean {
  if (ours.status === 'valid' && theirs.valid) return ours.normalized === theirs.compact;
  return ours.status !== 'valid' && !theirs.valid;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '20240601' },
      'per-category': { type: 'string', default: '3000' },
      'run-date': { type: 'string', default: '2024-06-01' },
    },
  });
  const seed = Number(values.seed);
  const perCategory = Number(values['per-category']);
  const runDate = values['run-date']!;
  ensureStdnum();

  const samples = generateSamples({ seed, perCategory, runDate });
  const theirs = classifyWithStdnum(samples);
  const judged: Judged[] = samples.map((sample, i) => ({
    ...sample,
    ours: sample.kind === 'resident_id' ? classifyResidentId(sample.value, { runDate }) : classifyUscc(sample.value),
    theirs: theirs[i]!,
  }));

  const classes = new Map<string, DisagreementClass>();
  for (const item of judged) {
    if (agrees(item)) continue;
    const signature = signatureOf(item);
    const entry = classes.get(signature) ?? { signature, count: 0, categories: new Map(), example: item, justification: justify(signature) };
    entry.count++;
    entry.categories.set(item.category, (entry.categories.get(item.category) ?? 0) + 1);
    classes.set(signature, entry);
  }

  const facts: RunFacts = { seed, perCategory, runDate, stdnumVersion: STDNUM_VERSION, judged, agrees };
  const reportPath = join(ROOT, 'docs', 'differential-report.md');
  writeFileSync(reportPath, writeReport(facts, [...classes.values()]));
  const disagreements = [...classes.values()].reduce((n, c) => n + c.count, 0);
  const unexplained = [...classes.values()].filter((c) => c.justification === undefined);
  console.log(`${judged.length} values, ${judged.length - disagreements} agree, ${disagreements} disagree in ${classes.size} classes, ${unexplained.length} unexplained; wrote ${reportPath}`);
  if (unexplained.length > 0) {
    for (const c of unexplained) console.log(`UNEXPLAINED: ${c.signature} (${c.count}, e.g. ${JSON.stringify(c.example.value)})`);
    process.exitCode = 1;
  }
}

main();
