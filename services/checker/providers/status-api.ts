import type { Logger } from '../../shared/logger.ts';
import type { Evidence, LifecycleState } from '../../shared/records.ts';
import { bareEvidence, type CheckContext, type StatusProvider, type Verdict } from '../provider.ts';
import {
  createRdapClient,
  failureReason,
  type FetchResult,
  type RdapClientOptions,
} from '../rdap/rdap-client.ts';
import { classifyStatusWords } from './status-vocabulary.ts';

/** One HTTP request to a status API. */
export interface StatusRequest {
  /** The URL to fetch; may carry a key, so it is never logged or stored. */
  url: string;
  /** The same URL without secrets, for evidence. */
  displayUrl: string;
  headers: Record<string, string>;
}

/** The status entry for one domain, or why the body has none. */
export type StatusEntry =
  { ok: true; status: string; zone: string | null } | { ok: false; reason: string };

/** What differs between Domainr and Fastly: where to ask, and where the answer sits. */
export interface StatusApiSpec {
  name: string;
  request(domain: string): StatusRequest;
  entry(body: unknown, domain: string): StatusEntry;
}

export interface StatusApiOptions {
  logger: Logger;
  /** Timeouts, per-host limits and retry policy of the HTTP client. */
  http?: Omit<RdapClientOptions, 'logger' | 'component' | 'accept'>;
  /** @default Date.now */
  now?: () => number;
}

/** A StatusProvider for an API that answers with Domainr status words. */
export function createStatusApiProvider(
  spec: StatusApiSpec,
  options: StatusApiOptions,
): StatusProvider {
  const logger = options.logger.child({ provider: spec.name });
  const client = createRdapClient({
    ...options.http,
    logger,
    component: `${spec.name}-client`,
    accept: 'application/json',
    // An API answers from one place; redirects would only move the key around.
    maxRedirects: 0,
  });
  const now = options.now ?? Date.now;

  return {
    name: spec.name,
    async check(domain: string, context: CheckContext): Promise<Verdict> {
      const name = domain.toLowerCase().replace(/\.$/, '');
      const request = spec.request(name);
      const result = await client.get(request.url, {
        signal: context.signal,
        headers: request.headers,
      });
      const { state, evidence } = judge(spec, result, request.displayUrl, name);
      logger.info(
        { domain: name, state, httpStatus: evidence.httpStatus },
        'status check finished',
      );
      return { domain: name, state, provider: spec.name, observedAt: now(), evidence };
    },
    close: () => client.close(),
  };
}

interface Judgement {
  state: LifecycleState;
  evidence: Evidence;
}

function judge(
  spec: StatusApiSpec,
  result: FetchResult,
  server: string,
  domain: string,
): Judgement {
  if (!result.ok) {
    return unknown(server, result.status, failureReason(result));
  }
  if (result.status === 401 || result.status === 403) {
    return unknown(server, result.status, `refused with HTTP ${result.status}: check the API key`);
  }
  if (result.status !== 200) return unknown(server, result.status, `HTTP ${result.status}`);

  const entry = readEntry(spec, result.body, domain);
  if (!entry.ok) return unknown(server, result.status, `malformed answer: ${entry.reason}`);
  const verdict = classifyStatusWords(entry.status);
  const detail =
    verdict.decidedBy === null
      ? `status "${entry.status}" has no lifecycle word`
      : `status "${entry.status}": "${verdict.decidedBy}" decides`;
  return {
    state: verdict.state,
    evidence: { ...bareEvidence(server, 200, detail), statuses: verdict.words },
  };
}

function readEntry(spec: StatusApiSpec, body: string, domain: string): StatusEntry {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'the body is not JSON' };
  }
  return spec.entry(json, domain);
}

function unknown(server: string, httpStatus: number | null, detail: string): Judgement {
  return { state: 'unknown', evidence: bareEvidence(server, httpStatus, detail) };
}
