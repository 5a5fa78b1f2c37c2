import { z } from 'zod';
import { durationMs as timerMs } from '../../shared/config.ts';
import type { Logger } from '../../shared/logger.ts';
import type { StatusProvider } from '../provider.ts';
import { IANA_DNS_BOOTSTRAP_URL } from '../rdap/bootstrap.ts';
import { rateToInterval } from '../rdap/host-limiter.ts';
import type { RdapClientOptions } from '../rdap/rdap-client.ts';
import { createRdapProvider } from '../rdap/rdap-provider.ts';
import { createDomainrProvider, DOMAINR_BASE_URL } from './domainr.ts';
import { createFastlyProvider, FASTLY_BASE_URL } from './fastly.ts';

const count = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
/** Providers speak HTTP; a file: or ftp: URL would only fail later, on every check. */
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

const durationMs = (fallback: number) => z.coerce.number().pipe(timerMs).default(fallback);

/** Settings every provider shares: its HTTP client's limits and retry policy. */
const httpFields = {
  requestTimeoutMs: durationMs(10_000),
  perHostConcurrency: count(1, 64, 2),
  perHostRequestsPerSecond: z.coerce.number().positive().max(1000).default(5),
  maxAttempts: count(1, 10, 4),
  /** Longest `Retry-After` honoured (ICANN's conformance tool caps at 120 s). */
  maxRetryAfterMs: durationMs(120_000),
  /** Wait on a 429 without `Retry-After` (ICANN's conformance tool waits 30 s). */
  defaultRetryAfterMs: durationMs(30_000),
  /** No retry starts past this much time since the first attempt. */
  retryBudgetMs: durationMs(150_000),
};

/** `io=https://a.example/rdap/,de=https://b.example/` -> { io: ..., de: ... }. */
function parseOverrides(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const pairs = value.split(/[,\s]+/).filter((pair) => pair !== '');
  return Object.fromEntries(
    pairs.map((pair) => [pair.split('=')[0], pair.split('=').slice(1).join('=')]),
  );
}

export const rdapSettingsSchema = z.object({
  provider: z.literal('rdap'),
  bootstrapUrl: httpUrl.default(IANA_DNS_BOOTSTRAP_URL),
  bootstrapRefreshMs: durationMs(86_400_000),
  maxRedirects: count(0, 10, 3),
  /** A redirector (rdap.org style) asked for TLDs the bootstrap lacks; off when null. */
  fallbackRedirectorUrl: httpUrl.nullable().default(null),
  /** Registry servers for suffixes the bootstrap lacks, e.g. { io: 'https://…/' }. */
  serverOverrides: z.preprocess(parseOverrides, z.record(z.string(), httpUrl)).default({}),
  ...httpFields,
});

export const domainrSettingsSchema = z.object({
  provider: z.literal('domainr'),
  domainrBaseUrl: httpUrl.default(DOMAINR_BASE_URL),
  domainrApiKey: z.string().min(1),
  domainrKeyParam: z.string().min(1).default('client_id'),
  ...httpFields,
});

export const fastlySettingsSchema = z.object({
  provider: z.literal('fastly'),
  fastlyBaseUrl: httpUrl.default(FASTLY_BASE_URL),
  fastlyApiToken: z.string().min(1),
  fastlyScope: z.string().min(1).optional(),
  ...httpFields,
});

/** Which status provider to use and how; `provider` defaults to `rdap`. */
export const providerSettingsSchema = z.preprocess(
  (value) =>
    typeof value === 'object' && value !== null && !('provider' in value && value.provider)
      ? { ...value, provider: 'rdap' }
      : value,
  z.discriminatedUnion('provider', [
    rdapSettingsSchema,
    domainrSettingsSchema,
    fastlySettingsSchema,
  ]),
);

export type ProviderSettings = z.output<typeof providerSettingsSchema>;
export type RdapSettings = z.output<typeof rdapSettingsSchema>;
export type DomainrSettings = z.output<typeof domainrSettingsSchema>;
export type FastlySettings = z.output<typeof fastlySettingsSchema>;

/** The environment variable behind each setting. */
export const PROVIDER_ENV = {
  provider: 'STATUS_PROVIDER',
  bootstrapUrl: 'RDAP_BOOTSTRAP_URL',
  bootstrapRefreshMs: 'RDAP_BOOTSTRAP_REFRESH_MS',
  maxRedirects: 'RDAP_MAX_REDIRECTS',
  fallbackRedirectorUrl: 'RDAP_FALLBACK_REDIRECTOR_URL',
  serverOverrides: 'RDAP_SERVER_OVERRIDES',
  requestTimeoutMs: 'PROVIDER_REQUEST_TIMEOUT_MS',
  perHostConcurrency: 'PROVIDER_PER_HOST_CONCURRENCY',
  perHostRequestsPerSecond: 'PROVIDER_PER_HOST_REQUESTS_PER_SECOND',
  maxAttempts: 'PROVIDER_MAX_ATTEMPTS',
  maxRetryAfterMs: 'PROVIDER_MAX_RETRY_AFTER_MS',
  defaultRetryAfterMs: 'PROVIDER_DEFAULT_RETRY_AFTER_MS',
  retryBudgetMs: 'PROVIDER_RETRY_BUDGET_MS',
  domainrBaseUrl: 'DOMAINR_BASE_URL',
  domainrApiKey: 'DOMAINR_API_KEY',
  domainrKeyParam: 'DOMAINR_KEY_PARAM',
  fastlyBaseUrl: 'FASTLY_BASE_URL',
  fastlyApiToken: 'FASTLY_API_TOKEN',
  fastlyScope: 'FASTLY_SCOPE',
} as const;

/** The raw settings found in the environment, for providerSettingsSchema to validate. */
export function providerSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const [field, name] of Object.entries(PROVIDER_ENV)) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') raw[field] = value;
  }
  return raw;
}

/** Builds the provider the settings name. The caller owns it and must `close()` it. */
export function createProvider(settings: ProviderSettings, logger: Logger): StatusProvider {
  switch (settings.provider) {
    case 'rdap':
      return createRdapProvider({
        logger,
        bootstrapUrl: settings.bootstrapUrl,
        bootstrapRefreshMs: settings.bootstrapRefreshMs,
        serverOverrides: settings.serverOverrides,
        fallbackRedirectorUrl: settings.fallbackRedirectorUrl,
        http: { ...httpOptions(settings), maxRedirects: settings.maxRedirects },
      });
    case 'domainr':
      return createDomainrProvider({
        logger,
        apiKey: settings.domainrApiKey,
        baseUrl: settings.domainrBaseUrl,
        keyParam: settings.domainrKeyParam,
        http: httpOptions(settings),
      });
    case 'fastly':
      return createFastlyProvider({
        logger,
        apiToken: settings.fastlyApiToken,
        baseUrl: settings.fastlyBaseUrl,
        scope: settings.fastlyScope,
        http: httpOptions(settings),
      });
  }
}

type HttpSettings = Pick<RdapSettings, keyof typeof httpFields>;

function httpOptions(settings: HttpSettings): Omit<RdapClientOptions, 'logger'> {
  const { intervalCap, intervalMs } = rateToInterval(settings.perHostRequestsPerSecond);
  return {
    requestTimeoutMs: settings.requestTimeoutMs,
    perHostConcurrency: settings.perHostConcurrency,
    perHostIntervalCap: intervalCap,
    perHostIntervalMs: intervalMs,
    retry: {
      maxAttempts: settings.maxAttempts,
      maxRetryAfterMs: settings.maxRetryAfterMs,
      defaultRetryAfterMs: settings.defaultRetryAfterMs,
      budgetMs: settings.retryBudgetMs,
    },
  };
}
