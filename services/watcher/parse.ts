import { registrableDomain } from '../shared/email-domain.ts';
import { MalformedMessageError } from '../shared/errors.ts';
import { maskIfAddress } from '../shared/logger.ts';
import type { DomainStatus } from '../shared/records.ts';

/**
 * Rejects a status no checker of ours would write: the checker only checks registrable
 * domains in canonical form (see parseCheckRequest), so anything else would schedule, and
 * later sweep, a domain no address maps to. The reason lands in the dead-letter headers and
 * the logs, so an address put where the domain belongs is masked there.
 */
export function parseDomainStatus(value: unknown): DomainStatus {
  const status = value as DomainStatus;
  const mapped = registrableDomain(status.domain);
  const shown = maskIfAddress(status.domain);
  if (!mapped.ok) {
    throw new MalformedMessageError(`status for "${shown}": ${mapped.reason}: ${mapped.detail}`);
  }
  if (mapped.domain !== status.domain) {
    throw new MalformedMessageError(
      `status for "${shown}", not a registrable domain in canonical form ("${mapped.domain}")`,
    );
  }
  return status;
}
