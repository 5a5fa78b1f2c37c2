import type { Logger } from '../../shared/logger.ts';
import { classify, type RdapOutcome } from '../classify.ts';
import type { CheckContext, StatusProvider, Verdict } from '../provider.ts';
import { createBootstrap, domainQueryUrl, type Bootstrap } from './bootstrap.ts';
import {
  createRdapClient,
  failureReason,
  type FetchResult,
  type RdapClientOptions,
} from './rdap-client.ts';

/** Redirectors answer 302 to the registry, or 404 for TLDs they do not know (NOTES.md §5.2). */
export const KNOWN_REDIRECTORS: readonly string[] = ['https://rdap.org/'];

export interface RdapProviderOptions {
  logger: Logger;
  /** @default IANA_DNS_BOOTSTRAP_URL */
  bootstrapUrl?: string;
  /** @default 1 day */
  bootstrapRefreshMs?: number;
  /** A bundled copy of the bootstrap, used while the live one cannot be fetched. */
  bootstrapFallbackData?: unknown;
  /** Registry servers for suffixes missing from the bootstrap, e.g. `{ io: 'https://…/' }`. */
  serverOverrides?: Readonly<Record<string, string>>;
  /** A redirector asked for TLDs with no known server. @default null (answer unknown) */
  fallbackRedirectorUrl?: string | null;
  /** Base URLs whose own 404 is no verdict. @default KNOWN_REDIRECTORS */
  redirectorUrls?: readonly string[];
  /** Timeouts, redirects, per-host limits and retry policy of the HTTP client. */
  http?: Omit<RdapClientOptions, 'logger' | 'component'>;
  /** @default Date.now */
  now?: () => number;
}

export function createRdapProvider(options: RdapProviderOptions): StatusProvider {
  const logger = options.logger.child({ provider: 'rdap' });
  const client = createRdapClient({ ...options.http, logger, component: 'rdap-client' });
  const bootstrap = createBootstrap({
    fetch: (url) => client.get(url),
    logger,
    url: options.bootstrapUrl,
    refreshMs: options.bootstrapRefreshMs,
    overrides: options.serverOverrides,
    fallbackData: options.bootstrapFallbackData,
  });
  const fallback = options.fallbackRedirectorUrl ?? null;
  const redirectors = [
    ...(options.redirectorUrls ?? KNOWN_REDIRECTORS),
    ...(fallback ? [fallback] : []),
  ];
  const lookup: Lookup = { bootstrap, fallback, redirectors, get: client.get };
  const now = options.now ?? Date.now;

  return {
    name: 'rdap',
    async check(domain: string, context: CheckContext): Promise<Verdict> {
      const name = domain.toLowerCase().replace(/\.$/, '');
      const outcome = await lookUp(lookup, name, context.signal);
      const observedAt = now();
      const oldestVerifiedAt = context.oldestVerifiedAt;
      const { state, evidence } = classify(outcome, {
        domain: name,
        oldestVerifiedAt,
        now: observedAt,
      });
      const fields = {
        domain: name,
        state,
        server: evidence.server,
        httpStatus: evidence.httpStatus,
      };
      logger.info(fields, 'rdap check finished');
      return { domain: name, state, provider: 'rdap', observedAt, evidence };
    },
    close: () => client.close(),
  };
}

interface Lookup {
  bootstrap: Bootstrap;
  fallback: string | null;
  redirectors: readonly string[];
  get: (url: string, options: { signal?: AbortSignal }) => Promise<FetchResult>;
}

async function lookUp(lookup: Lookup, name: string, signal?: AbortSignal): Promise<RdapOutcome> {
  let baseUrl: string | null;
  try {
    baseUrl = (await lookup.bootstrap.lookup(name))?.baseUrl ?? lookup.fallback;
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'RDAP bootstrap unavailable';
    return { kind: 'failed', server: null, httpStatus: null, reason };
  }
  if (baseUrl === null) return { kind: 'no_server', tld: name.slice(name.lastIndexOf('.') + 1) };

  const result = await lookup.get(domainQueryUrl(baseUrl, name), { signal });
  return toOutcome(result, lookup.redirectors);
}

/** Reads the HTTP result; which server answered decides whether a 404 is a verdict. */
export function toOutcome(result: FetchResult, redirectors: readonly string[]): RdapOutcome {
  if (!result.ok) {
    const reason = failureReason(result);
    return { kind: 'failed', server: result.url, httpStatus: result.status, reason };
  }
  if (result.status === 404) {
    // Who said 404 decides, however the request got there: a registry reached through a
    // redirect is authoritative, a redirector (even one redirected to) is not.
    const authoritative = !isUnder(result.url, redirectors);
    return { kind: 'not_found', server: result.url, authoritative };
  }
  if (result.status < 200 || result.status > 299) {
    return {
      kind: 'failed',
      server: result.url,
      httpStatus: result.status,
      reason: `HTTP ${result.status}`,
    };
  }
  return parseAnswer(result);
}

function parseAnswer(result: Extract<FetchResult, { ok: true }>): RdapOutcome {
  try {
    return {
      kind: 'answer',
      server: result.url,
      httpStatus: result.status,
      body: JSON.parse(result.body),
      answeredAt: httpDate(result.headers.date),
    };
  } catch {
    const reason = 'malformed answer: the body is not JSON';
    return { kind: 'failed', server: result.url, httpStatus: result.status, reason };
  }
}

/** The HTTP `Date` header as epoch ms; a missing or unparsable one is no evidence. */
function httpDate(header: string | undefined): number | null {
  if (header === undefined) return null;
  const ms = Date.parse(header);
  return Number.isNaN(ms) ? null : ms;
}

function isUnder(url: string, bases: readonly string[]): boolean {
  return bases.some((base) => url.startsWith(`${base.replace(/\/+$/, '')}/`));
}
