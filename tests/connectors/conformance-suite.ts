/**
 * The conformance suite every connector passes (issue 9): one body, run by
 * tests/connectors/conformance-*.test.ts with a fixture per connector. A fixture writes or serves a
 * small source holding persons 1-5 (tests/support/csv-files.ts personId) and returns the pipeline
 * that reads it; the suite checks the seam's promises (connectors/types.ts):
 * - the source is described without any secret the fixture planted (password, token);
 * - rows carry 1-based increasing positions and string or null values, under the columns the
 *   source declares up front (where it declares them);
 * - a set-based `stage`, where there is one, stages exactly the rows `extract` yields;
 * - `end` gives a state with an integer version whose value survives JSON;
 * - `close` after a partial read lets go, and the source can be read again;
 * - a run loads the five persons, a second run of the unchanged source changes nothing and emits
 *   no event, and each successful run saves the state.
 */
import { describe, expect, it } from 'vitest';
import { CONNECTORS, type Extracted } from '../../connectors/index.ts';
import type { Connector, SourceRead } from '../../connectors/types.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { createLogger } from '../../src/logger.ts';
import { personId } from '../support/csv-files.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

/** A connector's source for the suite: persons 1-5, names `人1`…`人5`. */
export interface ConformanceFixture {
  /** Writes or serves the source (in `ws.dir` or a server) and returns the pipeline reading it. */
  pipeline(ws: Workspace): Promise<Pipeline>;
  /** Texts that must appear in no description, run row or error (a password, a token). */
  secrets?: string[];
  /** Environment the read needs (variables named by url_env, headers_from_env). */
  env?: NodeJS.ProcessEnv;
}

/** The persons every fixture's source holds: the source key column `id`, the name column `name`. */
export const CONFORMANCE_PERSONS = [1, 2, 3, 4, 5].map((n) => ({ id: personId(n), name: `人${n}` }));

/** Mapping and key of a conformance pipeline over columns `id` and `name`. */
export const CONFORMANCE_MAPPING = { system: '一致性测试系统', entity: 'person', mapping: { id_number: 'id', name: 'name' }, source_key: ['id'] } as const;

/** Runs the suite for one connector kind. */
export function conformanceSuite(kind: string, fixture: ConformanceFixture): void {
  const logger = createLogger({ level: 'silent' });
  const open = async (p: Pipeline, state: Parameters<Connector<unknown>['open']>[0]['state'] = null): Promise<SourceRead> => {
    const c = CONNECTORS[p.connector.kind as keyof typeof CONNECTORS] as Connector<Pipeline['connector']>;
    return c.open({ pipeline: p, logger, state, env: { ...process.env, ...fixture.env } }, p.connector);
  };
  const readAll = async (read: SourceRead): Promise<Extracted[]> => {
    const items: Extracted[] = [];
    for await (const item of read.extract()) items.push(item);
    return items;
  };
  const withWorkspace = async (body: (ws: Workspace, p: Pipeline) => Promise<void>) => {
    const ws = await createWorkspace();
    try {
      await body(ws, await fixture.pipeline(ws));
    } finally {
      await ws.dispose();
    }
  };
  const noSecret = (text: string) => {
    for (const secret of fixture.secrets ?? []) expect(text).not.toContain(secret);
  };

  describe(`connector conformance: ${kind}`, () => {
    it('describes its source without secrets, and reads rows with 1-based increasing positions and text values', async () => {
      await withWorkspace(async (_ws, p) => {
        expect(p.connector.kind).toBe(kind);
        const c = CONNECTORS[p.connector.kind as keyof typeof CONNECTORS] as Connector<Pipeline['connector']>;
        const declared = c.describe(p, p.connector);
        const read = await open(p);
        try {
          for (const d of [declared, read.source]) {
            expect(d.uri.length).toBeGreaterThan(0);
            expect(['line', 'sheet_row', 'ordinal']).toContain(d.positionKind);
            noSecret(`${d.uri} ${d.label}`);
          }
          const items = await readAll(read);
          const rows = items.filter((i) => i.kind === 'row');
          expect(rows.map((r) => [r.fields.id, r.fields.name])).toEqual(CONFORMANCE_PERSONS.map((x) => [x.id, x.name]));
          const positions = items.map((i) => i.line);
          for (const [i, line] of positions.entries()) {
            expect(Number.isInteger(line) && line >= 1).toBe(true);
            if (i > 0) expect(line).toBeGreaterThan(positions[i - 1]!);
          }
          for (const r of rows) for (const v of Object.values(r.fields)) expect(v === null || typeof v === 'string').toBe(true);
          if (read.columns) for (const r of rows) for (const key of Object.keys(r.fields)) expect(read.columns.map((col) => col.name)).toContain(key);
          const end = await read.end();
          if (end.state !== null) {
            expect(Number.isInteger(end.state.version)).toBe(true);
            expect(JSON.parse(JSON.stringify(end.state.value))).toEqual(end.state.value);
          }
        } finally {
          await read.close();
        }
      });
    });

    it('stages set-based exactly what it extracts, where it has a stage', async () => {
      await withWorkspace(async (ws, p) => {
        const first = await open(p);
        const extracted = await readAll(first).finally(() => first.close());
        const second = await open(p);
        try {
          if (!second.stage) return;
          await second.stage({ connection: ws.index.connection, table: 'conf_stg', rejectTable: 'conf_rej', dropColumns: [], projectColumns: [] });
          const staged = await ws.rows(`SELECT line::INT AS line, payload FROM conf_stg ORDER BY rn`);
          expect(staged.map((r) => ({ line: r.line, fields: JSON.parse(String(r.payload)) }))).toEqual(
            extracted.flatMap((e) => (e.kind === 'row' ? [{ line: e.line, fields: e.fields }] : [])),
          );
        } finally {
          await second.close();
        }
      });
    });

    it('lets go when closed after a partial read, and reads again', async () => {
      await withWorkspace(async (_ws, p) => {
        const read = await open(p);
        const iterator = read.extract();
        expect((await iterator.next()).done).toBe(false);
        await iterator.return(undefined);
        await read.close();
        const again = await open(p);
        expect((await readAll(again).finally(() => again.close())).filter((i) => i.kind === 'row')).toHaveLength(5);
      });
    });

    it('loads through a run, changes nothing when run again on the same source, and saves its state each time', async () => {
      await withWorkspace(async (ws, p) => {
        const env = fixture.env ?? {};
        const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
        Object.assign(process.env, env);
        try {
          const first = await ws.run(p);
          expect(first).toMatchObject({ status: 'succeeded', rowsRead: 5, loaded: 5, created: 5, events: 5 });
          // forced: a file source unchanged since the last run would otherwise not be read at all (the skip)
          const second = await ws.run(p, { force: true });
          expect(second).toMatchObject({ status: 'succeeded', created: 0, updated: 0, deleted: 0, events: 0 });
          expect(second.unchangedSince).toBeUndefined();
          expect(await ws.rows(`SELECT count(*)::INT AS n FROM source_state WHERE pipeline = '${p.name}'`)).toEqual([{ n: 2 }]);
          const runRows = JSON.stringify(await ws.rows(`SELECT * FROM runs`));
          noSecret(runRows);
          expect(await ws.rows(`SELECT DISTINCT connector FROM runs`)).toEqual([{ connector: kind }]);
        } finally {
          for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
          }
        }
      });
    });
  });
}
