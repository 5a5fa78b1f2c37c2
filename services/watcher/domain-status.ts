import { MalformedMessageError } from '../shared/errors.ts';
import type { DomainStatus, LifecycleState } from '../shared/records.ts';
import type { WatcherContext } from './context.ts';
import type { WatcherSettings } from './settings.ts';

export interface StatusOutcome {
  /** `stale` when a status observed at or after this one is already stored. */
  result: 'applied' | 'stale';
  /** When the domain is due again; null for a stale status. */
  nextCheckAt: number | null;
}

/**
 * Records a status from `domain.status` and schedules the next check from when it was
 * observed, so replaying the compacted topic yields the same schedule.
 */
export async function handleDomainStatus(
  ctx: WatcherContext,
  status: DomainStatus,
): Promise<StatusOutcome> {
  if (status.domain === '') throw new MalformedMessageError('domain status without a domain');
  const log = ctx.logger.child({ domain: status.domain, checkId: status.checkId });
  const nextCheckAt = status.observedAt + nextCheckDelay(ctx.settings, status.state);

  const recorded = await ctx.domains.recordStatus(status, nextCheckAt);
  if (!recorded) {
    log.debug({ observedAt: status.observedAt }, 'stale status ignored');
    return { result: 'stale', nextCheckAt: null };
  }
  log.debug({ state: status.state, nextCheckAt }, 'status recorded');
  return { result: 'applied', nextCheckAt };
}

/** DESIGN.md lifecycle table: expiring is re-checked daily, unknown is retried sooner. */
export function nextCheckDelay(settings: WatcherSettings, state: LifecycleState): number {
  switch (state) {
    case 'registered':
      return settings.recheckIntervalMs;
    case 'expiring':
      return settings.expiringRecheckMs;
    case 'unknown':
      return settings.unknownRecheckMs;
    case 'redemption':
    case 'pending_delete':
    case 'available':
    case 'reregistered':
      return settings.lapsedRecheckMs;
  }
}
