/**
 * Issue 8: error texts of the configuration and the CLI never echo a line or a value of a source
 * file. The likeliest way a source's values reach a configuration error is a data file mistaken for
 * a pipeline file (an export saved as .yaml in pipelines/): its keys, tags and fragments are ID
 * numbers and names, and the YAML parser's and the schema's messages quote such text.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/config/load-pipelines.ts';
import { onecode } from '../support/cli.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

const ID = '350102198503171237';
const NAME = '陈明';
const PHONE = '13800138000';

/** Files that hold a source's values where YAML or the schema would quote them. */
const DATA_AS_PIPELINE: Record<string, string> = {
  'keys.yaml': `${ID}: ${NAME}\n${PHONE}: 李四\n`,
  'records.yaml': `system: s\nentity: person\nconnector: { kind: csv, path: x.csv }\nmapping: { id_number: a }\nsource_key: [a]\n${ID}: ${NAME}\n${NAME}: ${PHONE}\nschedul: x\n`,
  'tag.yaml': `system: !${ID} ${NAME}\n`,
  'block-header.yaml': `system: |${ID}\n  ${NAME}\n`,
  'flow.yaml': `system: [${ID}, ${NAME}] ${ID}${NAME}\n`,
  'alias.yaml': `system: *${NAME}\n`,
  'csv.yaml': `身份证号,姓名,手机号\n${ID},${NAME},${PHONE}\n`,
  'ndjson.yaml': `{"身份证号": "${ID}", "姓名": "${NAME}"}\n{"身份证号": "${ID}", "姓名": "${NAME}"}\n`,
  'escape.yaml': `system: "${NAME}\\q${ID}"\n`,
};

describe('configuration and CLI errors carry no source value', () => {
  let ws: Workspace;
  let dir: string;
  beforeAll(async () => {
    ws = await createWorkspace();
    dir = path.join(ws.dir, 'pipelines');
    await mkdir(dir);
    for (const [name, text] of Object.entries(DATA_AS_PIPELINE)) await writeFile(path.join(dir, name), text);
  });
  afterAll(async () => ws.dispose());

  it('each data file is refused with lines that name the file, the line and the problem, and no value', async () => {
    const messages: Record<string, string> = {};
    for (const name of Object.keys(DATA_AS_PIPELINE)) {
      const error = await loadPipeline(path.join(dir, name)).then(() => undefined, (e: unknown) => e as Error & { exitCode: number });
      expect(error?.exitCode, name).toBe(2);
      messages[name] = error!.message;
      for (const line of error!.message.split('\n')) expect(line, name).toMatch(new RegExp(`^${dir}/${name.replace('.', '\\.')}:\\d+: `));
      for (const value of [ID, NAME, PHONE, '李四', ID.slice(0, 6)]) expect(error!.message, `${name} quotes ${value}`).not.toContain(value);
    }
    // Key-like unknown keys are still named; the others are counted.
    expect(messages['records.yaml']).toContain(':1: (top level): Unrecognized keys: "schedul" and 2 more not shown (not key-like: is this a data file?)');
    expect(messages['keys.yaml']).toContain(': (top level): Unrecognized keys: 2 more not shown (not key-like: is this a data file?)');
    expect(messages['tag.yaml']).toBe(`${dir}/tag.yaml:1: YAML tag not allowed: Unresolved tag: (text withheld)`);
    expect(messages['alias.yaml']).toBe(`${dir}/alias.yaml:1: YAML alias (*name) to an anchor (&name) not defined before it`);
    expect(messages['block-header.yaml']).toBe(`${dir}/block-header.yaml:1: YAML syntax error: Block scalar header includes extra characters: (text withheld)`);
  });

  it('the CLI says the same on stderr, and nothing of the values anywhere', async () => {
    const r = await onecode(['run', '--all', '--pipelines', 'pipelines', '--db', path.join(ws.dir, 'cli.duckdb')], { cwd: ws.dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(Object.keys(DATA_AS_PIPELINE).length);
    for (const value of [ID, NAME, PHONE, '李四']) expect(r.stderr).not.toContain(value);
    expect(r.stderr).not.toMatch(/\d{6}/);
  });
});
