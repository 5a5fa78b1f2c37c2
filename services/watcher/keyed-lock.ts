/** Runs async work for one key at a time, in call order; different keys run freely. */
export type KeyedLock = <T>(key: string, run: () => Promise<T>) => Promise<T>;

export function createKeyedLock(): KeyedLock {
  const tails = new Map<string, Promise<void>>();
  return async (key, run) => {
    const previous = tails.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => done);
    tails.set(key, tail);
    await previous;
    try {
      return await run();
    } finally {
      release();
      // The map only holds keys with work queued, so it does not grow with every domain seen.
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}
