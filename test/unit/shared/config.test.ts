import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import {
  BASE_ENV_NAMES,
  baseSettingsFromEnv,
  baseSettingsSchema,
  loadConfig,
} from '../../../services/shared/config.ts';
import { ConfigError } from '../../../services/shared/errors.ts';

test('defaults point at the native stack on loopback and the result is frozen', () => {
  const settings = loadConfig(baseSettingsSchema, baseSettingsFromEnv({}, 'watcher'));
  assert.deepEqual(settings, {
    kafkaBrokers: ['127.0.0.1:9092'],
    kafkaClientId: 'domain-guard-watcher',
    schemaRegistryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
    mongodbUri: 'mongodb://127.0.0.1:27017/domain-guard',
    topicPrefix: '',
    logLevel: 'info',
    logEmails: false,
    metricsPort: 0,
    shutdownTimeoutMs: 15_000,
  });
  assert.ok(Object.isFrozen(settings));
  assert.ok(Object.isFrozen(settings.kafkaBrokers));
});

test('every bad setting is named in one error', () => {
  const env = {
    KAFKA_BROKERS: 'localhost',
    SCHEMA_REGISTRY_URL: 'not a url',
    MONGODB_URI: 'postgres://x',
    LOG_LEVEL: 'loud',
    LOG_EMAILS: 'maybe',
    METRICS_PORT: 'ninety',
  };
  const err = (() => {
    try {
      loadConfig(baseSettingsSchema, baseSettingsFromEnv(env, 'checker'));
    } catch (caught) {
      return caught;
    }
    return undefined;
  })();
  assert.ok(err instanceof ConfigError);
  assert.deepEqual(
    err.problems.map((p) => p.split(':')[0]),
    ['kafkaBrokers.0', 'schemaRegistryUrl', 'mongodbUri', 'logLevel', 'logEmails', 'metricsPort'],
  );
  assert.match(err.message, /^invalid configuration, fix these settings:\n {2}- kafkaBrokers/);
});

test('a service schema extends the base one', () => {
  const schema = baseSettingsSchema.extend({ dryRun: z.boolean() });
  const settings = loadConfig(schema, { ...baseSettingsFromEnv({}, 'enforcer'), dryRun: true });
  assert.equal(settings.dryRun, true);
});

test('errors name the variable the operator sets, and timers cannot overflow', () => {
  const env = { KAFKA_BROKERS: 'localhost', SHUTDOWN_TIMEOUT_MS: '3000000000' };
  assert.throws(
    () => loadConfig(baseSettingsSchema, baseSettingsFromEnv(env, 'x'), BASE_ENV_NAMES),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems, [
        'KAFKA_BROKERS (kafkaBrokers.0): expected host:port',
        'SHUTDOWN_TIMEOUT_MS (shutdownTimeoutMs): at most 2147483647 ms (about 24.8 days), ' +
          'the longest timer Node sets',
      ]);
      return true;
    },
  );
});
