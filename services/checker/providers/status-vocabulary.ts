import type { LifecycleState } from '../../shared/records.ts';

/**
 * The status words of the Domainr Status API, kept by Fastly's Domain Research API: a
 * space-separated list in increasing order of precedence, so the right-most word that means
 * something for the lifecycle decides. Words absent from this map carry no lifecycle meaning
 * for us (`zone`, `tld`, `premium`, `claimed`, `reserved`, ...). `unknown` and `undelegated`
 * are also what Domainr answers when its upstream timed out, so alone they prove nothing.
 */
const WORD_STATES: ReadonlyMap<string, LifecycleState> = new Map([
  ['deleting', 'pending_delete'],
  // Domainr's word for the registry's redemption period.
  ['expiring', 'redemption'],
  ['inactive', 'available'],
  ['active', 'registered'],
  ['parked', 'registered'],
  ['marketed', 'registered'],
  ['priced', 'registered'],
  ['transferable', 'registered'],
]);

export interface WordsVerdict {
  state: LifecycleState;
  /** The word that decided, or null when none did. */
  decidedBy: string | null;
  words: string[];
}

/** Splits a status string and finds its most significant lifecycle word. */
export function classifyStatusWords(status: string): WordsVerdict {
  const words = status
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '');
  for (const word of [...words].reverse()) {
    const state = WORD_STATES.get(word);
    if (state !== undefined) return { state, decidedBy: word, words };
  }
  return { state: 'unknown', decidedBy: null, words };
}
