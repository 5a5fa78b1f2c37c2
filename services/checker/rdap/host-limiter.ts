import PQueue from 'p-queue';

/**
 * Limits requests per host, not per TLD: one RDAP host serves hundreds of TLDs and rate-limits
 * them together (NOTES.md §4). A host that answered 429 is paused for every caller, not just
 * the one that was told to wait.
 */
export interface HostLimiterOptions {
  /** Requests in flight at once per host. */
  concurrency: number;
  /** Requests started per interval per host. */
  intervalCap: number;
  intervalMs: number;
}

export interface HostLimiter {
  run<T>(host: string, task: () => Promise<T>): Promise<T>;
  /** Holds new requests to `host` for `ms` (never shortens an existing pause). */
  pause(host: string, ms: number): void;
  /** Milliseconds until `host` may be asked again; 0 when it is not paused. */
  pausedFor(host: string): number;
  /** Drops queued work; running tasks finish. */
  clear(): void;
}

export function createHostLimiter(options: HostLimiterOptions): HostLimiter {
  const queues = new Map<string, PQueue>();
  const pausedUntil = new Map<string, number>();

  const queueFor = (host: string): PQueue => {
    let queue = queues.get(host);
    if (queue === undefined) {
      queue = new PQueue({
        concurrency: options.concurrency,
        intervalCap: options.intervalCap,
        interval: options.intervalMs,
      });
      queues.set(host, queue);
    }
    return queue;
  };

  return {
    run: (host, task) => queueFor(host).add(task),
    pause(host, ms) {
      const until = Date.now() + ms;
      pausedUntil.set(host, Math.max(until, pausedUntil.get(host) ?? 0));
    },
    pausedFor: (host) => Math.max(0, (pausedUntil.get(host) ?? 0) - Date.now()),
    clear() {
      for (const queue of queues.values()) queue.clear();
    },
  };
}

/** Converts a requests-per-second figure into a p-queue interval cap and interval. */
export function rateToInterval(requestsPerSecond: number): {
  intervalCap: number;
  intervalMs: number;
} {
  if (requestsPerSecond >= 1)
    return { intervalCap: Math.round(requestsPerSecond), intervalMs: 1000 };
  return { intervalCap: 1, intervalMs: Math.round(1000 / requestsPerSecond) };
}
