/**
 * A column named `__proto__` is a column like any other (NDJSON keys and CSV headers are data):
 * classified `secret`, it is dropped like any other secret column. zod's `z.record` dropped the
 * key while parsing the classification, so the column was stored.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/config/load-pipelines.ts';
import { findInIndex } from '../support/find-in-index.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

const SECRET = 'PROTO-SECRET-6222021234567890';

describe('a column named __proto__', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  it('keeps its classification, and a secret so named is never stored', async () => {
    const yaml = path.join(ws.dir, 'proto.yaml');
    await writeFile(yaml, [
      'system: 测试系统',
      'entity: person',
      'connector: { kind: ndjson, path: proto.ndjson }',
      'mapping: { id_number: id, name: name }',
      'source_key: [id]',
      'classification: { __proto__: secret, name: personal }',
    ].join('\n'));
    const pipeline = await loadPipeline(yaml);
    expect(Object.entries(pipeline.classification)).toEqual([['__proto__', 'secret'], ['name', 'personal']]);
    await writeFile(path.join(ws.dir, 'proto.ndjson'), JSON.stringify({ id: '350102198503171237', name: '陈明', ['__proto__']: SECRET }) + '\n');
    const run = await ws.run(pipeline);
    expect(run).toMatchObject({ status: 'succeeded', loaded: 1 });
    expect(await findInIndex(ws.index, path.join(ws.dir, 'index.duckdb'), SECRET)).toEqual([]);
  });

  it('a wrong class for it is reported with its path', async () => {
    const yaml = path.join(ws.dir, 'proto.yaml');
    await writeFile(yaml, [
      'system: 测试系统', 'entity: person', 'connector: { kind: ndjson, path: proto.ndjson }',
      'mapping: { id_number: id }', 'source_key: [id]', 'classification:', '  __proto__: hidden',
    ].join('\n'));
    await expect(loadPipeline(yaml)).rejects.toThrow(/proto\.yaml:7: classification\.__proto__: Invalid option/);
  });
});
