/**
 * Every error the CLI prints is one line starting `onecode: ` (README, CLI), usage errors of the
 * argument parser included; a valid code that nothing in the index carries says so on stderr.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onecode } from '../support/cli.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

describe('CLI error lines', () => {
  let ws: Workspace;
  let db: string;
  beforeAll(async () => {
    ws = await createWorkspace();
    db = path.join(ws.dir, 'index.duckdb');
    await ws.index.connection.run('CHECKPOINT');
    ws.index.close();
    ws.index.close = () => undefined;
  });
  afterAll(async () => ws.dispose());

  it('usage errors of the argument parser are one line starting onecode:', async () => {
    const unknown = await onecode(['frob']);
    expect(unknown).toMatchObject({ code: 2, stderr: "onecode: unknown command 'frob'\n" });
    const choice = await onecode(['query', 'SELECT 1', '--format', 'xml', '--db', db]);
    expect(choice.code).toBe(2);
    expect(choice.stderr).toMatch(/^onecode: option '--format <format>' argument 'xml' is invalid\. .*\n$/);
  });

  it('lookup of a valid code that nothing carries exits 1 and says so, without the code', async () => {
    const r = await onecode(['lookup', '11010519491231002X', '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('onecode: the code is valid, but nothing in the index carries it\n');
    expect(JSON.parse(r.stdout)).toMatchObject({ code: '11010519491231002X', systems: [] });
  });
});
