import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createProvider,
  providerSettingsFromEnv,
  providerSettingsSchema,
} from '../../../services/checker/providers/create-provider.ts';
import { createLogger } from '../../../services/shared/logger.ts';

const logger = createLogger({ service: 'test', level: 'silent' });

const HTTP_DEFAULTS = {
  requestTimeoutMs: 10_000,
  perHostConcurrency: 2,
  perHostRequestsPerSecond: 5,
  maxAttempts: 4,
  maxRetryAfterMs: 120_000,
  defaultRetryAfterMs: 30_000,
  retryBudgetMs: 150_000,
};

test('an empty environment means RDAP through the IANA bootstrap, with defaults', () => {
  assert.deepEqual(providerSettingsSchema.parse(providerSettingsFromEnv({})), {
    provider: 'rdap',
    bootstrapUrl: 'https://data.iana.org/rdap/dns.json',
    bootstrapRefreshMs: 86_400_000,
    maxRedirects: 3,
    fallbackRedirectorUrl: null,
    serverOverrides: {},
    ...HTTP_DEFAULTS,
  });
});

test('environment variables are read once into the raw settings', () => {
  const env = {
    STATUS_PROVIDER: 'rdap',
    RDAP_BOOTSTRAP_URL: 'http://127.0.0.1:9/bootstrap/dns.json',
    RDAP_SERVER_OVERRIDES:
      'io=https://rdap.identitydigital.example/rdap/, de=https://rdap.de.example/',
    PROVIDER_MAX_ATTEMPTS: '2',
    PROVIDER_PER_HOST_REQUESTS_PER_SECOND: '0.5',
    DOMAINR_API_KEY: '',
    UNRELATED: 'x',
  };
  const raw = providerSettingsFromEnv(env);
  assert.deepEqual(raw, {
    provider: 'rdap',
    bootstrapUrl: 'http://127.0.0.1:9/bootstrap/dns.json',
    serverOverrides: 'io=https://rdap.identitydigital.example/rdap/, de=https://rdap.de.example/',
    maxAttempts: '2',
    perHostRequestsPerSecond: '0.5',
  });
  const settings = providerSettingsSchema.parse(raw);
  assert.deepEqual(
    [settings.provider === 'rdap' && settings.serverOverrides, settings.maxAttempts],
    [{ io: 'https://rdap.identitydigital.example/rdap/', de: 'https://rdap.de.example/' }, 2],
  );
});

test('Domainr and Fastly need their keys; every problem is listed', () => {
  const domainr = providerSettingsSchema.safeParse({ provider: 'domainr', maxAttempts: '0' });
  const fastly = providerSettingsSchema.safeParse({ provider: 'fastly', fastlyApiToken: 't' });
  const unknown = providerSettingsSchema.safeParse({ provider: 'whois' });
  assert.deepEqual(
    [
      domainr.success ? [] : domainr.error.issues.map((issue) => issue.path.join('.')),
      fastly.success && fastly.data,
      unknown.success,
    ],
    [
      ['domainrApiKey', 'maxAttempts'],
      {
        provider: 'fastly',
        fastlyBaseUrl: 'https://api.fastly.com',
        fastlyApiToken: 't',
        ...HTTP_DEFAULTS,
      },
      false,
    ],
  );
});

test('createProvider builds the provider the settings name', async () => {
  const providers = [
    createProvider(providerSettingsSchema.parse({}), logger),
    createProvider(
      providerSettingsSchema.parse({ provider: 'domainr', domainrApiKey: 'k' }),
      logger,
    ),
    createProvider(
      providerSettingsSchema.parse({ provider: 'fastly', fastlyApiToken: 't' }),
      logger,
    ),
  ];
  assert.deepEqual(
    providers.map((provider) => provider.name),
    ['rdap', 'domainr', 'fastly'],
  );
  await Promise.all(providers.map((provider) => provider.close()));
  await Promise.all(providers.map((provider) => provider.close()));
});
