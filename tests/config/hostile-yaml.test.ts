/**
 * Issue 8: hostile YAML in a pipeline file (an alias bomb, deep nesting, a huge anchor, tags such
 * as !!js/function, a document that is not a mapping, several documents, a FIFO) gets one line
 * naming the file and exit 2, quickly, never a stack trace; and it does not stop the valid
 * pipeline beside it.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/config/load-pipelines.ts';
import { YAML_LIMITS } from '../../src/config/read-yaml.ts';
import { onecode } from '../support/cli.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

/** A valid pipeline's lines; each hostile file adds to or replaces them. */
const VALID = [
  'system: 会计人员管理系统',
  'entity: person',
  'connector: { kind: csv, path: staff.csv }',
  'mapping: { id_number: 身份证号, name: 姓名 }',
  'source_key: [身份证号]',
];

const laughs = ['lol: &l0 "lol"', ...Array.from({ length: 9 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(', ')}]`)];

/** file name → [content, the one line expected after `file:`]. */
const HOSTILE: Record<string, [string, string]> = {
  'billion-laughs': [[...VALID, ...laughs].join('\n'), `1: YAML aliases expand to more than ${YAML_LIMITS.aliases} nodes: refused as a resource exhaustion attack ("billion laughs")`],
  'deep-flow': [[...VALID, `description: ${'['.repeat(25_000)}${']'.repeat(5_000)}`].join('\n'), `6: YAML nested deeper than ${YAML_LIMITS.depth} levels: a pipeline file is a flat mapping`],
  'deep-block': [[...VALID, 'description:', ...Array.from({ length: 200 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`)].join('\n') + ' x', `27: YAML nested deeper than ${YAML_LIMITS.depth} levels: a pipeline file is a flat mapping`],
  'deep-sequence': [[...VALID, 'description:', `  ${'- '.repeat(12_000)}x`].join('\n'), `7: YAML nested deeper than ${YAML_LIMITS.depth} levels: a pipeline file is a flat mapping`],
  'huge-anchor': [[...VALID.slice(1), `system: &big "${'系'.repeat(8_000)}"`, `description: [${Array(YAML_LIMITS.aliases + 1).fill('*big').join(', ')}]`].join('\n'), `1: YAML aliases expand to more than ${YAML_LIMITS.aliases} nodes: refused as a resource exhaustion attack ("billion laughs")`],
  'js-function': [[...VALID.slice(1), 'system: !!js/function "function () { return process.exit(3) }"'].join('\n'), '5: YAML tag not allowed: Unresolved tag: tag:yaml.org,2002:js/function'],
  'custom-tag': [[...VALID.slice(1), 'system: !include /etc/passwd'].join('\n'), '5: YAML tag not allowed: Unresolved tag: !include'],
  'binary-tag': [[...VALID.slice(1), 'system: !!binary aGVsbG8='].join('\n'), '5: YAML tag not allowed: Unresolved tag: tag:yaml.org,2002:binary'],
  'scalar': ['just a string\n', '1: the document is not a mapping: a pipeline file is a mapping (system, entity, connector, mapping, source_key, …)'],
  'list': ['- system\n- entity\n', '1: the document is not a mapping: a pipeline file is a mapping (system, entity, connector, mapping, source_key, …)'],
  'empty': ['', '1: the document is not a mapping: a pipeline file is a mapping (system, entity, connector, mapping, source_key, …)'],
  'comment-only': ['# nothing here\n', '1: the document is not a mapping: a pipeline file is a mapping (system, entity, connector, mapping, source_key, …)'],
  'several-documents': [[...VALID, '---', ...VALID].join('\n'), '6: YAML holds several documents (---): a pipeline file is one mapping'],
  'duplicate-key': [[...VALID, 'entity: legal_person'].join('\n'), '6: YAML syntax error: Map keys must be unique'],
  'not-utf8': ['system: \xff\xfe\n', ''],
};

describe('hostile pipeline YAML', () => {
  let ws: Workspace;
  let dir: string;
  const expected = new Map<string, string>();
  let hugeFileBytes = 0;

  beforeAll(async () => {
    ws = await createWorkspace();
    dir = path.join(ws.dir, 'pipelines');
    await mkdir(dir);
    for (const [name, [text, line]] of Object.entries(HOSTILE)) {
      const file = path.join(dir, `${name}.yaml`);
      if (name === 'not-utf8') await writeFile(file, Buffer.from(text, 'latin1'));
      else await writeFile(file, text);
      expected.set(name, line);
    }
    // Too large: refused before parsing.
    const huge = [...VALID, `description: "${'x'.repeat(YAML_LIMITS.bytes)}"`].join('\n');
    hugeFileBytes = Buffer.byteLength(huge);
    await writeFile(path.join(dir, 'huge-file.yaml'), huge);
    execFileSync('mkfifo', [path.join(dir, 'fifo.yaml')]);
    await writeFile(path.join(dir, 'good.yaml'), VALID.join('\n') + '\n');
    await writeFile(path.join(dir, 'staff.csv'), '身份证号,姓名\n350102198503171237,陈明\n');
  });
  afterAll(async () => ws.dispose());

  const lineFor = (name: string): string => {
    const file = path.join(dir, `${name}.yaml`);
    if (name === 'huge-file') return `${file}: ${hugeFileBytes} bytes is too large for a pipeline file (at most ${YAML_LIMITS.bytes})`;
    if (name === 'not-utf8') return `${file}: not UTF-8 text`;
    if (name === 'fifo') return `${file}: not a regular file`;
    return `${file}:${expected.get(name)}`;
  };

  it('each is refused with exactly one line naming the file (and line), in bounded time', async () => {
    for (const name of [...Object.keys(HOSTILE), 'huge-file', 'fifo']) {
      const started = Date.now();
      const error = await loadPipeline(path.join(dir, `${name}.yaml`)).then(() => undefined, (e: unknown) => e as Error & { code: string; exitCode: number });
      const ms = Date.now() - started;
      expect(error, name).toBeDefined();
      expect(error!.exitCode, name).toBe(2);
      expect(error!.message, name).toBe(lineFor(name));
      expect(ms, name).toBeLessThan(5_000); // generous: the machine is shared; an alias bomb left alone takes minutes or all memory
    }
  });

  it('an alias used within the limit still works', async () => {
    const file = path.join(ws.dir, 'aliases-ok.yml');
    await writeFile(file, [...VALID.slice(0, 3), 'mapping: &m { id_number: 身份证号, name: 姓名 }', 'source_key: [身份证号]', 'description: ok'].join('\n'));
    expect((await loadPipeline(file)).mapping).toEqual({ id_number: '身份证号', name: '姓名' });
  });

  it('the CLI: exit 2, one line per bad file on stderr, no stack trace; the valid pipeline runs whatever its neighbours hold', async () => {
    const db = path.join(ws.dir, 'cli.duckdb');
    const started = Date.now();
    const all = await onecode(['run', '--all', '--pipelines', 'pipelines', '--db', db], { cwd: ws.dir });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(all.code).toBe(2);
    const names = [...Object.keys(HOSTILE), 'huge-file', 'fifo'].sort();
    expect(all.stderr).toBe(names.map((n) => `onecode: ${lineFor(n).replace(`${dir}/`, 'pipelines/')}\n`).join(''));
    expect(all.stderr).not.toMatch(/\n\s+at |Error:|internal error/);
    expect(all.stdout).toMatch(/│ good(?: \(unchanged since r\d+, nothing to do\))? +│ succeeded │ 1 +│ 1 /);
    expect(all.stdout).toContain(`${names.length} pipeline file(s) invalid, not run: ${names.map((n) => `pipelines/${n}.yaml`).join(', ')} (the problems are on stderr)`);

    const good = await onecode(['run', 'good', '--pipelines', 'pipelines', '--db', db], { cwd: ws.dir });
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).toBe('');
    expect(good.stdout).toMatch(/│ good(?: \(unchanged since r\d+, nothing to do\))? +│ succeeded │ 1 +│ 1 /);

    const bomb = await onecode(['run', 'billion-laughs', 'good', '--pipelines', 'pipelines', '--db', db], { cwd: ws.dir });
    expect(bomb.code).toBe(2);
    expect(bomb.stderr).toBe(`onecode: ${lineFor('billion-laughs').replace(`${dir}/`, 'pipelines/')}\n`);
    expect(bomb.stdout).toMatch(/│ good(?: \(unchanged since r\d+, nothing to do\))? +│ succeeded │ 1 +│ 1 +│ 0 +│ 0 +│ 0 +│ 0 /);
    expect(bomb.stdout).toContain('1 pipeline file(s) invalid, not run: pipelines/billion-laughs.yaml');

    const alone = await onecode(['run', 'fifo', '--pipelines', 'pipelines', '--db', db], { cwd: ws.dir });
    expect(alone).toMatchObject({ code: 2, stdout: '', stderr: 'onecode: pipelines/fifo.yaml: not a regular file\n' });
  });
});
