import type { Logger } from '../shared/logger.ts';
import type { SweepReport } from './sweep.ts';

export interface SweepScheduleOptions {
  sweep: () => Promise<SweepReport>;
  intervalMs: number;
  /** Sweep right away on start(); otherwise the first sweep waits one interval. */
  runAtStart: boolean;
  logger: Logger;
}

export interface SweepSchedule {
  /** Starts the timer; calling it again changes nothing. */
  start(): void;
  /**
   * Sweeps now unless a sweep is already running or the schedule was stopped; resolves to the
   * report, or null when it did not sweep or the sweep failed (the failure is logged).
   */
  runNow(): Promise<SweepReport | null>;
  /** Stops the timer and waits for a running sweep to finish; idempotent. */
  stop(): Promise<void>;
}

/**
 * Runs the sweep every `intervalMs`, measured from the end of the previous one, so two
 * sweeps of one instance never overlap. Instances do not coordinate here: the per-domain
 * claims in MongoDB keep their sweeps from asking twice.
 */
export function createSweepSchedule(options: SweepScheduleOptions): SweepSchedule {
  const log = options.logger.child({ component: 'sweep-schedule' });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<SweepReport | null> | undefined;
  let started = false;
  let stopped = false;

  const schedule = (delayMs: number): void => {
    if (stopped) return;
    timer = setTimeout(() => void runNow().finally(() => schedule(options.intervalMs)), delayMs);
    // The consumer keeps the process alive; a pending sweep alone should not.
    timer.unref();
  };

  const runNow = (): Promise<SweepReport | null> => {
    if (stopped) return Promise.resolve(null);
    if (running) {
      log.info('sweep already running, skipped');
      return Promise.resolve(null);
    }
    running = runOnce(options.sweep, log).finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    start() {
      if (started || stopped) return;
      started = true;
      schedule(options.runAtStart ? 0 : options.intervalMs);
    },
    runNow,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

async function runOnce(
  sweep: () => Promise<SweepReport>,
  log: Logger,
): Promise<SweepReport | null> {
  try {
    return await sweep();
  } catch (err) {
    log.error({ err }, 'sweep failed');
    return null;
  }
}
