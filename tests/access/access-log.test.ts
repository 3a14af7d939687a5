import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessesOf, MAX_CODES_PER_ACCESS, recordAccess } from '../../src/access/access-log.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

let ws: Workspace;
beforeAll(async () => {
  ws = await createWorkspace();
});
afterAll(() => ws.dispose());

const A = '11010519491231002X';
const B = '91350100M000100Y43';

describe('access_log', () => {
  it('records lookups and the codes a response showed, and finds them by code', async () => {
    const c = ws.index.connection;
    const first = await recordAccess(c, { who: 'alice', role: 'analyst', channel: 'api', action: 'lookup', code: A, rowCount: 3, policy: 'mask', codes: [A, B, A] });
    const second = await recordAccess(c, { who: 'cli:root', role: 'steward', channel: 'cli', action: 'query', query: 'SELECT * FROM legal_persons', rowCount: 1, policy: 'clear', codes: [B] });
    expect(second).toBeGreaterThan(first);
    const ofA = await accessesOf(c, [A]);
    expect(ofA.map((r) => [r.who, r.action, r.matched])).toEqual([['alice', 'lookup', 'looked_up']]);
    const ofB = await accessesOf(c, [B]);
    expect(ofB.map((r) => [r.who, r.matched, r.row_count])).toEqual([['alice', 'shown', 3], ['cli:root', 'shown', 1]]);
    expect(ofB[1]!.query).toBe('SELECT * FROM legal_persons');
    const rows = await ws.rows(`SELECT codes_total::INT AS n, len(codes)::INT AS kept FROM access_log WHERE access_no = ${first}`);
    expect(rows).toEqual([{ n: 2, kept: 2 }]);
  });

  it(`keeps at most ${MAX_CODES_PER_ACCESS} codes per access and counts them all`, async () => {
    const many = Array.from({ length: MAX_CODES_PER_ACCESS + 5 }, (_, i) => `code${i}`);
    const no = await recordAccess(ws.index.connection, { who: 'bob', role: 'steward', channel: 'api', action: 'query', query: 'x', rowCount: many.length, policy: 'clear', codes: many });
    expect(await ws.rows(`SELECT codes_total::INT AS n, len(codes)::INT AS kept FROM access_log WHERE access_no = ${no}`)).toEqual([{ n: MAX_CODES_PER_ACCESS + 5, kept: MAX_CODES_PER_ACCESS }]);
  });
});
