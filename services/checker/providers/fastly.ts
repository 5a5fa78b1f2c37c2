import { z } from 'zod';
import type { StatusProvider } from '../provider.ts';
import {
  createStatusApiProvider,
  type StatusApiOptions,
  type StatusApiSpec,
  type StatusEntry,
} from './status-api.ts';

export const FASTLY_BASE_URL = 'https://api.fastly.com';

export interface FastlyOptions extends StatusApiOptions {
  apiToken: string;
  /** @default FASTLY_BASE_URL */
  baseUrl?: string;
  /**
   * Sent as `scope` when set. Without it the API checks at the registry ("precise"), which is
   * what a lapse needs; `estimate` answers from DNS and aftermarket data only.
   */
  scope?: string;
}

// Domain Research API, `GET /domain-management/v1/tools/status?domain=`: one object with
// `domain`, `zone`, `status` (Domainr's space-separated words), `tags`, `scope`, `offers`.
const FastlyBody = z.looseObject({
  domain: z.string().optional(),
  zone: z.string().optional(),
  status: z.string(),
});

/** Fastly's domain status API as a StatusProvider named `fastly`. */
export function createFastlyProvider(options: FastlyOptions): StatusProvider {
  const base = (options.baseUrl ?? FASTLY_BASE_URL).replace(/\/+$/, '');
  const endpoint = `${base}/domain-management/v1/tools/status`;
  const scope = options.scope === undefined ? '' : `&scope=${encodeURIComponent(options.scope)}`;
  const spec: StatusApiSpec = {
    name: 'fastly',
    request(domain) {
      const url = `${endpoint}?domain=${encodeURIComponent(domain)}${scope}`;
      return { url, displayUrl: url, headers: { 'fastly-key': options.apiToken } };
    },
    entry: readFastlyEntry,
  };
  return createStatusApiProvider(spec, options);
}

export function readFastlyEntry(json: unknown, domain: string): StatusEntry {
  const parsed = FastlyBody.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'not a Fastly domain status document' };
  const answered = parsed.data.domain?.toLowerCase();
  if (answered !== undefined && answered !== domain) {
    return { ok: false, reason: `the answer is for "${answered}", not for "${domain}"` };
  }
  return { ok: true, status: parsed.data.status, zone: parsed.data.zone ?? null };
}
