import { z } from 'zod';
import { ConfigError } from './errors.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Node.js timers hold a signed 32-bit number of milliseconds; a longer one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A duration setting that a timer will hold: whole, positive, at most about 24.8 days. */
export const durationMs = z
  .number()
  .int()
  .positive()
  .max(MAX_TIMER_MS, `at most ${MAX_TIMER_MS} ms (about 24.8 days), the longest timer Node sets`);

/** Settings every service shares: where the stack is and how to log. */
export const baseSettingsSchema = z.object({
  kafkaBrokers: z
    .string()
    .min(1)
    .transform((s) => s.split(',').map((b) => b.trim()))
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port')).min(1)),
  kafkaClientId: z.string().min(1),
  schemaRegistryUrl: z.url(),
  mongodbUri: z.string().regex(/^mongodb(\+srv)?:\/\//, 'expected a mongodb:// URI'),
  topicPrefix: z.string().regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  logEmails: z.boolean(),
  /** Append logs to this file instead of standard output. */
  logFile: z.string().min(1).optional(),
  metricsPort: z.number().int().min(0).max(65535),
  shutdownTimeoutMs: durationMs,
});

export type BaseSettings = z.infer<typeof baseSettingsSchema>;

/** Loopback defaults match the native stack started by `npm run stack:up`. */
export function baseSettingsFromEnv(env: Env, service: string): Record<string, unknown> {
  return {
    kafkaBrokers: env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    kafkaClientId: env.KAFKA_CLIENT_ID ?? `domain-guard-${service}`,
    schemaRegistryUrl: env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
    mongodbUri: env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/domain-guard',
    topicPrefix: env.TOPIC_PREFIX ?? '',
    logLevel: env.LOG_LEVEL ?? 'info',
    logEmails: envBoolean(env.LOG_EMAILS, false),
    ...(env.LOG_FILE?.trim() ? { logFile: env.LOG_FILE } : {}),
    metricsPort: envNumber(env.METRICS_PORT, 0),
    shutdownTimeoutMs: envNumber(env.SHUTDOWN_TIMEOUT_MS, 15_000),
  };
}

/**
 * Validates raw settings once, at start-up, into a frozen object. Every problem is listed in
 * one error so an operator fixes them all in one go.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  envNames: Readonly<Record<string, string>> = {},
): Readonly<z.infer<S>> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => describeIssue(issue, envNames)));
  }
  return deepFreeze(result.data);
}

/** Where each base setting comes from, so errors name what the operator actually sets. */
export const BASE_ENV_NAMES: Readonly<Record<string, string>> = {
  kafkaBrokers: 'KAFKA_BROKERS',
  kafkaClientId: 'KAFKA_CLIENT_ID',
  schemaRegistryUrl: 'SCHEMA_REGISTRY_URL',
  mongodbUri: 'MONGODB_URI',
  topicPrefix: 'TOPIC_PREFIX',
  logLevel: 'LOG_LEVEL',
  logEmails: 'LOG_EMAILS',
  logFile: 'LOG_FILE',
  metricsPort: 'METRICS_PORT',
  shutdownTimeoutMs: 'SHUTDOWN_TIMEOUT_MS',
};

/** `KAFKA_BROKERS (kafkaBrokers.0): expected host:port`; the longest known path wins. */
function describeIssue(issue: z.core.$ZodIssue, envNames: Readonly<Record<string, string>>) {
  const path = issue.path.map(String);
  const where = path.length > 0 ? path.join('.') : '(root)';
  for (let length = path.length; length > 0; length--) {
    const name = envNames[path.slice(0, length).join('.')];
    if (name !== undefined) return `${name} (${where}): ${issue.message}`;
  }
  return `${where}: ${issue.message}`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Numbers from the environment. A value that is not a number is passed through as a string,
 * so the schema reports it with the setting's name instead of silently using the default.
 */
export function envNumber(value: string | undefined, fallback: number): number | string {
  if (value === undefined || value.trim() === '') return fallback;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : value;
}

export function envBoolean(value: string | undefined, fallback: boolean): boolean | string {
  if (value === undefined || value.trim() === '') return fallback;
  const lower = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
  if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  return value;
}

export function envList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
