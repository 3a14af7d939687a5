/**
 * The conformance suite (conformance-suite.ts) for the postgres and mysql connectors, against the
 * test servers (tests/support/postgres.ts, mysql.ts: never skipped), each in a private schema.
 */
import { afterAll, beforeAll } from 'vitest';
import { mysqlTestDb, postgresTestDb, type SqlTestDb } from '../support/sql-db.ts';
import { CONFORMANCE_MAPPING, CONFORMANCE_PERSONS, conformanceSuite } from './conformance-suite.ts';

const servers: { postgres?: SqlTestDb; mysql?: SqlTestDb } = {};
beforeAll(async () => {
  servers.postgres = await postgresTestDb();
  servers.mysql = await mysqlTestDb();
});
afterAll(async () => {
  await servers.postgres?.dispose();
  await servers.mysql?.dispose();
});

for (const kind of ['postgres', 'mysql'] as const) {
  const variable = `ONECODE_CONFORMANCE_${kind.toUpperCase()}_URL`;
  const db = () => servers[kind]!;
  conformanceSuite(kind, {
    // The server's password: in the URL the connector reads, never in what it writes.
    get secrets() {
      return [decodeURIComponent(new URL(db().url).password)];
    },
    get env() {
      return { [variable]: db().url };
    },
    async pipeline(ws) {
      const d = db();
      const t = `${d.q(d.schema)}.${d.q('persons')}`;
      await d.exec(`DROP TABLE IF EXISTS ${t}`);
      await d.exec(`CREATE TABLE ${t} (id VARCHAR(18) PRIMARY KEY, name VARCHAR(20))`);
      await d.exec(`INSERT INTO ${t} VALUES ${CONFORMANCE_PERSONS.map((p) => `('${p.id}', '${p.name}')`).join(', ')}`);
      return ws.writePipeline(`conf-${kind}`, { ...CONFORMANCE_MAPPING, connector: { kind, url_env: variable, table: `${d.schema}.persons` } });
    },
  });
}
