import type { Evidence, LifecycleState } from '../shared/records.ts';

/** Evidence that holds only where the answer came from and why it decided nothing more. */
export function bareEvidence(
  server: string | null,
  httpStatus: number | null,
  detail: string,
): Evidence {
  return {
    server,
    httpStatus,
    statuses: [],
    events: [],
    registeredAt: null,
    expiresAt: null,
    handle: null,
    detail,
  };
}

/** What the checker knows about a domain when it asks a provider. */
export interface CheckContext {
  /** Epoch ms when the earliest still-verified address at the domain was verified. */
  oldestVerifiedAt: number | null;
  signal?: AbortSignal;
}

export interface Verdict {
  domain: string;
  state: LifecycleState;
  provider: string;
  observedAt: number;
  evidence: Evidence;
}

/**
 * A source of domain lifecycle answers (RDAP, Domainr, Fastly). `check` resolves for every
 * outcome the provider can produce, failures included: a timeout, a refusal or a malformed
 * answer is a verdict of `unknown` with the reason in `evidence.detail`, never a lapse and
 * never a rejection. It rejects only for programming errors or when `signal` aborts.
 */
export interface StatusProvider {
  readonly name: string;
  check(domain: string, context: CheckContext): Promise<Verdict>;
  /** Releases connection pools; idempotent. */
  close(): Promise<void>;
}
