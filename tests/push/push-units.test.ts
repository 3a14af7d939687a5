/**
 * The pure parts of the push: record size bounds, partitioning, error classification, headers,
 * topic names. No broker needed.
 */
import { describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { hasKafkaErrorType, isMessageTooLarge, PushError, toPushError } from '../../src/push/errors.ts';
import { eventHeaders, HEADER_SEQ, seqOfHeaders } from '../../src/push/headers.ts';
import { createKeyPartitioner } from '../../src/push/partitioning.ts';
import { RECORD_BATCH_OVERHEAD, recordBytes } from '../../src/push/record-size.ts';
import { DEFAULT_TOPICS, resolveTopics, topicFor } from '../../src/push/topics.ts';

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

  it("chooses the partition kafkajs' DefaultPartitioner (the Java client's murmur2) chooses", () => {
    const partitionOf = createKeyPartitioner();
    const kafkajs = Partitioners.DefaultPartitioner();
    const keys = ['', 'a', 'ab', 'abc', 'abcd', '110101199003074514', '91350100M000100Y43', 'accounting-staff/陈明-00017', ...Array.from({ length: 500 }, (_, i) => `350102${String(i * 7919).padStart(12, '0')}`)];
    for (const count of [1, 3, 6, 7, 32]) {
      const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [0], isr: [0], offlineReplicas: [] }));
      for (const key of keys) expect(partitionOf('t', key, count), `${key} of ${count}`).toBe(kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } }));
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

  // librdkafka's errors (LibrdKafkaError) carry rdkafka.h's numeric code.
  const rdError = (message: string, code: number) => Object.assign(new Error(message), { code, isRetriable: false });

  it("classifies librdkafka's time-outs and transport errors as retriable BROKER_UNAVAILABLE", () => {
    for (const code of [-192, -195, -187]) {
      const error = toPushError(rdError('Local: Message timed out', code), 'sending');
      expect(error.code, String(code)).toBe('BROKER_UNAVAILABLE');
      expect(error.retriable).toBe(true);
    }
  });

  it("classifies librdkafka's SASL and TLS failures", () => {
    expect(toPushError(rdError('Local: Authentication failure', -169), 'connecting').code).toBe('AUTHENTICATION_FAILED');
    expect(toPushError(rdError('Broker: SASL authentication failed', 58), 'connecting').code).toBe('AUTHENTICATION_FAILED');
    expect(toPushError(rdError('Local: SSL error', -181), 'connecting').code).toBe('TLS_FAILED');
  });

  it('recognises a message refused as too large by either client', () => {
    expect(isMessageTooLarge(rdError('Broker: Message size too large', 10))).toBe(true);
    expect(isMessageTooLarge(Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' }))).toBe(true);
    expect(isMessageTooLarge(rdError('Local: Message timed out', -192))).toBe(false);
  });
});
