import type { Db } from 'mongodb';
import { closeSync, openSync } from 'node:fs';
import { pino, type DestinationStream } from 'pino';
import type { z } from 'zod';
import {
  BASE_ENV_NAMES,
  baseSettingsFromEnv,
  baseSettingsSchema,
  loadConfig,
  type BaseSettings,
} from './config.ts';
import { ConfigError, DomainGuardError } from './errors.ts';
import { createKafkaBus, silenceKafkaTimerWarning, type KafkaBus } from './kafka.ts';
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
  /** Setting path (`provider.requestTimeoutMs`) to the variable it is read from. */
  envNames?: Readonly<Record<string, string>>;
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
    settings.logFile === undefined ? undefined : openLogFile(settings.logFile),
  );
  const closers: (() => Promise<unknown>)[] = [];
  const failure = Promise.withResolvers<Error>();
  try {
    const runtime = await buildRuntime(spec.name, settings, logger, closers, true, failure.resolve);
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

/**
 * Opens the log file before anything logs: a path that cannot be written is a setting to fix,
 * and pino's asynchronous destination would otherwise fail silently. Folders are not created:
 * Node's recursive mkdir spins forever under paths such as /proc.
 */
function openLogFile(path: string): DestinationStream {
  try {
    closeSync(openSync(path, 'a'));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError([`LOG_FILE (logFile): cannot write "${path}": ${reason}`]);
  }
  return pino.destination({ dest: path, sync: false });
}

/** The shared settings plus the service's own, validated together so every problem shows. */
function loadServiceSettings<S extends z.ZodObject>(
  spec: ServiceSpec<S>,
  env: Env,
): Readonly<BaseSettings & z.infer<S>> {
  const schema = baseSettingsSchema.extend(spec.settingsSchema.shape);
  const raw = { ...baseSettingsFromEnv(env, spec.name), ...spec.settingsFromEnv(env) };
  const names = { ...BASE_ENV_NAMES, ...spec.envNames };
  return loadConfig(schema, raw, names) as Readonly<BaseSettings & z.infer<S>>;
}

async function buildRuntime<S>(
  name: string,
  settings: Readonly<BaseSettings & S>,
  logger: Logger,
  closers: (() => Promise<unknown>)[],
  createTopics: boolean,
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
  await prepareTopics(bus, topics, settings, createTopics);
  const codec = await createSchemaCodec(settings.schemaRegistryUrl, topics, TOPIC_KEYS);
  return { settings, logger, metrics, bus, codec, topics, db };
}

/**
 * Services create what they need. One-shot commands only check: a mistyped TOPIC_PREFIX
 * there would otherwise create a second, empty deployment's topics and act on nothing.
 */
async function prepareTopics(
  bus: KafkaBus,
  topics: Topics,
  settings: Readonly<BaseSettings>,
  create: boolean,
): Promise<void> {
  const specs = TOPIC_KEYS.flatMap((key) => [
    { name: topics[key].name, partitions: 3, compacted: topics[key].compacted },
    { name: topics[key].deadLetter, partitions: 1, compacted: false },
  ]);
  try {
    if (create) {
      await bus.ensureTopics(specs);
      return;
    }
    const missing = await bus.missingTopics(specs.map((s) => s.name));
    if (missing.length > 0) {
      throw new ConfigError([
        `TOPIC_PREFIX (topicPrefix): no topics named ${missing.slice(0, 2).join(', ')}… ` +
          `in Kafka; is "${settings.topicPrefix}" the prefix the services run with?`,
      ]);
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new DomainGuardError(
      'DG_STACK_UNAVAILABLE',
      `cannot reach Kafka at ${settings.kafkaBrokers.join(',')}; check KAFKA_BROKERS and that ` +
        'the brokers run',
      { retriable: true, cause: err },
    );
  }
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
    return await work(await buildRuntime(spec.name, settings, logger, closers, false));
  } finally {
    await closeAll(closers, logger);
  }
}

/**
 * Entry point for `node services/<name>/main.ts`: starts, stops in order on SIGINT/SIGTERM
 * within the configured grace time, and exits non-zero on a crash or a forced stop.
 */
export async function runMain<S extends z.ZodObject>(spec: ServiceSpec<S>): Promise<void> {
  silenceKafkaTimerWarning();
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
