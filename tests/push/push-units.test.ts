/**
 * The pure parts of the push: chunking by size, record size bounds, error classification, headers,
 * topic names. No broker needed.
 */
import { describe, expect, it } from 'vitest';
import { hasKafkaErrorType, PushError, toPushError } from '../../src/push/errors.ts';
import { eventHeaders, HEADER_SEQ, seqOfHeaders } from '../../src/push/headers.ts';
import { createKeyPartitioner } from '../../src/push/partitioning.ts';
import { chunkBySize } from '../../src/push/publisher.ts';
import { RECORD_BATCH_OVERHEAD, recordBytes } from '../../src/push/record-size.ts';
import { DEFAULT_TOPICS, resolveTopics, topicFor } from '../../src/push/topics.ts';

describe('chunkBySize', () => {
  it('keeps order and keeps every chunk within the limit', () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ i, bytes: 10 + (i % 7) * 30 }));
    const chunks = chunkBySize(items, 1_000);
    expect(chunks.flat().map((x) => x.i)).toEqual(items.map((x) => x.i));
    for (const chunk of chunks) {
      expect(RECORD_BATCH_OVERHEAD + chunk.reduce((s, x) => s + x.bytes, 0)).toBeLessThanOrEqual(1_000);
    }
  });

  it('puts an item larger than the limit in a chunk of its own', () => {
    expect(chunkBySize([{ bytes: 10 }, { bytes: 5_000 }, { bytes: 10 }], 1_000).map((c) => c.length)).toEqual([1, 1, 1]);
  });
});

describe('recordBytes', () => {
  it('counts UTF-8 bytes of key, value and headers, plus overhead', () => {
    const plain = recordBytes({ key: 'k', value: 'v', headers: {} });
    expect(recordBytes({ key: 'k', value: '统一', headers: {} })).toBe(plain - 1 + 6);
    expect(recordBytes({ key: 'k', value: null, headers: {} })).toBe(plain - 1);
    expect(recordBytes({ key: 'k', value: 'v', headers: { h: 'x' } })).toBeGreaterThan(plain + 2);
  });
});

describe('headers', () => {
  it('round-trips the seq', () => {
    const headers = eventHeaders({ eventId: 'e', schema: 'onecode.person.v1', seq: 9_007_199_254_740_993n });
    expect(seqOfHeaders({ [HEADER_SEQ]: Buffer.from(headers[HEADER_SEQ]!) })).toBe(9_007_199_254_740_993n);
    expect(seqOfHeaders({})).toBeUndefined();
    expect(seqOfHeaders({ [HEADER_SEQ]: 'x1' })).toBeUndefined();
  });
});

describe('topics', () => {
  it('maps entities to versioned topics and knows no others', () => {
    expect(topicFor(DEFAULT_TOPICS, 'legal_person')).toBe('onecode.legal_person.v1');
    expect(topicFor(resolveTopics({ record: 'r' }), 'record')).toBe('r');
    expect(topicFor(DEFAULT_TOPICS, 'toString')).toBeUndefined();
  });
});

describe('createKeyPartitioner', () => {
  it('is deterministic and within range', () => {
    const partitionOf = createKeyPartitioner();
    for (const key of ['110101199003074514', '91350100M000100Y43', '']) {
      const p = partitionOf('t', key, 6);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(6);
      expect(partitionOf('other', key, 6)).toBe(p);
    }
  });
});

describe('toPushError', () => {
  it('classifies connection failures as retriable BROKER_UNAVAILABLE', () => {
    const cause = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSConnectionError', retriable: true });
    const outer = Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: false, cause });
    const error = toPushError(outer, 'sending');
    expect(error).toBeInstanceOf(PushError);
    expect(error.code).toBe('BROKER_UNAVAILABLE');
    expect(error.retriable).toBe(true);
  });

  it('keeps other broker errors as PUBLISH_FAILED with their retriable flag', () => {
    const error = toPushError(Object.assign(new Error('denied'), { name: 'KafkaJSProtocolError', type: 'TOPIC_AUTHORIZATION_FAILED', retriable: false }), 'sending');
    expect(error.code).toBe('PUBLISH_FAILED');
    expect(error.retriable).toBe(false);
  });

  it('finds a protocol error type in the cause chain', () => {
    const inner = Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' });
    expect(hasKafkaErrorType(Object.assign(new Error('outer'), { originalError: inner }), 'MESSAGE_TOO_LARGE')).toBe(true);
    expect(hasKafkaErrorType(new Error('x'), 'MESSAGE_TOO_LARGE')).toBe(false);
  });
});
