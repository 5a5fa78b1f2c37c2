import { createHash } from 'node:crypto';
import { registrableDomain } from '../shared/email-domain.ts';
import { MalformedMessageError } from '../shared/errors.ts';
import { maskIfAddress, type Logger } from '../shared/logger.ts';
import {
  CHECK_REASONS,
  isLapsed,
  type DomainCheckRequest,
  type DomainLapsed,
  type DomainStatus,
} from '../shared/records.ts';
import type { StatusProvider } from './provider.ts';

export interface CheckerDeps {
  provider: StatusProvider;
  /** Both resolve once Kafka acknowledged the record. */
  publishStatus(status: DomainStatus): Promise<void>;
  publishLapsed(lapsed: DomainLapsed): Promise<void>;
}

export interface Checker {
  handle(request: DomainCheckRequest, logger: Logger): Promise<DomainStatus>;
}

export function createChecker(deps: CheckerDeps): Checker {
  return {
    async handle(request, logger) {
      const verdict = await deps.provider.check(request.domain, {
        oldestVerifiedAt: request.oldestVerifiedAt,
      });
      const status: DomainStatus = {
        checkId: request.checkId,
        domain: request.domain,
        state: verdict.state,
        provider: verdict.provider,
        observedAt: verdict.observedAt,
        evidence: verdict.evidence,
      };
      // The lapse goes first: if we crash between the two, the redelivered check publishes
      // both again, and the enforcer recognises the lapse by its id.
      if (isLapsed(status.state)) await deps.publishLapsed(toLapsed(status));
      await deps.publishStatus(status);
      logStatus(logger, status);
      return status;
    },
  };
}

/**
 * The same check and state always give the same lapse id, so a replayed check cannot make
 * the enforcer act twice.
 */
export function lapseIdFor(checkId: string, domain: string, state: string): string {
  return createHash('sha256').update(`${checkId}\n${domain}\n${state}`).digest('hex').slice(0, 32);
}

function toLapsed(status: DomainStatus): DomainLapsed {
  if (!isLapsed(status.state)) throw new Error(`state ${status.state} is not a lapse`);
  return {
    lapseId: lapseIdFor(status.checkId, status.domain, status.state),
    checkId: status.checkId,
    domain: status.domain,
    state: status.state,
    provider: status.provider,
    observedAt: status.observedAt,
    registeredAt: status.state === 'reregistered' ? status.evidence.registeredAt : null,
    detail: status.evidence.detail,
  };
}

function logStatus(logger: Logger, status: DomainStatus): void {
  const fields = {
    domain: status.domain,
    state: status.state,
    provider: status.provider,
    checkId: status.checkId,
    detail: status.evidence.detail,
  };
  if (status.state === 'unknown') logger.warn(fields, 'domain state unknown');
  else if (isLapsed(status.state)) logger.warn(fields, 'domain lapsed');
  else logger.info(fields, 'domain checked');
}

/** Rejects a check request no producer of ours would write, before any provider is asked. */
export function parseCheckRequest(value: unknown): DomainCheckRequest {
  const request = value as DomainCheckRequest;
  if (!(CHECK_REASONS as readonly string[]).includes(request.reason)) {
    throw new MalformedMessageError(`unknown check reason "${String(request.reason)}"`);
  }
  const mapped = registrableDomain(request.domain);
  const shown = maskIfAddress(request.domain);
  if (!mapped.ok) {
    throw new MalformedMessageError(`domain "${shown}" is not checkable: ${mapped.detail}`);
  }
  if (mapped.domain !== request.domain) {
    throw new MalformedMessageError(
      `domain "${shown}" is not a registrable domain (expected "${mapped.domain}")`,
    );
  }
  return request;
}
