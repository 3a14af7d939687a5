/**
 * Issue 9, the pure parts of the database connectors, without a server: options, the connection
 * URL and its description, the SQL of a read, the cursor state, PostgreSQL array text.
 */
import { describe, expect, it } from 'vitest';
import { arrayTextToJson } from '../../connectors/postgres/array-text.ts';
import { describeSqlSource, readDatabaseUrl } from '../../connectors/sql/connection-url.ts';
import { sqlCursorKind } from '../../connectors/sql/cursor-types.ts';
import { PostgresConnectorOptions, sqlSource } from '../../connectors/sql/options.ts';
import { describeSql, quoteDoubleQuoted, readSql, type SqlDialect } from '../../connectors/sql/read-sql.ts';
import { cursorState, watermarkFrom } from '../../connectors/sql/watermark.ts';

const pipeline = { file: '/p/staff.yaml', fieldLines: { 'connector.url_env': 7 } };
const spec = { kind: 'postgres', schemes: ['postgres', 'postgresql'], defaultPort: 5432 };

describe('options', () => {
  it('need exactly one of table or query, an environment variable name, a SELECT', () => {
    const parse = (o: Record<string, unknown>) => PostgresConnectorOptions.safeParse({ kind: 'postgres', url_env: 'DB_URL', ...o });
    expect(parse({ table: 'public.staff' }).data).toEqual({ kind: 'postgres', url_env: 'DB_URL', table: 'public.staff', fetch_size: 5000 });
    expect(parse({}).error?.issues[0]?.message).toBe('give exactly one of table or query');
    expect(parse({ table: 't', query: 'SELECT 1' }).success).toBe(false);
    expect(parse({ table: 'a.b.c' }).success).toBe(false);
    expect(parse({ query: 'DELETE FROM t' }).success).toBe(false);
    expect(parse({ query: '  with x as (select 1) select * from x' }).success).toBe(true);
    expect(PostgresConnectorOptions.safeParse({ kind: 'postgres', url_env: 'postgres://u:p@h/db', table: 't' }).success).toBe(false);
  });

  it('a table splits into schema and name; a query loses its final semicolon', () => {
    expect(sqlSource({ table: 'hr.人员' })).toEqual({ table: { schema: 'hr', name: '人员' } });
    expect(sqlSource({ table: 'staff' })).toEqual({ table: { name: 'staff' } });
    expect(sqlSource({ query: ' SELECT 1 ;\n' })).toEqual({ query: 'SELECT 1' });
  });
});

describe('the connection URL', () => {
  it('is described without password or query string, before and after it is read', () => {
    const env = { DB_URL: 'postgresql://hr_reader:S3cret%40pw@db.example:6432/hr?sslmode=require&password=other' };
    const url = readDatabaseUrl(pipeline, { url_env: 'DB_URL' }, env, spec);
    expect(url).toEqual({ secret: env.DB_URL, safe: 'hr_reader@db.example:6432/hr', server: 'db.example:6432/hr' });
    expect(describeSqlSource('postgres', { url_env: 'DB_URL', table: 'public.staff' }, url)).toEqual({
      uri: 'postgres://hr_reader@db.example:6432/hr?table=public.staff', label: 'public.staff on db.example:6432/hr', positionKind: 'ordinal',
    });
    expect(describeSqlSource('postgres', { url_env: 'DB_URL', table: 'public.staff' })).toEqual({
      uri: 'postgres://$DB_URL?table=public.staff', label: 'public.staff via $DB_URL', positionKind: 'ordinal',
    });
    const query = describeSqlSource('postgres', { url_env: 'DB_URL', query: 'SELECT 1' }, url);
    expect(query.uri).toMatch(/^postgres:\/\/hr_reader@db\.example:6432\/hr\?query=sha256:[0-9a-f]{12}$/);
    expect(describeSqlSource('postgres', { url_env: 'DB_URL', query: 'SELECT 2' }, url).uri).not.toBe(query.uri);
    expect(readDatabaseUrl(pipeline, { url_env: 'DB_URL' }, { DB_URL: 'postgres://h' }, spec).safe).toBe('h:5432');
  });

  it('missing or no URL of the scheme: configuration errors naming file, line and variable, never the value', () => {
    expect(() => readDatabaseUrl(pipeline, { url_env: 'DB_URL' }, {}, spec)).toThrow(expect.objectContaining({
      code: 'url_env_missing', message: expect.stringContaining('/p/staff.yaml:7: connector.url_env: environment variable DB_URL is not set'),
    }));
    for (const value of ['not a url s3cret', 'mysql://u:s3cret@h/db', 'postgres://u:s3cret@/db']) {
      let error: Error | undefined;
      try {
        readDatabaseUrl(pipeline, { url_env: 'DB_URL' }, { DB_URL: value }, spec);
      } catch (e) {
        error = e as Error;
      }
      expect(error).toMatchObject({ code: 'url_env_invalid' });
      expect(error!.message).not.toContain('s3cret');
    }
  });
});

describe('the SQL of a read', () => {
  const dialect: SqlDialect = {
    quoteIdent: quoteDoubleQuoted,
    cursorBound: (column, type, kind, lag, watermark) => ({ sql: `${column} >= $1::${type}${kind === 'time' ? ` - ${lag}` : ''}`, params: [watermark] }),
  };
  it('quotes tables, wraps queries, bounds and orders a cursor read; describes with no row', () => {
    expect(describeSql(dialect, { table: { name: 'staff' } })).toBe('SELECT * FROM "staff" s WHERE 1 = 0');
    expect(readSql(dialect, { table: { schema: 'hr', name: 'a"b' } })).toEqual({ sql: 'SELECT * FROM "hr"."a""b" s', params: [] });
    const cursor = { column: '更新时间', type: 'timestamp without time zone', kind: 'time' as const, lagSeconds: 300 };
    expect(readSql(dialect, { query: 'SELECT 1 AS x -- note' }, cursor)).toEqual({ sql: 'SELECT * FROM (SELECT 1 AS x -- note\n) s ORDER BY s."更新时间"', params: [] });
    expect(readSql(dialect, { table: { name: 't' } }, { ...cursor, watermark: '2026-03-01 08:00:00' })).toEqual({
      sql: 'SELECT * FROM "t" s WHERE s."更新时间" >= $1::timestamp without time zone - 300 ORDER BY s."更新时间"', params: ['2026-03-01 08:00:00'],
    });
  });
});

describe('which column types can bound a cursor', () => {
  it('dates, times and whole or decimal numbers by the type names the drivers write; nothing else', () => {
    const kinds = (types: string[]) => types.map((t) => [t, sqlCursorKind(t) ?? null]);
    const time = ['date', 'timestamp without time zone', 'timestamp(3) without time zone', 'timestamp with time zone', 'timestamp(6) with time zone', 'DATE', 'DATETIME', 'DATETIME(6)', 'TIMESTAMP', 'TIMESTAMP(3)'];
    const number = ['smallint', 'integer', 'bigint', 'numeric', 'numeric(20)', 'numeric(30,10)', 'TINYINT', 'SMALLINT UNSIGNED', 'MEDIUMINT', 'INT', 'BIGINT UNSIGNED', 'DECIMAL(20,2)', 'DECIMAL(10,0) UNSIGNED'];
    const none = ['text', 'character varying(19)', 'character(19)', 'VARCHAR(19)', 'LONGTEXT', 'boolean', 'jsonb', 'JSON', 'timestamp without time zone[]', 'integer[]',
      'time without time zone', 'interval', 'TIME(3)', 'YEAR', 'real', 'double precision', 'FLOAT', 'DOUBLE', 'datetime', 'Date', '"DATE"', 'public.date', 'BIT(8)'];
    expect(kinds([...time, ...number, ...none])).toEqual([...time.map((t) => [t, 'time']), ...number.map((t) => [t, 'number']), ...none.map((t) => [t, null])]);
  });
});

describe('the cursor state', () => {
  it('keeps the watermark of its column and layout only', () => {
    const state = cursorState('更新时间', '2026-03-01 08:00:00');
    expect(state).toEqual({ version: 1, value: { cursor_column: '更新时间', watermark: '2026-03-01 08:00:00' } });
    expect(watermarkFrom(state, '更新时间')).toBe('2026-03-01 08:00:00');
    expect(watermarkFrom(state, 'gxsj')).toBeUndefined();
    expect(watermarkFrom({ version: 2, value: state!.value }, '更新时间')).toBeUndefined();
    expect(watermarkFrom(null, '更新时间')).toBeUndefined();
    expect(cursorState('更新时间', undefined)).toBeNull();
  });
});

describe('PostgreSQL array text', () => {
  it('becomes JSON arrays of the elements\' text', () => {
    expect(arrayTextToJson('{}')).toBe('[]');
    expect(arrayTextToJson('{1,NULL,"NULL","a b","q\\"uote","back\\\\slash",""}')).toBe('["1",null,"NULL","a b","q\\"uote","back\\\\slash",""]');
    expect(arrayTextToJson('{{1,2},{3,4}}')).toBe('[["1","2"],["3","4"]]');
    expect(arrayTextToJson('[0:1]={7,8}')).toBe('["7","8"]');
    expect(arrayTextToJson('{(1,1),(0,0);(2,2),(1,1)}', ';')).toBe('["(1,1),(0,0)","(2,2),(1,1)"]');
    expect(() => arrayTextToJson('{"open')).toThrow(/malformed/);
    expect(() => arrayTextToJson('{1,2')).toThrow(/malformed/);
  });
});
