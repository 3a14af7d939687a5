import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessesOf, MAX_CODES_PER_ACCESS, recordAccess } from '../../src/access/access-log.ts';
import { auditAs } from '../../src/access/audit-as.ts';
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

  it('an audit says which accesses kept only part of their codes: shown when a kept one matches, maybe_shown otherwise', async () => {
    const c = ws.index.connection;
    const C = '350102198503171237';
    const filler = (n: number) => Array.from({ length: n }, (_, i) => `filler${i}`);
    // C past the codes kept, and C among them
    const lost = await recordAccess(c, { who: 'carol', role: 'steward', channel: 'api', action: 'query', query: 'q1', rowCount: 2000, policy: 'clear', codes: [...filler(MAX_CODES_PER_ACCESS), C, 'more'] });
    const kept = await recordAccess(c, { who: 'dave', role: 'steward', channel: 'api', action: 'query', query: 'q2', rowCount: 2000, policy: 'clear', codes: [C, ...filler(MAX_CODES_PER_ACCESS + 2)] });
    const whole = await recordAccess(c, { who: 'erin', role: 'steward', channel: 'api', action: 'query', query: 'q3', rowCount: 1, policy: 'clear', codes: [C] });
    const answer = await auditAs(c, C, { name: 'sam', role: 'steward', channel: 'cli' }, { runDate: '2026-12-02' });
    expect(answer.code).toBe(C);
    const byNo = new Map(answer.accesses.map((a) => [a.access_no, a]));
    expect(byNo.get(lost)).toMatchObject({ who: 'carol', matched: 'maybe_shown', codes_capped: 2 });
    expect(byNo.get(kept)).toMatchObject({ who: 'dave', matched: 'shown', codes_capped: 3 });
    expect(byNo.get(whole)).toMatchObject({ who: 'erin', matched: 'shown', codes_capped: 0 });
    expect(answer.codes_capped).toBe(answer.accesses.filter((a) => a.codes_capped > 0).length);
    expect(answer.codes_capped).toBeGreaterThanOrEqual(2);
    // the audit is recorded, and an operator may not audit
    expect((await ws.rows(`SELECT action, code, who FROM access_log ORDER BY access_no DESC LIMIT 1`))[0]).toEqual({ action: 'audit', code: C, who: 'sam' });
    await expect(auditAs(c, C, { name: 'ops', role: 'operator', channel: 'api' }, { runDate: '2026-12-02' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(auditAs(c, '350102198503171238', { name: 'sam', role: 'steward', channel: 'cli' }, { runDate: '2026-12-02' }))
      .rejects.toMatchObject({ code: 'code_invalid', message: expect.not.stringContaining('350102198503171238') });
  });
});
