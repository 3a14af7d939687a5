import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeEvent, changeEventJsonSchema } from '../../schemas/change-event.ts';
import { createWorkspace, REPO, type Workspace } from '../support/workspace.ts';

describe('change-event contract', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await createWorkspace();
    await ws.copyCase('snapshot/day1.csv', 'export.csv');
    const p = await ws.writePipeline('agencies', {
      system: '代理记账机构管理系统',
      entity: 'legal_person',
      connector: { kind: 'csv', path: 'export.csv' },
      mapping: { uscc: '统一社会信用代码', name: '机构名称' },
      source_key: ['统一社会信用代码'],
    });
    await ws.run(p);
  });
  afterAll(async () => ws.dispose());

  it('docs/change-event.schema.json is the JSON Schema of the zod schema (run npm run docs:schema after changing it)', async () => {
    const committed = JSON.parse(await readFile(path.join(REPO, 'docs/change-event.schema.json'), 'utf8'));
    expect(committed).toEqual(changeEventJsonSchema());
  });

  it('every outbox event parses with the exported schema; its seq and id are those of its outbox row', async () => {
    const rows = await ws.rows(`SELECT seq, event_id, event FROM changes ORDER BY seq`);
    expect(rows.length).toBe(3);
    for (const row of rows) {
      const event = ChangeEvent.parse(JSON.parse(String(row.event)));
      expect(event.seq).toBe(Number(row.seq));
      expect(event.id).toBe(row.event_id);
      expect(event.op).toBe('c');
      expect(event.before).toBeNull();
      expect(event.source).toMatchObject({ pipeline: 'agencies', system: '代理记账机构管理系统' });
    }
  });
});
