import type { Db } from 'mongodb';
import { pino } from 'pino';
import type { z } from 'zod';
import {
  baseSettingsFromEnv,
  baseSettingsSchema,
  loadConfig,
  type BaseSettings,
} from './config.ts';
import { createKafkaBus, type KafkaBus } from './kafka.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, serveMetrics, type Metrics } from './metrics.ts';
import { connectMongo } from './mongo.ts';
import { createSchemaCodec, type SchemaCodec } from './schema-codec.ts';
import { TOPIC_KEYS, topicsFor, type Topics } from './topics.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface Runtime<S> {
  settings: Readonly<BaseSettings & S>;
  logger: Logger;
  metrics: Metrics;
  bus: KafkaBus;
  codec: SchemaCodec;
  topics: Topics;
  db: Db;
}

export interface Running {
  /** Stops taking work and waits for work in hand. */
  stop(): Promise<void>;
}

export interface ServiceSpec<S extends z.ZodObject> {
  name: string;
  settingsSchema: S;
  settingsFromEnv(env: Env): Record<string, unknown>;
  start(runtime: Runtime<z.infer<S>>): Promise<Running>;
}

export interface StartedService {
  logger: Logger;
  /** Settles when a consumer stopped for good; the process should then exit non-zero. */
  failed: Promise<Error>;
  /** Ordered, idempotent shutdown: the service, Kafka, MongoDB, metrics, logs. */
  close(): Promise<void>;
}

/**
 * Builds a service's runtime from the environment and starts it. Used by each service's
 * main.ts and by the end-to-end tests, which start all three in one process.
 */
export async function startService<S extends z.ZodObject>(
  spec: ServiceSpec<S>,
  env: Env,
): Promise<StartedService> {
  const settings = loadServiceSettings(spec, env);
  const logger = createLogger(
    { service: spec.name, level: settings.logLevel, logEmails: settings.logEmails },
    settings.logFile === undefined
      ? undefined
      : pino.destination({ dest: settings.logFile, sync: false, mkdir: true }),
  );
  const closers: (() => Promise<unknown>)[] = [];
  const failure = Promise.withResolvers<Error>();
  try {
    const runtime = await buildRuntime(spec.name, settings, logger, closers, failure.resolve);
    const running = await spec.start(runtime);
    closers.push(() => running.stop());
    logger.info({ topicPrefix: settings.topicPrefix }, 'service started');
  } catch (err) {
    await closeAll(closers, logger);
    throw err;
  }
  let closed: Promise<void> | undefined;
  return {
    logger,
    failed: failure.promise,
    close() {
      closed ??= closeAll(closers, logger).then(() => {
        logger.info('service stopped');
        logger.flush();
      });
      return closed;
    },
  };
}

/** The shared settings plus the service's own, validated together so every problem shows. */
function loadServiceSettings<S extends z.ZodObject>(
  spec: ServiceSpec<S>,
  env: Env,
): Readonly<BaseSettings & z.infer<S>> {
  const schema = baseSettingsSchema.extend(spec.settingsSchema.shape);
  return loadConfig(schema, {
    ...baseSettingsFromEnv(env, spec.name),
    ...spec.settingsFromEnv(env),
  }) as Readonly<BaseSettings & z.infer<S>>;
}

async function buildRuntime<S>(
  name: string,
  settings: Readonly<BaseSettings & S>,
  logger: Logger,
  closers: (() => Promise<unknown>)[],
  onFatal?: (err: Error) => void,
): Promise<Runtime<S>> {
  const metrics = createMetrics(name);
  const server = await serveMetrics(metrics, settings.metricsPort);
  if (server) closers.push(() => new Promise((resolve) => server.close(resolve)));

  const { client, db } = await connectMongo(settings.mongodbUri);
  closers.push(() => client.close());

  const topics = topicsFor(settings.topicPrefix);
  const bus = createKafkaBus({
    brokers: settings.kafkaBrokers,
    clientId: settings.kafkaClientId,
    logger,
    ...(onFatal ? { onFatal } : {}),
  });
  closers.push(() => bus.close());
  await bus.ensureTopics(
    TOPIC_KEYS.flatMap((key) => [
      { name: topics[key].name, partitions: 3, compacted: topics[key].compacted },
      { name: topics[key].deadLetter, partitions: 1, compacted: false },
    ]),
  );
  const codec = await createSchemaCodec(settings.schemaRegistryUrl, topics, TOPIC_KEYS);
  return { settings, logger, metrics, bus, codec, topics, db };
}

/** Closes in reverse order of opening: the service first, logs last. */
async function closeAll(closers: (() => Promise<unknown>)[], logger: Logger): Promise<void> {
  for (const close of closers.reverse()) {
    try {
      await close();
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
    }
  }
  closers.length = 0;
}

/**
 * Opens a service's runtime without starting the service, runs `work`, then closes it: what
 * one-shot commands (`domain-guard sweep`, `domain-guard approve`) need.
 */
export async function withRuntime<S extends z.ZodObject, R>(
  spec: ServiceSpec<S>,
  env: Env,
  work: (runtime: Runtime<z.infer<S>>) => Promise<R>,
): Promise<R> {
  const settings = loadServiceSettings(spec, env);
  const logger = createLogger(
    { service: spec.name, level: settings.logLevel, logEmails: settings.logEmails },
    pino.destination(2),
  );
  const closers: (() => Promise<unknown>)[] = [];
  try {
    return await work(await buildRuntime(spec.name, settings, logger, closers));
  } finally {
    await closeAll(closers, logger);
  }
}

/**
 * Entry point for `node services/<name>/main.ts`: starts, stops in order on SIGINT/SIGTERM
 * within the configured grace time, and exits non-zero on a crash or a forced stop.
 */
export async function runMain<S extends z.ZodObject>(spec: ServiceSpec<S>): Promise<void> {
  let service: StartedService;
  try {
    service = await startService(spec, process.env);
  } catch (err) {
    process.stderr.write(`${spec.name}: failed to start: ${describeStartError(err)}\n`);
    process.exit(1);
  }
  const graceMs = Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 15_000);
  const shutdown = (signal: string): void => {
    service.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      service.logger.error({ graceMs }, 'shutdown took too long, forcing exit');
      process.exit(1);
    }, graceMs);
    force.unref();
    service.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  void service.failed.then((err) => {
    service.logger.fatal({ err }, 'a consumer stopped for good, exiting');
    void service.close().finally(() => process.exit(1));
  });
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.on('unhandledRejection', (err) => {
    service.logger.fatal({ err }, 'unhandled rejection');
    void service.close().finally(() => process.exit(1));
  });
}

function describeStartError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (cause: ${err.cause.message})` : '';
  return `${err.message}${cause}`;
}
