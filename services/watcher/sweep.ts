import type { Logger } from '../shared/logger.ts';
import { claimAndRequest } from './check-request.ts';
import type { WatcherContext } from './context.ts';
import type { DueDomain } from './domain-store.ts';

export interface SweepReport {
  /** Domains with verified addresses whose next check was due when the sweep started. */
  due: number;
  /** Checks requested. */
  requested: number;
  /** Due domains another instance or a user change claimed first. */
  skipped: number;
}

/**
 * Requests a check for every watched domain that is due, in batches read through the
 * `sweep_due` index; the users collection is never read. Each domain is claimed before its
 * request, so concurrent sweeps and restarts ask at most once per interval. A failed request
 * stops the sweep (Kafka is most likely down, and each further attempt would wait for its
 * own timeout); the domains not reached stay due for the next sweep.
 */
export async function sweep(ctx: WatcherContext): Promise<SweepReport> {
  // ctx.logger already names the component; a second `component` would repeat the key.
  const log = ctx.logger.child({ task: 'sweep' });
  const report: SweepReport = { due: 0, requested: 0, skipped: 0 };
  const dueBy = ctx.now();
  try {
    await sweepBatches(ctx, { dueBy, report, log });
  } catch (err) {
    log.warn({ err, ...report }, 'sweep stopped early');
    throw err;
  }
  log.info({ ...report }, 'sweep finished');
  return report;
}

interface SweepRun {
  dueBy: number;
  report: SweepReport;
  log: Logger;
}

async function sweepBatches(ctx: WatcherContext, { dueBy, report, log }: SweepRun) {
  const limit = ctx.settings.sweepBatchSize;
  let after: DueDomain | null = null;
  for (;;) {
    const batch = await ctx.domains.dueBatch(dueBy, after, limit);
    for (const { _id: domain } of batch) {
      report.due += 1;
      const intent = { domain, checkId: ctx.newId(), reason: 'sweep' as const };
      if (await claimAndRequest(ctx, intent, log)) report.requested += 1;
      else report.skipped += 1;
    }
    after = batch.at(-1) ?? null;
    if (batch.length < limit) return;
  }
}
