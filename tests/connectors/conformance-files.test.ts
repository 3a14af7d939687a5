/** The conformance suite (conformance-suite.ts) for the file connectors: csv (set-based stage) and ndjson. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import { CONFORMANCE_MAPPING, CONFORMANCE_PERSONS, conformanceSuite } from './conformance-suite.ts';

conformanceSuite('csv', {
  async pipeline(ws) {
    const text = ['id,name', ...CONFORMANCE_PERSONS.map((x) => `${x.id},${x.name}`)].join('\r\n') + '\r\n';
    await writeFile(path.join(ws.dir, 'persons.gbk.csv'), iconv.encode(text, 'gbk'));
    return ws.writePipeline('conf-csv', { ...CONFORMANCE_MAPPING, connector: { kind: 'csv', path: 'persons.gbk.csv', encoding: 'gbk' } });
  },
});

conformanceSuite('ndjson', {
  async pipeline(ws) {
    await writeFile(path.join(ws.dir, 'persons.ndjson'), CONFORMANCE_PERSONS.map((x) => JSON.stringify(x)).join('\n') + '\n');
    return ws.writePipeline('conf-ndjson', { ...CONFORMANCE_MAPPING, connector: { kind: 'ndjson', path: 'persons.ndjson' } });
  },
});
