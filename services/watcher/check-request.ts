import type { Logger } from '../shared/logger.ts';
import type { CheckReason, DomainCheckRequest } from '../shared/records.ts';
import type { WatcherContext } from './context.ts';
import type { ClaimState, DomainDoc } from './domain-store.ts';

export interface CheckIntent {
  domain: string;
  checkId: string;
  reason: CheckReason;
}

/**
 * Claims the domain's next check in MongoDB, then asks for it. The claim comes first so two
 * instances, or a replay, cannot both ask within one interval; the state lives in the domain
 * document, not in memory. If asking fails the claim is given back and the error propagates
 * unchanged: the caller retries (a Kafka consumer does not commit) and the retry asks again.
 * Resolves to true when a check was requested, false when the domain was not due.
 */
export async function claimAndRequest(
  ctx: WatcherContext,
  intent: CheckIntent,
  log: Logger,
): Promise<boolean> {
  const now = ctx.now();
  const nextCheckAt = now + ctx.settings.recheckIntervalMs;
  const before = await ctx.domains.claim({ ...intent, now, nextCheckAt });
  if (before === null) return false;

  const request: DomainCheckRequest = {
    ...intent,
    requestedAt: now,
    oldestVerifiedAt: before.oldestVerifiedAt,
  };
  try {
    await ctx.requestCheck(request);
  } catch (err) {
    log.warn({ err, domain: intent.domain, checkId: intent.checkId }, 'check request failed');
    await release(ctx, intent, before, log);
    throw err;
  }
  log.info(
    { domain: intent.domain, checkId: intent.checkId, reason: intent.reason },
    'check requested',
  );
  return true;
}

/**
 * Best effort: if the release fails too, the retry still gets through because a claim with
 * its own checkId lets a `new_email` intent pass, and the sweep takes over once the claimed
 * interval ends.
 */
async function release(
  ctx: WatcherContext,
  intent: CheckIntent,
  before: DomainDoc,
  log: Logger,
): Promise<void> {
  const restore: ClaimState = {
    nextCheckAt: before.nextCheckAt,
    lastCheckRequestedAt: before.lastCheckRequestedAt,
    lastCheckReason: before.lastCheckReason,
    claimId: before.claimId,
  };
  try {
    await ctx.domains.release(intent.domain, intent.checkId, restore);
  } catch (err) {
    log.error({ err, domain: intent.domain, checkId: intent.checkId }, 'check claim not released');
  }
}
