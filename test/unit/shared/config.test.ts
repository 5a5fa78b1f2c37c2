import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import {
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
