// Readiness probe for scripts/kafka.sh: exits 0 when the broker at argv[2] answers a metadata
// request (kafkajs admin listTopics), 1 otherwise. Runs from the repo root so kafkajs resolves.
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const broker = process.argv[2] ?? '127.0.0.1:9092';
const kafka = new Kafka({
  clientId: 'onecode-kafka-ready',
  brokers: [broker],
  connectionTimeout: 1000,
  requestTimeout: 3000,
  retry: { retries: 0 },
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
try {
  await admin.connect();
  await admin.listTopics();
  const cluster = await admin.describeCluster();
  if (cluster.controller === null || cluster.brokers.length === 0) throw new Error('no controller yet');
  await admin.disconnect();
  process.exit(0);
} catch (error) {
  console.error(String(error));
  await admin.disconnect().catch(() => {});
  process.exit(1);
}
