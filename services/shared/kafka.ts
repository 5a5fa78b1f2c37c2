/**
 * The only module that imports kafkajs. Everything else speaks in the small types below, so
 * the client can be swapped (Confluent's client has a KafkaJS-shaped API) without touching
 * the services. kafkajs has had no release since 2023; that is why this seam exists.
 */
import {
  Kafka,
  Partitioners,
  logLevel as KafkaLogLevel,
  type Admin,
  type Consumer,
  type Producer,
} from 'kafkajs';
import type { Logger } from './logger.ts';

/**
 * kafkajs 2.2.4's request queue schedules a timer with a negative delay, which Node 24 reports
 * as a TimeoutNegativeWarning on every run (Node then uses 1 ms, which is what kafkajs meant).
 * Entry points call this so operators do not chase it; every other warning is printed as usual.
 */
export function silenceKafkaTimerWarning(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
  });
}

export interface OutgoingMessage {
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** Keeps group membership alive while a message takes long (e.g. retrying a database). */
  heartbeat(): Promise<void>;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  compacted: boolean;
}

export interface SubscribeOptions {
  groupId: string;
  topic: string;
  fromBeginning: boolean;
  sessionTimeoutMs?: number;
  /**
   * Resolves when the message is fully handled; only then is its offset committed. A
   * rejection means "not handled": the consumer stops at that offset and retries it.
   */
  onMessage(message: IncomingMessage): Promise<void>;
}

export interface Subscription {
  /** Stops fetching, waits for the message in hand, leaves the group. Idempotent. */
  stop(): Promise<void>;
}

export interface KafkaBus {
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
  /** The names among `names` that no topic has. */
  missingTopics(names: readonly string[]): Promise<string[]>;
  /** Deletes topics that exist among `names`; for tests and demos cleaning up after them. */
  deleteTopics(names: readonly string[]): Promise<void>;
  /** Resolves once every in-sync replica has the messages (acks=all, idempotent producer). */
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Records currently held by `topic`, over all partitions. */
  size(topic: string): Promise<number>;
  /** Records on `topic` that group `groupId` has not committed yet, over all partitions. */
  lag(groupId: string, topic: string): Promise<number>;
  /** Disconnects the producer and every subscription. Idempotent. */
  close(): Promise<void>;
}

export interface KafkaBusOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  /**
   * Called when a consumer stopped for good (the client will not restart it). The process
   * must not live on without its consumer, so services exit non-zero from here.
   */
  onFatal?: (err: Error) => void;
}

export function createKafkaBus(options: KafkaBusOptions): KafkaBus {
  const log = options.logger.child({ component: 'kafka' });
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => (entry) => forwardLog(log, entry.level, entry.log),
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
  });
  const subscriptions = new Set<Subscription>();
  let producer: Promise<Producer> | undefined;
  let closed: Promise<void> | undefined;

  const getProducer = (): Promise<Producer> => {
    producer ??= connectProducer(kafka);
    return producer;
  };

  return {
    ensureTopics: (specs) => ensureTopics(kafka, specs),
    deleteTopics: (names) => deleteTopics(kafka, names),
    missingTopics: (names) => missingTopics(kafka, names),
    async send(topic, messages) {
      const p = await getProducer();
      await p.send({ topic, acks: -1, messages: messages.map((m) => ({ ...m })) });
    },
    async subscribe(subscribeOptions) {
      const sub = await subscribe(kafka, subscribeOptions, log, options.onFatal);
      subscriptions.add(sub);
      return sub;
    },
    lag: (groupId, topic) => groupLag(kafka, groupId, topic),
    size: (topic) => topicSize(kafka, topic),
    close() {
      closed ??= (async () => {
        await Promise.all([...subscriptions].map((s) => s.stop()));
        if (producer) await (await producer).disconnect();
      })();
      return closed;
    },
  };
}

async function connectProducer(kafka: Kafka): Promise<Producer> {
  // Idempotent: a retried send after a lost acknowledgement is not written twice.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return producer;
}

/** One short-lived admin connection per call: these are start-up and tooling paths. */
async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<void> {
  return withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.name));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.name,
        numPartitions: s.partitions,
        configEntries: s.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
      })),
    });
  });
}

async function missingTopics(kafka: Kafka, names: readonly string[]): Promise<string[]> {
  return withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    return names.filter((name) => !existing.has(name));
  });
}

async function deleteTopics(kafka: Kafka, names: readonly string[]): Promise<void> {
  return withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const topics = names.filter((name) => existing.has(name));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  });
}

async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  return withAdmin(kafka, async (admin) => {
    const ends = await admin.fetchTopicOffsets(topic);
    return ends.reduce((sum, end) => sum + Number(end.high) - Number(end.low), 0);
  });
}

async function groupLag(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  return withAdmin(kafka, async (admin) => {
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const done = new Map(committed?.partitions.map((p) => [p.partition, Number(p.offset)]));
    return ends.reduce((sum, end) => {
      // -1 means the group never committed on that partition: all of it is still to do.
      const from = Math.max(done.get(end.partition) ?? -1, Number(end.low));
      return sum + Math.max(0, Number(end.high) - from);
    }, 0);
  });
}

async function subscribe(
  kafka: Kafka,
  options: SubscribeOptions,
  log: Logger,
  onFatal: ((err: Error) => void) | undefined,
): Promise<Subscription> {
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeout: options.sessionTimeoutMs }),
    // Our own handler retries transient failures; this only covers the client's own errors.
    retry: { initialRetryTime: 1000, retries: 10, maxRetryTime: 30_000 },
  });
  consumer.on(consumer.events.CRASH, (event) => {
    const { error, restart } = event.payload;
    log.error({ err: error, groupId: options.groupId, restart }, 'consumer crashed');
    if (!restart) onFatal?.(error);
  });
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning });
  await consumer.run({
    autoCommit: true,
    eachMessage: ({ topic, partition, message, heartbeat }) =>
      options.onMessage({
        topic,
        partition,
        offset: message.offset,
        key: message.key === null ? null : message.key.toString('utf8'),
        value: message.value,
        headers: decodeHeaders(message.headers),
        heartbeat,
      }),
  });
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= consumer.disconnect();
      return stopped;
    },
  };
}

function decodeHeaders(
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

/**
 * Retries are bounded on purpose: a send that never gives up would hold its message past the
 * consumer's session timeout. Every consumer of ours deduplicates, so the client's warning
 * about exactly-once is noise for an operator.
 */
const EXPECTED_WARNINGS = [/^Limiting retries for the idempotent producer/];

function forwardLog(log: Logger, level: KafkaLogLevel, entry: Record<string, unknown>): void {
  const { message, ...fields } = entry;
  const text = typeof message === 'string' ? message : 'kafka client event';
  if (EXPECTED_WARNINGS.some((pattern) => pattern.test(text))) {
    log.debug(fields, text);
    return;
  }
  if (level === KafkaLogLevel.ERROR) log.error(fields, text);
  else if (level === KafkaLogLevel.WARN) log.warn(fields, text);
  else log.debug(fields, text);
}
