import pRetry, { AbortError } from 'p-retry';
import { MalformedMessageError, isRetriable } from './errors.ts';
import type { IncomingMessage, KafkaBus, Subscription } from './kafka.ts';
import { withLogContext, type Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { SchemaCodec } from './schema-codec.ts';
import type { Topic } from './topics.ts';

export interface MessageContext {
  key: string | null;
  logger: Logger;
}

export interface ConsumeOptions<T> {
  bus: KafkaBus;
  codec: SchemaCodec;
  topic: Topic;
  groupId: string;
  logger: Logger;
  metrics: Metrics;
  /** Checks the decoded record; throw MalformedMessageError for one that can never work. */
  parse(value: unknown): T;
  handle(value: T, context: MessageContext): Promise<void>;
  /** How long the group waits for a silent member; kafkajs's default is 30 s. */
  sessionTimeoutMs?: number;
  /** Backoff between attempts of a failing handler. */
  retry?: { minDelayMs: number; maxDelayMs: number };
}

/**
 * Runs a handler over a topic with the guarantees the design asks for:
 * - a record is committed only after its handler resolved;
 * - a record that can never be processed goes to `<topic>.dlq` with the reason, then is
 *   committed, so one poison message cannot stop the partition;
 * - any other failure (database down, registry unreachable) is retried with capped, jittered
 *   backoff for as long as it takes, never skipped. Stopping abandons the attempt without
 *   committing, so the next owner of the partition starts with that record.
 */
export async function consumeTopic<T>(options: ConsumeOptions<T>): Promise<Subscription> {
  const stopping = new AbortController();
  const sub = await options.bus.subscribe({
    groupId: options.groupId,
    topic: options.topic.name,
    fromBeginning: true,
    ...(options.sessionTimeoutMs === undefined
      ? {}
      : { sessionTimeoutMs: options.sessionTimeoutMs }),
    onMessage: (message) => processWithRetry(options, message, stopping.signal),
  });
  return {
    stop() {
      stopping.abort();
      return sub.stop();
    },
  };
}

async function processWithRetry<T>(
  options: ConsumeOptions<T>,
  message: IncomingMessage,
  signal: AbortSignal,
): Promise<void> {
  const fields = {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key,
  };
  await withLogContext(fields, () => processInContext(options, message, signal));
}

async function processInContext<T>(
  options: ConsumeOptions<T>,
  message: IncomingMessage,
  signal: AbortSignal,
): Promise<void> {
  const log = options.logger;
  const retry = options.retry ?? { minDelayMs: 500, maxDelayMs: 10_000 };
  const timer = options.metrics.handleSeconds.startTimer({ topic: options.topic.key });
  // A big lapse can take longer than the group's session timeout; without heartbeats the
  // broker would hand the partition to another member while this one is still working.
  const beat = setInterval(() => {
    message.heartbeat().catch((err: unknown) => log.warn({ err }, 'heartbeat failed'));
  }, HEARTBEAT_EVERY_MS);
  try {
    await retrying(options, message, log, signal, retry);
  } finally {
    clearInterval(beat);
  }
  timer();
}

/** Well inside kafkajs's default session timeout of 30 s. */
const HEARTBEAT_EVERY_MS = 3_000;

function retrying<T>(
  options: ConsumeOptions<T>,
  message: IncomingMessage,
  log: Logger,
  signal: AbortSignal,
  retry: { minDelayMs: number; maxDelayMs: number },
): Promise<void> {
  return pRetry(() => processOnce(options, message, log), {
    retries: Number.POSITIVE_INFINITY,
    minTimeout: retry.minDelayMs,
    maxTimeout: retry.maxDelayMs,
    randomize: true,
    signal,
    onFailedAttempt: async ({ error, attemptNumber }) => {
      options.metrics.retried.inc({ topic: options.topic.key });
      log.warn({ err: error, attempt: attemptNumber }, 'message failed, will retry');
    },
  });
}

async function processOnce<T>(
  options: ConsumeOptions<T>,
  message: IncomingMessage,
  log: Logger,
): Promise<void> {
  try {
    if (message.value === null) throw new MalformedMessageError('record has no value');
    const decoded = await options.codec.decode(options.topic, message.value);
    const value = options.parse(decoded);
    await options.handle(value, { key: message.key, logger: log });
    options.metrics.processed.inc({ topic: options.topic.key });
  } catch (err) {
    if (err instanceof MalformedMessageError) {
      await deadLetter(options, message, err, log);
      return;
    }
    if (!isRetriable(err)) {
      // A programming error will fail the same way forever; stop the consumer loudly
      // rather than spin, and keep the record uncommitted for after the fix.
      throw new AbortError(err instanceof Error ? err : new Error(String(err)));
    }
    throw err;
  }
}

async function deadLetter<T>(
  options: ConsumeOptions<T>,
  message: IncomingMessage,
  err: MalformedMessageError,
  log: Logger,
): Promise<void> {
  await options.bus.send(options.topic.deadLetter, [
    {
      key: message.key ?? '',
      value: message.value ?? Buffer.alloc(0),
      headers: {
        ...message.headers,
        'dg-error-code': err.code,
        'dg-error-reason': err.message,
        'dg-original-topic': message.topic,
        'dg-original-partition': String(message.partition),
        'dg-original-offset': message.offset,
        'dg-failed-at': new Date().toISOString(),
      },
    },
  ]);
  options.metrics.deadLettered.inc({ topic: options.topic.key });
  log.error(
    { err, deadLetterTopic: options.topic.deadLetter },
    'message sent to dead-letter topic',
  );
}
