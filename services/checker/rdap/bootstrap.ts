import { z } from 'zod';
import { DomainGuardError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { FetchResult } from './rdap-client.ts';

export const IANA_DNS_BOOTSTRAP_URL = 'https://data.iana.org/rdap/dns.json';

/** The parsed IANA DNS bootstrap: each label suffix with its base URLs. */
export interface BootstrapIndex {
  publication: string | null;
  bySuffix: ReadonlyMap<string, readonly string[]>;
}

/** Which RDAP server answers for a name, and why. */
export interface ServerMatch {
  /** The label suffix that matched, e.g. `br` for `x.com.br`. */
  suffix: string;
  baseUrl: string;
  source: 'bootstrap' | 'override';
}

// RFC 9224 §3: `services` is an array of [[entries], [base URLs]] pairs.
const BootstrapFile = z.looseObject({
  publication: z.string().optional(),
  services: z.array(z.tuple([z.array(z.string()), z.array(z.string())], z.unknown())),
});

/** Validates and indexes a bootstrap document; throws DG_PROVIDER_FAILED when malformed. */
export function parseBootstrap(json: unknown): BootstrapIndex {
  const parsed = BootstrapFile.safeParse(json);
  if (!parsed.success) {
    throw new DomainGuardError('DG_PROVIDER_FAILED', 'the RDAP bootstrap file is malformed', {
      retriable: true,
      cause: parsed.error,
    });
  }
  const bySuffix = new Map<string, string[]>();
  for (const [entries, urls] of parsed.data.services) {
    for (const entry of entries) bySuffix.set(entry.toLowerCase(), urls);
  }
  return { publication: parsed.data.publication ?? null, bySuffix };
}

/**
 * The suffixes of a name, longest first: `a.com.br` -> `a.com.br`, `com.br`, `br`.
 * RFC 9224 §4 matches the longest run of trailing labels; today every entry is one label.
 */
export function labelSuffixes(domain: string): string[] {
  const labels = domain.toLowerCase().replace(/\.$/, '').split('.');
  return labels.map((_, index) => labels.slice(index).join('.'));
}

/** The base URL for a name in an index, or null when no entry matches. */
export function findServer(index: BootstrapIndex, domain: string): ServerMatch | null {
  for (const suffix of labelSuffixes(domain)) {
    const baseUrl = preferredUrl(index.bySuffix.get(suffix) ?? []);
    if (baseUrl !== null) return { suffix, baseUrl, source: 'bootstrap' };
  }
  return null;
}

/** RFC 9224 §3: when a service lists several base URLs, try an https one first. */
export function preferredUrl(urls: readonly string[]): string | null {
  return urls.find((url) => url.toLowerCase().startsWith('https:')) ?? urls[0] ?? null;
}

/**
 * The domain lookup URL (RFC 9082 §3.1.3): base + `domain/` + name. Base URLs should end in
 * `/` (RFC 9224 §3) but may not, and some carry a path (`/com/v1/`, `/rdap/`).
 */
export function domainQueryUrl(baseUrl: string, name: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return `${base}/domain/${encodeURIComponent(name.toLowerCase().replace(/\.$/, ''))}`;
}

export interface BootstrapOptions {
  /** Fetches the bootstrap file; the RDAP client's `get`. */
  fetch: (url: string) => Promise<FetchResult>;
  logger: Logger;
  /** @default IANA_DNS_BOOTSTRAP_URL */
  url?: string;
  /** How long a loaded file is used before it is fetched again. @default 1 day */
  refreshMs?: number;
  /** After a failed fetch, how long to wait before trying again. @default 60_000 */
  retryAfterFailureMs?: number;
  /** Servers for suffixes the bootstrap lacks or gets wrong, e.g. `{ io: 'https://…/' }`. */
  overrides?: Readonly<Record<string, string>>;
  /** A bundled bootstrap document, used while the live one cannot be fetched. */
  fallbackData?: unknown;
  /** @default Date.now */
  now?: () => number;
}

export interface Bootstrap {
  /**
   * The server for a name, or null when none is known (RFC 9224 §7: no server for that
   * value); rejects when no bootstrap is available at all.
   */
  lookup(domain: string): Promise<ServerMatch | null>;
}

export function createBootstrap(options: BootstrapOptions): Bootstrap {
  const overrides = overrideIndex(options.overrides ?? {});
  const load = createLoader(options);
  return {
    async lookup(domain) {
      const index = await load().catch((err: unknown) => {
        // An override needs no bootstrap; anything else does.
        if (findServer(overrides, domain) !== null) return null;
        throw err;
      });
      return longestMatch(overrides, index, domain);
    },
  };
}

function overrideIndex(overrides: Readonly<Record<string, string>>): BootstrapIndex {
  const bySuffix = new Map<string, string[]>();
  for (const [suffix, url] of Object.entries(overrides)) {
    bySuffix.set(suffix.toLowerCase().replace(/^\./, ''), [url]);
  }
  return { publication: null, bySuffix };
}

function longestMatch(
  overrides: BootstrapIndex,
  index: BootstrapIndex | null,
  domain: string,
): ServerMatch | null {
  for (const suffix of labelSuffixes(domain)) {
    const override = preferredUrl(overrides.bySuffix.get(suffix) ?? []);
    if (override !== null) return { suffix, baseUrl: override, source: 'override' };
    const listed = preferredUrl(index?.bySuffix.get(suffix) ?? []);
    if (listed !== null) return { suffix, baseUrl: listed, source: 'bootstrap' };
  }
  return null;
}

/**
 * RFC 9224 §8: clients should cache the registry, not fetch it per query.
 * Returns the current index: cached in memory, fetched again once `refreshMs` has passed,
 * with concurrent callers sharing one fetch. A failed refresh keeps the stale copy (the file
 * changes slowly) and is not retried before `retryAfterFailureMs`.
 */
function createLoader(options: BootstrapOptions): () => Promise<BootstrapIndex> {
  const url = options.url ?? IANA_DNS_BOOTSTRAP_URL;
  const refreshMs = options.refreshMs ?? 86_400_000;
  const retryAfterFailureMs = options.retryAfterFailureMs ?? 60_000;
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ component: 'rdap-bootstrap' });
  const state = {
    index: fallbackIndex(options.fallbackData),
    loadedAt: -Infinity,
    failedAt: -Infinity,
    lastError: null as DomainGuardError | null,
    inflight: null as Promise<BootstrapIndex> | null,
  };

  const refresh = async (): Promise<BootstrapIndex> => {
    try {
      const index = await fetchIndex(options.fetch, url);
      Object.assign(state, { index, loadedAt: now(), lastError: null });
      logger.info(
        { publication: index.publication, suffixes: index.bySuffix.size },
        'rdap bootstrap loaded',
      );
      return index;
    } catch (err) {
      const error = asBootstrapError(err);
      Object.assign(state, { failedAt: now(), lastError: error });
      logger.warn({ err: error, stale: state.index !== null }, 'rdap bootstrap fetch failed');
      throw error;
    }
  };

  return async () => {
    const { index } = state;
    if (index !== null && now() - state.loadedAt < refreshMs) return index;
    if (now() - state.failedAt < retryAfterFailureMs) {
      if (index !== null) return index;
      throw state.lastError ?? asBootstrapError(null);
    }
    state.inflight ??= refresh().finally(() => (state.inflight = null));
    return state.inflight.catch((err: unknown) => state.index ?? Promise.reject(err));
  };
}

async function fetchIndex(
  fetch: (url: string) => Promise<FetchResult>,
  url: string,
): Promise<BootstrapIndex> {
  const result = await fetch(url);
  if (!result.ok) throw result.error;
  if (result.status !== 200) {
    throw new DomainGuardError('DG_PROVIDER_FAILED', `HTTP ${result.status} from ${url}`, {
      retriable: true,
    });
  }
  return parseBootstrap(JSON.parse(result.body));
}

function fallbackIndex(data: unknown): BootstrapIndex | null {
  return data === undefined ? null : parseBootstrap(data);
}

function asBootstrapError(err: unknown): DomainGuardError {
  if (err instanceof DomainGuardError) {
    const message = `RDAP bootstrap unavailable: ${err.message}`;
    return new DomainGuardError(err.code, message, { retriable: true, cause: err });
  }
  return new DomainGuardError('DG_PROVIDER_FAILED', 'RDAP bootstrap unavailable', {
    retriable: true,
    cause: err,
  });
}
