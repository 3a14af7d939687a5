/** The conformance suite (conformance-suite.ts) for the http connector, against a local JSON API with a bearer token. */
import { afterAll, beforeAll } from 'vitest';
import { sendJson, startApiServer, type ApiServer } from '../support/api-server.ts';
import { CONFORMANCE_MAPPING, CONFORMANCE_PERSONS, conformanceSuite } from './conformance-suite.ts';

const TOKEN = 'conformance-secret-token-7f3a';
let api: ApiServer;
beforeAll(async () => {
  api = await startApiServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return sendJson(res, { error: 'unauthorised' }, 401);
    const offset = Number(req.query.get('offset') ?? '0');
    return sendJson(res, { items: CONFORMANCE_PERSONS.slice(offset, offset + 2) });
  });
});
afterAll(async () => api.close());

conformanceSuite('http', {
  secrets: [TOKEN],
  env: { ONECODE_CONFORMANCE_TOKEN: `Bearer ${TOKEN}` },
  pipeline: (ws) => ws.writePipeline('conf-http', {
    ...CONFORMANCE_MAPPING,
    connector: {
      kind: 'http', url: `${api.origin}/persons`, records: 'items',
      pagination: { kind: 'offset', param: 'offset', size_param: 'limit', size: 2 },
      headers_from_env: { Authorization: 'ONECODE_CONFORMANCE_TOKEN' },
    },
  }),
});
