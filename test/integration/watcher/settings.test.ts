import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseSettingsSchema, loadConfig } from '../../../services/shared/config.ts';
import {
  watcherSettingsFromEnv,
  watcherSettingsSchema,
} from '../../../services/watcher/settings.ts';

test('every watcher setting has a default', () => {
  assert.deepEqual(loadConfig(watcherSettingsSchema, watcherSettingsFromEnv({})), {
    recheckIntervalMs: 86_400_000,
    sweepIntervalMs: 86_400_000,
    sweepOnStart: true,
    sweepBatchSize: 500,
    expiringRecheckMs: 86_400_000,
    unknownRecheckMs: 3_600_000,
    lapsedRecheckMs: 86_400_000,
    domainsCollection: 'domains',
    watchedEmailsCollection: 'watched_emails',
  });
});

test('watcher settings are read from the environment', () => {
  const env = {
    RECHECK_INTERVAL_MS: '1000',
    SWEEP_INTERVAL_MS: '2000',
    SWEEP_ON_START: 'false',
    SWEEP_BATCH_SIZE: '10',
    EXPIRING_RECHECK_MS: '3000',
    UNKNOWN_RECHECK_MS: '4000',
    LAPSED_RECHECK_MS: '5000',
    DOMAINS_COLLECTION: 'dg_domains',
    WATCHED_EMAILS_COLLECTION: 'dg_watched',
  };

  assert.deepEqual(loadConfig(watcherSettingsSchema, watcherSettingsFromEnv(env)), {
    recheckIntervalMs: 1000,
    sweepIntervalMs: 2000,
    sweepOnStart: false,
    sweepBatchSize: 10,
    expiringRecheckMs: 3000,
    unknownRecheckMs: 4000,
    lapsedRecheckMs: 5000,
    domainsCollection: 'dg_domains',
    watchedEmailsCollection: 'dg_watched',
  });
});

test('every wrong watcher setting is reported by name', () => {
  const env = {
    RECHECK_INTERVAL_MS: 'daily',
    SWEEP_BATCH_SIZE: '0',
    SWEEP_ON_START: 'sometimes',
    DOMAINS_COLLECTION: 'my domains',
  };

  assert.throws(() => loadConfig(watcherSettingsSchema, watcherSettingsFromEnv(env)), {
    name: 'ConfigError',
    problems: [
      'recheckIntervalMs: Invalid input: expected number, received string',
      'sweepOnStart: Invalid input: expected boolean, received string',
      'sweepBatchSize: Too small: expected number to be >=1',
      'domainsCollection: letters, digits, ".", "_" and "-" only',
    ],
  });
});

test('watcher settings extend the shared ones without a name clash', () => {
  const shared = Object.keys(baseSettingsSchema.shape);
  const own = Object.keys(watcherSettingsSchema.shape);

  assert.deepEqual(
    own.filter((key) => shared.includes(key)),
    [],
  );
});
