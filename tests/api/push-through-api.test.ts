/**
 * POST /api/v1/push against a real broker: serve's relay pushes at once instead of at its next
 * interval (60 s here), in its turn on the job queue; the answer matches the OpenAPI document.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicsWithPrefix } from '../../src/cli/kafka-settings.ts';
import { releaseBroker, resolveKafkaBrokers, type ResolvedKafka } from '../support/kafka.ts';
import { startApiServe, waitFor, type ApiServe } from '../support/api-serve.ts';
import { indexedSample } from '../support/indexed-sample.ts';
import { onecode } from '../support/cli.ts';
import type { Workspace } from '../support/workspace.ts';
import { createOpenApiChecker, type OpenApiDocument } from '../support/openapi-check.ts';

let broker: ResolvedKafka;
let sample: Workspace;
let api: ApiServe;
const prefix = `api-push-${randomUUID().slice(0, 8)}`;
const topics = topicsWithPrefix(prefix);

beforeAll(async () => {
  broker = await resolveKafkaBrokers();
  sample = await indexedSample(37);
  api = await startApiServe(sample, { kafka: { brokers: broker.brokers, topics, partitions: 1 } });
}, 600_000);

afterAll(async () => {
  await api?.stop();
  await sample?.dispose();
  if (broker) await releaseBroker(broker, Object.values(topics));
});

interface Outbox {
  pending: number;
  published: number;
  push_lag_seconds: number | null;
}
const outbox = async () => (await (await api.request('/api/v1/outbox', { role: 'operator' })).json()) as Outbox;

describe('POST /api/v1/push', () => {
  it("makes serve's relay push now, not at its next interval", async () => {
    // serve pushes once when it starts: wait for that, then put events back to pending
    const first = await waitFor('the first push', async () => {
      const o = await outbox();
      return o.pending === 0 && o.published > 0 ? o : undefined;
    }, 120_000);
    expect(first.push_lag_seconds).toBeNull();
    await api.index.connection.run(`UPDATE outbox SET published_at = NULL WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT 5)`);
    expect((await outbox()).pending).toBe(5);

    const doc = (await (await api.request('/openapi.json')).json()) as OpenApiDocument;
    const checker = createOpenApiChecker(doc);
    const asked = Date.now();
    const response = await api.request('/api/v1/push', { method: 'POST', role: 'operator' });
    expect(response.status).toBe(202);
    await checker.check('POST', '/api/v1/push', response.clone(), 'POST /api/v1/push as operator');
    expect(await response.json()).toEqual({ queued: true });
    expect(checker.problems).toEqual([]);
    expect(checker.seen).toEqual([{ operation: 'post /api/v1/push', status: 202 }]);

    const settled = await waitFor('the pushed events', async () => {
      const o = await outbox();
      return o.pending === 0 ? o : undefined;
    }, 50_000);
    expect(Date.now() - asked).toBeLessThan(50_000); // the relay's interval is 60 s
    expect(settled.published).toBe(first.published);
    // the relay logs its push just after marking the outbox: wait for the line, not only the marks
    const relayed = await waitFor('the second relay log line', async () => {
      const lines = api.logs.filter((l) => l.msg === 'outbox relayed');
      return lines.length >= 2 ? lines : undefined;
    }, 10_000);
    // the five were found on the broker already (the relay reads back before republishing) or published again: settled either way
    expect(Number(relayed.at(-1)!.published) + Number(relayed.at(-1)!.skippedAlreadyOnBroker)).toBe(5);
  });

  it('onecode push, while serve holds the index, asks serve through the API and waits for the outbox to empty', async () => {
    await api.index.connection.run(`UPDATE outbox SET published_at = NULL WHERE seq IN (SELECT seq FROM outbox ORDER BY seq DESC LIMIT 3)`);
    expect((await outbox()).pending).toBe(3);
    const r = await onecode(['push', '--db', api.db], { env: { ONECODE_LOG_LEVEL: 'silent', KAFKA_BROKERS: '' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^onecode: the index is held by onecode serve \(pid \d+\); the push is asked for through its API at http:\/\/127\.0\.0\.1:\d+\n$/);
    expect(JSON.parse(r.stdout)).toEqual({ via: 'serve', published: 3, pending: 0, parked: 0 });
    expect((await outbox()).pending).toBe(0);
  });
});
