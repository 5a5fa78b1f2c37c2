// Kafka 4 removed many old protocol versions (KIP-896). kafkajs 2.x is no longer maintained, so
// this proves against the real broker that the parts the services rely on still work with it:
// topic creation, produce, a consumer group join, consumption, offset commit and offset fetch.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import type { Consumer, Producer, Admin } from 'kafkajs';

const { Kafka, logLevel, Partitioners } = kafkajs;

const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('a kafkajs consumer group joins, consumes and commits on Kafka 4', async () => {
  const suffix = randomUUID();
  const topic = `it.kafka4-group.${suffix}`;
  const groupId = `it-kafka4-group-${suffix}`;
  const kafka = new Kafka({ clientId: 'it-kafka-4-group', brokers, logLevel: logLevel.WARN });
  const admin: Admin = kafka.admin();
  const producer: Producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer: Consumer = kafka.consumer({ groupId });
  const values = ['one', 'two', 'three'];
  const received: string[] = [];

  await admin.connect();
  try {
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    assert.equal(created, true);

    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: values.map((value, i) => ({ key: `k${i}`, value })),
    });

    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    // Default autoCommit, as the services use it: kafkajs commits after each processed batch.
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push(message.value?.toString() ?? '');
      },
    });

    await waitFor('for all messages', 30_000, async () =>
      received.length >= values.length ? true : undefined,
    );
    assert.deepEqual(received, values);

    const committed = await waitFor('for the committed offset', 30_000, async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const partition = offsets?.partitions.find((p) => p.partition === 0);
      return partition?.offset === String(values.length) ? partition.offset : undefined;
    });
    assert.equal(committed, '3');

    // The group itself is known to the broker's (new, Kafka 4) group coordinator.
    const described = await admin.describeGroups([groupId]);
    assert.equal(described.groups[0]?.groupId, groupId);
    assert.equal(described.groups[0]?.state, 'Stable');
    assert.equal(described.groups[0]?.members.length, 1);

    await consumer.disconnect();
    // The commit outlives the consumer: a restarted service resumes after the last message.
    const [after] = await admin.fetchOffsets({ groupId, topics: [topic] });
    assert.equal(after?.partitions.find((p) => p.partition === 0)?.offset, '3');
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
});
