/**
 * When to try an HTTP request again, as plain data. RFC 7480 §5.5 lets an RDAP server answer
 * 429 with or without `Retry-After`; RFC 9110 §10.2.3 gives the header two forms
 * (delta-seconds or an HTTP-date) and also allows it on 503. Like ICANN's RDAP conformance
 * tool we wait 30 s on a 429 without the header and cap what a server may ask for.
 */
export interface RetryPolicy {
  /** Attempts per URL, the first one included. */
  maxAttempts: number;
  /** First backoff delay; doubles per attempt. */
  baseDelayMs: number;
  /** Backoff never waits longer than this. */
  maxDelayMs: number;
  /** No retry starts when it would end after this much time since the first attempt. */
  budgetMs: number;
  /** Wait on a 429 that has no usable `Retry-After`. */
  defaultRetryAfterMs: number;
  /** The longest `Retry-After` honoured; longer requests are cut to this. */
  maxRetryAfterMs: number;
  /** HTTP statuses worth another attempt. */
  statuses: readonly number[];
  /** Network error codes (Node and undici) worth another attempt. */
  errorCodes: readonly string[];
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  budgetMs: 150_000,
  defaultRetryAfterMs: 30_000,
  maxRetryAfterMs: 120_000,
  statuses: [429, 500, 502, 503, 504],
  errorCodes: [
    'ECONNRESET',
    'ECONNREFUSED',
    'ECONNABORTED',
    'ETIMEDOUT',
    'EPIPE',
    'EAI_AGAIN',
    'ENETUNREACH',
    'EHOSTUNREACH',
    'UND_ERR_SOCKET',
    'UND_ERR_CLOSED',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
  ],
});

export function isRetriableStatus(policy: RetryPolicy, status: number): boolean {
  return policy.statuses.includes(status);
}

export function isRetriableErrorCode(policy: RetryPolicy, code: string | undefined): boolean {
  return code !== undefined && policy.errorCodes.includes(code);
}

/**
 * Milliseconds a `Retry-After` value asks for, or null when it is absent or unreadable.
 * A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/** Exponential backoff with equal jitter: half fixed, half random, capped. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  return Math.round(capped / 2 + (random() * capped) / 2);
}

/**
 * The wait before the next attempt after a retriable HTTP status. A server's `Retry-After`
 * wins over backoff (capped); a 429 without one waits the default.
 */
export function delayAfterStatus(
  policy: RetryPolicy,
  status: number,
  retryAfterMs: number | null,
  attempt: number,
  random: () => number,
): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  if (status === 429) return policy.defaultRetryAfterMs;
  return backoffDelay(policy, attempt, random);
}
