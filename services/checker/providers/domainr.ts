import { z } from 'zod';
import type { StatusProvider } from '../provider.ts';
import {
  createStatusApiProvider,
  type StatusApiOptions,
  type StatusApiSpec,
  type StatusEntry,
} from './status-api.ts';

export const DOMAINR_BASE_URL = 'https://api.domainr.com';

export interface DomainrOptions extends StatusApiOptions {
  apiKey: string;
  /** @default DOMAINR_BASE_URL */
  baseUrl?: string;
  /**
   * The query parameter that carries the key: `client_id` for Domainr's own endpoint,
   * `mashape-key` behind its API marketplace. @default 'client_id'
   */
  keyParam?: string;
}

// `GET /v2/status?domain=` answers {"status":[{"domain","zone","status","summary"}]};
// `summary` is deprecated and ignored. Errors come back as {"errors":[{"message"}]}.
const DomainrBody = z.looseObject({
  status: z
    .array(z.looseObject({ domain: z.string(), zone: z.string().optional(), status: z.string() }))
    .optional(),
  errors: z.array(z.looseObject({ message: z.string().optional() })).optional(),
});

/** The Domainr Status API as a StatusProvider named `domainr`. */
export function createDomainrProvider(options: DomainrOptions): StatusProvider {
  const base = (options.baseUrl ?? DOMAINR_BASE_URL).replace(/\/+$/, '');
  const keyParam = options.keyParam ?? 'client_id';
  const spec: StatusApiSpec = {
    name: 'domainr',
    request(domain) {
      const displayUrl = `${base}/v2/status?domain=${encodeURIComponent(domain)}`;
      const url = `${displayUrl}&${keyParam}=${encodeURIComponent(options.apiKey)}`;
      return { url, displayUrl, headers: {} };
    },
    entry: readDomainrEntry,
  };
  return createStatusApiProvider(spec, options);
}

export function readDomainrEntry(json: unknown, domain: string): StatusEntry {
  const parsed = DomainrBody.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'not a Domainr status document' };
  const message = parsed.data.errors?.[0]?.message;
  if (message !== undefined) return { ok: false, reason: `Domainr error: ${message}` };
  const entry = parsed.data.status?.find((item) => item.domain.toLowerCase() === domain);
  if (entry === undefined) return { ok: false, reason: `no status for "${domain}"` };
  return { ok: true, status: entry.status, zone: entry.zone ?? null };
}
