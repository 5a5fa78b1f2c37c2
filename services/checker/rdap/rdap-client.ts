import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { DomainGuardError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { createHostLimiter, type HostLimiter } from './host-limiter.ts';
import {
  DEFAULT_RETRY_POLICY,
  delayAfterStatus,
  backoffDelay,
  isRetriableErrorCode,
  isRetriableStatus,
  parseRetryAfter,
  type RetryPolicy,
} from './retry-policy.ts';

/**
 * RFC 7480 §4.2 asks for `application/rdap+json`; AFNIC once refused it alone and servers
 * may answer `application/json`, so both are accepted (NOTES.md §5.7).
 */
export const RDAP_ACCEPT = 'application/rdap+json, application/json;q=0.9, */*;q=0.5';

export const DEFAULT_USER_AGENT = 'domain-guard/0.1 (domain lifecycle checker)';

export interface RdapClientOptions {
  logger: Logger;
  /** Names the component in logs, e.g. `rdap-client` or `domainr-client`. */
  component?: string;
  /** @default RDAP_ACCEPT */
  accept?: string;
  /** Some registries refuse requests without one. @default DEFAULT_USER_AGENT */
  userAgent?: string;
  /** @default 10_000 */
  requestTimeoutMs?: number;
  /** Redirects followed per request (RFC 7480 §5.2). @default 3 */
  maxRedirects?: number;
  /** @default 2 */
  perHostConcurrency?: number;
  /** Requests started per interval per host. @default 5 */
  perHostIntervalCap?: number;
  /** @default 1000 */
  perHostIntervalMs?: number;
  /** Bodies larger than this are refused. @default 4 MiB */
  maxBodyBytes?: number;
  /** Idle keep-alive connections are closed after this. @default 30_000 */
  keepAliveTimeoutMs?: number;
  /** Overrides of DEFAULT_RETRY_POLICY. */
  retry?: Partial<RetryPolicy>;
  /** Source of jitter; tests pin it. @default Math.random */
  random?: () => number;
}

export interface GetOptions {
  signal?: AbortSignal;
  /** Extra request headers (an API key, say). Never logged. */
  headers?: Record<string, string>;
}

/** Why a GET gave up, for evidence: `connect ECONNREFUSED (UND_ERR_..., 3 attempts)`. */
export function failureReason(result: Extract<FetchResult, { ok: false }>): string {
  const tries = result.attempts === 1 ? '1 attempt' : `${result.attempts} attempts`;
  return `${result.error.message} (${result.error.code}, ${tries})`;
}

/** The last answer of a GET, after redirects and retries. */
export type FetchResult =
  | {
      ok: true;
      /** The URL that answered, after redirects. */
      url: string;
      status: number;
      headers: IncomingHttpHeaders;
      body: string;
      redirected: boolean;
      attempts: number;
    }
  | {
      ok: false;
      url: string;
      /** The last HTTP status seen, if any. */
      status: number | null;
      redirected: boolean;
      attempts: number;
      error: DomainGuardError;
    };

export interface RdapClient {
  /** Resolves for every HTTP outcome; rejects only when `options.signal` aborts. */
  get(url: string, options?: GetOptions): Promise<FetchResult>;
  /** Drops queued requests and closes idle connections; idempotent. */
  close(): Promise<void>;
}

interface Settings {
  component: string;
  accept: string;
  userAgent: string;
  requestTimeoutMs: number;
  maxRedirects: number;
  maxBodyBytes: number;
  retry: RetryPolicy;
  random: () => number;
}

type Attempt =
  | { kind: 'response'; status: number; headers: IncomingHttpHeaders; body: string }
  | { kind: 'error'; error: DomainGuardError };

const REDIRECT_STATUSES = [301, 302, 303, 307, 308];

export function createRdapClient(options: RdapClientOptions): RdapClient {
  const settings = resolveSettings(options);
  const concurrency = options.perHostConcurrency ?? 2;
  const agent = new Agent({
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    connections: concurrency,
  });
  const limiter = createHostLimiter({
    concurrency,
    intervalCap: options.perHostIntervalCap ?? 5,
    intervalMs: options.perHostIntervalMs ?? 1000,
  });
  const logger = options.logger.child({ component: settings.component });
  const transport: Transport = { agent, limiter, settings, logger };
  let closing: Promise<void> | null = null;

  return {
    async get(url, getOptions = {}) {
      const target = URL.parse(url);
      if (target === null || !['http:', 'https:'].includes(target.protocol)) {
        const error = new DomainGuardError('DG_PROVIDER_FAILED', `not an http(s) URL: ${url}`);
        return { ok: false, url, status: null, redirected: false, attempts: 0, error };
      }
      return followRedirects(transport, target.href, getOptions);
    },
    close() {
      limiter.clear();
      closing ??= agent.close();
      return closing;
    },
  };
}

function resolveSettings(options: RdapClientOptions): Settings {
  const retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const settings: Settings = {
    component: options.component ?? 'rdap-client',
    accept: options.accept ?? RDAP_ACCEPT,
    userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    maxRedirects: options.maxRedirects ?? 3,
    maxBodyBytes: options.maxBodyBytes ?? 4 * 1024 * 1024,
    retry,
    random: options.random ?? Math.random,
  };
  // Checked at construction, so a bad setting fails at start-up and not on the first check.
  for (const [name, value] of Object.entries({ ...retry, ...settings })) {
    if (typeof value === 'number' && !(value >= 0 && value !== Infinity)) {
      throw new DomainGuardError('DG_CONFIG_INVALID', `${name} must be a finite number >= 0`);
    }
  }
  if (retry.maxAttempts < 1 || settings.requestTimeoutMs <= 0) {
    throw new DomainGuardError('DG_CONFIG_INVALID', 'maxAttempts and requestTimeoutMs must be > 0');
  }
  return settings;
}

interface Transport {
  agent: Agent;
  limiter: HostLimiter;
  settings: Settings;
  logger: Logger;
}

/**
 * Follows redirects by hand (RFC 7480 §5.2) so the caller learns which server gave the final
 * answer: a 404 from a registry reached through a redirector is authoritative, a 404 from
 * the redirector itself is not.
 */
async function followRedirects(
  t: Transport,
  url: string,
  options: GetOptions,
): Promise<FetchResult> {
  const deadline = Date.now() + t.settings.retry.budgetMs;
  let current = url;
  let attempts = 0;
  for (let hop = 0; hop <= t.settings.maxRedirects; hop++) {
    const result = await fetchWithRetry(t, current, deadline, options);
    attempts += result.attempts;
    const redirected = hop > 0;
    if (!result.ok || !REDIRECT_STATUSES.includes(result.status)) {
      return { ...result, redirected, attempts };
    }
    const next = redirectTarget(current, result.headers.location);
    if (next instanceof DomainGuardError) {
      return { ok: false, url: current, status: result.status, redirected, attempts, error: next };
    }
    current = next;
  }
  const error = new DomainGuardError('DG_PROVIDER_FAILED', 'too many redirects');
  return { ok: false, url: current, status: null, redirected: true, attempts, error };
}

/** The absolute URL a redirect points to, or why it is not followed. */
export function redirectTarget(
  from: string,
  location: string | string[] | undefined,
): string | DomainGuardError {
  const value = Array.isArray(location) ? location[0] : location;
  if (value === undefined || value === '') {
    return new DomainGuardError('DG_PROVIDER_FAILED', 'redirect without a Location header');
  }
  const target = URL.parse(value, from);
  if (target === null) {
    return new DomainGuardError('DG_PROVIDER_FAILED', 'redirect to an invalid URL');
  }
  // Never follow a redirect from https down to plain http.
  if (new URL(from).protocol === 'https:' && target.protocol !== 'https:') {
    return new DomainGuardError('DG_PROVIDER_FAILED', `refused redirect to ${target.origin}`);
  }
  return target.href;
}

async function fetchWithRetry(
  t: Transport,
  url: string,
  deadline: number,
  options: GetOptions,
): Promise<FetchResult> {
  const host = new URL(url).host;
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(t, url, deadline, options);
    if (outcome.kind === 'response' && !isRetriableStatus(t.settings.retry, outcome.status)) {
      return { ok: true, url, ...outcome, redirected: false, attempts: attempt };
    }

    const status = outcome.kind === 'response' ? outcome.status : null;
    const plan = planRetry(t.settings, outcome, attempt);
    const stop = stopReason(t.settings, plan, attempt, deadline);
    if (stop !== null) {
      logGaveUp(t, url, { attempt, status, error: plan.error, reason: stop });
      return { ok: false, url, status, redirected: false, attempts: attempt, error: plan.error };
    }

    // RFC 7480 §5.5: a 429 (or a 503 with Retry-After) throttles the whole host.
    if (status === 429 || status === 503) t.limiter.pause(host, plan.delayMs);
    logRetry(t, url, { attempt, status, delayMs: plan.delayMs, error: plan.error });
    await sleep(plan.delayMs, undefined, { signal: options.signal });
  }
}

interface RetryPlan {
  retriable: boolean;
  delayMs: number;
  error: DomainGuardError;
}

/** How long to wait before trying again after a failed attempt, and what went wrong. */
function planRetry(s: Settings, outcome: Attempt, attempt: number): RetryPlan {
  if (outcome.kind === 'error') {
    const delayMs = backoffDelay(s.retry, attempt, s.random);
    return { retriable: outcome.error.retriable, delayMs, error: outcome.error };
  }
  const header = outcome.headers['retry-after'];
  const retryAfter = parseRetryAfter(Array.isArray(header) ? header[0] : header, Date.now());
  const delayMs = delayAfterStatus(s.retry, outcome.status, retryAfter, attempt, s.random);
  const code = outcome.status === 429 ? 'DG_PROVIDER_RATE_LIMITED' : 'DG_PROVIDER_FAILED';
  const error = new DomainGuardError(code, `HTTP ${outcome.status}`, { retriable: true });
  return { retriable: true, delayMs, error };
}

function stopReason(
  s: Settings,
  plan: RetryPlan,
  attempt: number,
  deadline: number,
): string | null {
  if (!plan.retriable) return 'not retriable';
  if (attempt >= s.retry.maxAttempts) return `gave up after ${attempt} attempts`;
  if (Date.now() + plan.delayMs >= deadline) return 'retry budget exhausted';
  return null;
}

async function attemptOnce(
  t: Transport,
  url: string,
  deadline: number,
  options: GetOptions,
): Promise<Attempt> {
  const host = new URL(url).host;
  const wait = t.limiter.pausedFor(host);
  if (Date.now() + wait >= deadline) {
    const message = `${host} asked to wait beyond the retry budget`;
    return { kind: 'error', error: new DomainGuardError('DG_PROVIDER_RATE_LIMITED', message) };
  }
  if (wait > 0) await sleep(wait, undefined, { signal: options.signal });
  const timeoutMs = Math.min(t.settings.requestTimeoutMs, deadline - Date.now());
  try {
    return await t.limiter.run(host, () => send(t, url, timeoutMs, options));
  } catch (err) {
    if (options.signal?.aborted) throw err;
    // close() rejects queued work; the caller still gets an outcome, not a rejection.
    const error = new DomainGuardError('DG_PROVIDER_FAILED', 'the client was closed', {
      cause: err,
    });
    return { kind: 'error', error };
  }
}

async function send(
  t: Transport,
  url: string,
  timeoutMs: number,
  options: GetOptions,
): Promise<Attempt> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const target = new URL(url);
  const started = Date.now();
  try {
    const response = await t.agent.request({
      origin: target.origin,
      path: target.pathname + target.search,
      method: 'GET',
      headers: {
        accept: t.settings.accept,
        'user-agent': t.settings.userAgent,
        ...options.headers,
      },
      signal,
    });
    const body = await readBody(response.body, t.settings.maxBodyBytes);
    const fields = { host: target.host, path: target.pathname, status: response.statusCode };
    t.logger.debug({ ...fields, ms: Date.now() - started }, 'http response');
    return { kind: 'response', status: response.statusCode, headers: response.headers, body };
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason;
    return { kind: 'error', error: toTransportError(t.settings, err, timeout.aborted, timeoutMs) };
  }
}

async function readBody(
  body: AsyncIterable<Buffer> & { destroy(): void },
  maxBytes: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw new DomainGuardError('DG_PROVIDER_FAILED', `answer larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function toTransportError(
  s: Settings,
  err: unknown,
  timedOut: boolean,
  timeoutMs: number,
): DomainGuardError {
  if (err instanceof DomainGuardError) return err;
  if (timedOut) {
    const message = `no answer within ${timeoutMs} ms`;
    return new DomainGuardError('DG_PROVIDER_TIMEOUT', message, { retriable: true, cause: err });
  }
  const code = errorCode(err);
  const retriable = isRetriableErrorCode(s.retry, code);
  const message = `request failed: ${code ?? (err instanceof Error ? err.message : String(err))}`;
  return new DomainGuardError('DG_PROVIDER_FAILED', message, { retriable, cause: err });
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return 'cause' in err ? errorCode(err.cause) : undefined;
}

interface RetryLog {
  attempt: number;
  status: number | null;
  delayMs: number;
  error: DomainGuardError;
}

function logRetry(t: Transport, url: string, entry: RetryLog): void {
  const { host, pathname } = new URL(url);
  const { error, ...fields } = entry;
  t.logger.warn({ host, path: pathname, ...fields, code: error.code }, 'http request retrying');
}

interface GaveUpLog {
  attempt: number;
  status: number | null;
  error: DomainGuardError;
  reason: string;
}

function logGaveUp(t: Transport, url: string, entry: GaveUpLog): void {
  const { host, pathname } = new URL(url);
  const { error, ...fields } = entry;
  t.logger.warn({ host, path: pathname, ...fields, err: error }, 'http request failed');
}
