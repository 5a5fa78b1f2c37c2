import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

export interface LoggerSettings {
  service: string;
  level: string;
  /** Print full email addresses. Off by default: addresses are personal data. */
  logEmails?: boolean;
}

/**
 * Masks an address for logs: `alice@example.com` becomes `a***@example.com`. The domain is
 * what an operator filters on; the local part identifies a person and stays hidden.
 */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return '***';
  const local = address.slice(0, at);
  return `${local.slice(0, 1)}***${address.slice(at)}`;
}

/**
 * For values that should be domains but come from outside: an address that arrived in their
 * place is masked before it reaches a log line or a dead-letter reason.
 */
export function maskIfAddress(value: string): string {
  return value.includes('@') ? maskEmail(value) : value;
}

const messageContext = new AsyncLocalStorage<Readonly<Record<string, unknown>>>();

/**
 * Runs `work` with fields (topic, partition, offset, key of the message in hand) that every log
 * line written meanwhile carries, from whichever component logger writes it: handlers deep in
 * a service need not thread a message logger through every call.
 */
export function withLogContext<T>(fields: Readonly<Record<string, unknown>>, work: () => T): T {
  return messageContext.run(fields, work);
}

const EMAIL_KEYS = ['email', 'address', 'previousEmail'];

/** The root logger of a service; components take children with `logger.child({...})`. */
export function createLogger(settings: LoggerSettings, stream?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: settings.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => messageContext.getStore() ?? {},
  };
  if (!settings.logEmails) {
    options.redact = {
      paths: [...EMAIL_KEYS, ...EMAIL_KEYS.map((k) => `*.${k}`)],
      censor: (value) => (typeof value === 'string' ? maskEmail(value) : '[redacted]'),
    };
  }
  return stream ? pino(options, stream) : pino(options);
}
