import { z } from 'zod';
import { durationMs, envBoolean, envNumber } from '../shared/config.ts';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

const collectionName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, ".", "_" and "-" only');

/** The watcher's own settings; the service loader extends the shared base schema with these. */
export const watcherSettingsSchema = z.object({
  /** A domain with verified addresses is checked at most once per interval. */
  recheckIntervalMs: durationMs,
  /** How often the sweep looks for domains whose next check is due. */
  sweepIntervalMs: durationMs,
  /** Sweep once right after start-up instead of waiting one interval first. */
  sweepOnStart: z.boolean(),
  /** Addresses per sweep query; each batch is one indexed read. */
  sweepBatchSize: z.number().int().min(1).max(10_000),
  /** Delay before the next check, by the last lifecycle state observed. */
  expiringRecheckMs: durationMs,
  unknownRecheckMs: durationMs,
  lapsedRecheckMs: durationMs,
  domainsCollection: collectionName,
  watchedEmailsCollection: collectionName,
});

export type WatcherSettings = z.infer<typeof watcherSettingsSchema>;

type Env = Readonly<Record<string, string | undefined>>;

/** The variable behind each setting, for start-up errors. */
export const WATCHER_ENV_NAMES: Readonly<Record<string, string>> = {
  recheckIntervalMs: 'RECHECK_INTERVAL_MS',
  sweepIntervalMs: 'SWEEP_INTERVAL_MS',
  sweepOnStart: 'SWEEP_ON_START',
  sweepBatchSize: 'SWEEP_BATCH_SIZE',
  expiringRecheckMs: 'EXPIRING_RECHECK_MS',
  unknownRecheckMs: 'UNKNOWN_RECHECK_MS',
  lapsedRecheckMs: 'LAPSED_RECHECK_MS',
  domainsCollection: 'DOMAINS_COLLECTION',
  watchedEmailsCollection: 'WATCHED_EMAILS_COLLECTION',
};

/**
 * Raw watcher settings from the environment, defaults filled in. Validation happens once, in
 * the service loader, so every wrong value is reported together with its setting's name.
 */
export function watcherSettingsFromEnv(env: Env): Record<string, unknown> {
  return {
    recheckIntervalMs: envNumber(env.RECHECK_INTERVAL_MS, DAY_MS),
    sweepIntervalMs: envNumber(env.SWEEP_INTERVAL_MS, DAY_MS),
    sweepOnStart: envBoolean(env.SWEEP_ON_START, true),
    sweepBatchSize: envNumber(env.SWEEP_BATCH_SIZE, 500),
    expiringRecheckMs: envNumber(env.EXPIRING_RECHECK_MS, DAY_MS),
    unknownRecheckMs: envNumber(env.UNKNOWN_RECHECK_MS, HOUR_MS),
    lapsedRecheckMs: envNumber(env.LAPSED_RECHECK_MS, DAY_MS),
    domainsCollection: env.DOMAINS_COLLECTION ?? 'domains',
    watchedEmailsCollection: env.WATCHED_EMAILS_COLLECTION ?? 'watched_emails',
  };
}
