import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { checkerService } from '../../services/checker/service.ts';
import { enforcerService } from '../../services/enforcer/service.ts';
import {
  createKafkaBus,
  type IncomingMessage,
  type KafkaBus,
} from '../../services/shared/kafka.ts';
import { createLogger } from '../../services/shared/logger.ts';
import type { DomainLapsed, UserChange } from '../../services/shared/records.ts';
import { createSchemaCodec, type SchemaCodec } from '../../services/shared/schema-codec.ts';
import { startService, type StartedService } from '../../services/shared/service.ts';
import { TOPIC_KEYS, topicsFor, type Topics, type TopicKey } from '../../services/shared/topics.ts';
import { watcherService } from '../../services/watcher/service.ts';
import { mongoUriFor, stackEnv, uniquePrefix } from './stack.ts';

type Env = Record<string, string>;

/**
 * One isolated deployment of the whole pipeline on the real stack: its own topic prefix,
 * consumer groups and database, so tests never see each other's messages or documents.
 */
export interface Pipeline {
  env: Env;
  topics: Topics;
  db: Db;
  bus: KafkaBus;
  codec: SchemaCodec;
  /** Starts a service of this deployment with extra settings; closed by `close()`. */
  start(name: ServiceName, extra?: Env): Promise<StartedService>;
  publishChange(
    change: Omit<UserChange, 'eventId' | 'occurredAt'> & Partial<UserChange>,
  ): Promise<void>;
  /** Publishes a lapse as the checker would, for tests of the enforcer alone. */
  publishLapse(lapse: DomainLapsed): Promise<void>;
  /** The raw records of a topic's dead-letter topic, headers included. */
  readDeadLetters(key: TopicKey, expected: number): Promise<IncomingMessage[]>;
  /** Every record on a topic so far, decoded; reads from the beginning with a fresh group. */
  readAll(key: TopicKey, expected: number, timeoutMs?: number): Promise<unknown[]>;
  close(): Promise<void>;
}

type ServiceName = 'watcher' | 'checker' | 'enforcer';

function startNamed(name: ServiceName, env: Env): Promise<StartedService> {
  if (name === 'watcher') return startService(watcherService, env);
  if (name === 'checker') return startService(checkerService, env);
  return startService(enforcerService, env);
}

export async function createPipeline(label: string, baseEnv: Env): Promise<Pipeline> {
  const prefix = uniquePrefix(label);
  const database = `dg_${label.replace(/\W/g, '_')}_${randomUUID().slice(0, 8)}`;
  const env: Env = {
    ...stackEnv,
    MONGODB_URI: mongoUriFor(database),
    TOPIC_PREFIX: prefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...baseEnv,
  };
  const client = await MongoClient.connect(env.MONGODB_URI ?? '');
  const topics = topicsFor(prefix);
  const logger = createLogger({ service: 'test', level: env.LOG_LEVEL ?? 'silent' });
  const bus = createKafkaBus({ brokers: [stackEnv.KAFKA_BROKERS], clientId: 'test', logger });
  await bus.ensureTopics(
    TOPIC_KEYS.map((k) => ({
      name: topics[k].name,
      partitions: 3,
      compacted: topics[k].compacted,
    })),
  );
  const codec = await createSchemaCodec(stackEnv.SCHEMA_REGISTRY_URL, topics, TOPIC_KEYS);
  const services: StartedService[] = [];

  return {
    env,
    topics,
    db: client.db(),
    bus,
    codec,
    async start(name, extra = {}) {
      const service = await startNamed(name, { ...env, ...extra });
      services.push(service);
      return service;
    },
    async publishChange(change) {
      const full: UserChange = {
        eventId: randomUUID(),
        occurredAt: Date.now(),
        ...change,
      };
      const value = await codec.encode(topics.usersChanges, full);
      await bus.send(topics.usersChanges.name, [{ key: full.userId, value }]);
    },
    async publishLapse(lapse) {
      const value = await codec.encode(topics.domainLapsed, lapse);
      await bus.send(topics.domainLapsed.name, [{ key: lapse.domain, value }]);
    },
    readDeadLetters: (key, expected) => readRaw(bus, topics[key].deadLetter, expected),
    readAll: (key, expected, timeoutMs) =>
      readTopic(bus, codec, topics, key, expected, timeoutMs ?? 30_000),
    async close() {
      for (const service of services.reverse()) await service.close();
      // Each run makes ten topics; leaving them would slow every later start of Kafka.
      await bus.deleteTopics(TOPIC_KEYS.flatMap((k) => [topics[k].name, topics[k].deadLetter]));
      await bus.close();
      await client.db().dropDatabase();
      await client.close();
    },
  };
}

/**
 * Collects records until `expected` arrived, then lingers briefly so an unexpected extra one
 * (a duplicate event, say) is caught too.
 */
async function readTopic(
  bus: KafkaBus,
  codec: SchemaCodec,
  topics: Topics,
  key: TopicKey,
  expected: number,
  timeoutMs: number,
): Promise<unknown[]> {
  const records: unknown[] = [];
  const raw: IncomingMessage[] = [];
  const sub = await bus.subscribe({
    groupId: `reader-${randomUUID()}`,
    topic: topics[key].name,
    fromBeginning: true,
    async onMessage(message) {
      raw.push(message);
      if (message.value) records.push(await codec.decode(topics[key], message.value));
    },
  });
  try {
    await waitFor(() => records.length >= expected, timeoutMs, `${expected} ${key} records`);
    await sleep(1500);
  } finally {
    await sub.stop();
  }
  return records;
}

async function readRaw(bus: KafkaBus, topic: string, expected: number) {
  const found: IncomingMessage[] = [];
  const sub = await bus.subscribe({
    groupId: `raw-reader-${randomUUID()}`,
    topic,
    fromBeginning: true,
    onMessage: async (message) => {
      found.push(message);
    },
  });
  try {
    await waitFor(() => found.length >= expected, 30_000, `${expected} records on ${topic}`);
    await sleep(1_500);
  } finally {
    await sub.stop();
  }
  return found;
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
