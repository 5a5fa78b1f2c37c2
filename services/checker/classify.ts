import type { Evidence, LifecycleState } from '../shared/records.ts';
import { readDomainObject, type DomainFacts } from './rdap/domain-object.ts';
import { isStandardStatus } from './rdap/status-words.ts';
import { bareEvidence } from './provider.ts';

/** What an RDAP lookup produced, before any judgement. */
export type RdapOutcome =
  /** A 2xx answer; `body` is the parsed JSON, whatever its shape. */
  | {
      kind: 'answer';
      server: string;
      httpStatus: number;
      body: unknown;
      /** Epoch ms from the answer's HTTP `Date` header, when it sent a valid one. */
      answeredAt?: number | null;
    }
  /** A 404. `authoritative` is true when the registry's own server said it. */
  | { kind: 'not_found'; server: string; authoritative: boolean }
  /** The bootstrap has no RDAP server for the name's TLD. */
  | { kind: 'no_server'; tld: string }
  /** Anything else: timeout, refusal, 5xx after retries, unreadable body. */
  | { kind: 'failed'; server: string | null; httpStatus: number | null; reason: string };

export interface ClassifyContext {
  /** The name that was asked for, lower-case. */
  domain: string;
  /** Epoch ms of the earliest still-verified address at the domain, if any. */
  oldestVerifiedAt: number | null;
  /** Epoch ms to judge expiry against when the answer carries no database date. */
  now: number;
  /** Epoch ms the server said it answered at (HTTP `Date`); preferred over `now`. */
  answeredAt?: number | null;
}

export interface Classification {
  state: LifecycleState;
  evidence: Evidence;
}

/** Turns an RDAP outcome into a lifecycle state and the evidence behind it. Pure. */
export function classify(outcome: RdapOutcome, context: ClassifyContext): Classification {
  switch (outcome.kind) {
    case 'answer':
      return classifyAnswer(outcome.server, outcome.httpStatus, outcome.body, {
        ...context,
        answeredAt: outcome.answeredAt ?? context.answeredAt ?? null,
      });
    case 'not_found':
      return classifyNotFound(outcome.server, outcome.authoritative);
    case 'no_server':
      return bare('unknown', null, null, `no RDAP server for TLD "${outcome.tld}"`);
    case 'failed':
      return bare('unknown', outcome.server, outcome.httpStatus, outcome.reason);
  }
}

function classifyNotFound(server: string, authoritative: boolean): Classification {
  // RFC 7480 §5.3: 404 means the server has no such object. Only the registry's own server
  // knows that the name is unregistered; a redirector's 404 says nothing about the domain.
  if (authoritative) {
    return bare('available', server, 404, 'not found at the authoritative registry server');
  }
  return bare('unknown', server, 404, 'not found at a redirector, which is no verdict on the name');
}

function classifyAnswer(
  server: string,
  httpStatus: number,
  body: unknown,
  context: ClassifyContext,
): Classification {
  const read = readDomainObject(body);
  if (!read.ok) return bare('unknown', server, httpStatus, `malformed answer: ${read.reason}`);
  const facts = read.facts;
  const mismatch = nameMismatch(facts.ldhName, context.domain);
  if (mismatch !== null) return bare('unknown', server, httpStatus, mismatch);

  const decision = decide(facts, context);
  const notes = [...statusNotes(facts), ...dateNotes(facts, context), ...wordNotes(facts)];
  return {
    state: decision.state,
    evidence: {
      server,
      httpStatus,
      statuses: facts.statuses,
      events: facts.events,
      registeredAt: facts.registration?.epochMs ?? null,
      expiresAt: facts.expiration?.epochMs ?? null,
      handle: facts.handle,
      detail: [decision.reason, ...notes].join('; '),
    },
  };
}

interface Decision {
  state: LifecycleState;
  reason: string;
}

/**
 * The statuses are the lifecycle signal (NOTES.md §1): the expiry date alone is not, because
 * gTLD registries auto-renew at expiry. The grace-period statuses are RFC 3915's, as RFC 8056
 * §2 maps them to RDAP. A newer registration date than the oldest verification means someone else
 * holds the name now, whatever its statuses say.
 */
function decide(facts: DomainFacts, context: ClassifyContext): Decision {
  const has = (word: string): boolean => facts.words.includes(word);
  if (has('redemption period')) {
    return { state: 'redemption', reason: 'status "redemption period": deleted, restorable' };
  }
  if (has('pending restore')) {
    return { state: 'redemption', reason: 'status "pending restore": restore not yet complete' };
  }
  if (has('pending delete')) {
    return { state: 'pending_delete', reason: 'status "pending delete" without redemption' };
  }
  const reregistration = reregisteredReason(facts, context);
  if (reregistration !== null) return { state: 'reregistered', reason: reregistration };
  return expiringOrRegistered(facts, context);
}

function reregisteredReason(facts: DomainFacts, context: ClassifyContext): string | null {
  const registeredAt = facts.registration?.epochMs ?? null;
  if (registeredAt === null || context.oldestVerifiedAt === null) return null;
  if (registeredAt <= context.oldestVerifiedAt) return null;
  const verified = new Date(context.oldestVerifiedAt).toISOString();
  return `registered at ${new Date(registeredAt).toISOString()}, after verification at ${verified}`;
}

/**
 * `client hold` alone is never a lapse: the owner can still renew. With a passed expiry, or
 * during `auto renew period`, the name is expiring and is re-checked more often.
 */
function expiringOrRegistered(facts: DomainFacts, context: ClassifyContext): Decision {
  if (facts.words.includes('auto renew period')) {
    return { state: 'expiring', reason: 'status "auto renew period": expired, auto-renewed' };
  }
  const expiresAt = facts.expiration?.epochMs ?? null;
  // Judge the answer at the time the server generated it: its database date when it gives
  // one (NOTES.md §7), else the HTTP Date it was sent with (RFC 9110 §6.6.1), else our clock.
  const judgedAt = facts.databaseUpdate?.epochMs ?? context.answeredAt ?? context.now;
  if (expiresAt !== null && expiresAt <= judgedAt) {
    return { state: 'expiring', reason: `expiration ${new Date(expiresAt).toISOString()} passed` };
  }
  return { state: 'registered', reason: 'registered: no lapse or expiry signal' };
}

const STATUS_NOTES: readonly (readonly [string, string])[] = [
  ['client hold', 'status "client hold": out of DNS by the registrar'],
  ['server hold', 'status "server hold": out of DNS by the registry'],
  ['inactive', 'status "inactive": not delegated, still registered'],
  ['add period', 'status "add period": newly created'],
];

function statusNotes(facts: DomainFacts): string[] {
  const notes = STATUS_NOTES.filter(([word]) => facts.words.includes(word)).map(([, note]) => note);
  if (!facts.hasStatus) notes.push('the answer has no status member');
  return notes;
}

function dateNotes(facts: DomainFacts, context: ClassifyContext): string[] {
  const notes: string[] = [];
  if (facts.expiration === null) notes.push('no expiration event');
  else if (facts.expiration.epochMs === null) {
    notes.push(`expiration "${facts.expiration.raw}" is not a valid date`);
  }
  const registeredAt = facts.registration?.epochMs ?? null;
  if (registeredAt === null && context.oldestVerifiedAt !== null) {
    notes.push('no valid registration date, so re-registration was not checked');
  }
  return notes;
}

function wordNotes(facts: DomainFacts): string[] {
  const unknown = facts.words.filter((word) => !isStandardStatus(word));
  if (unknown.length === 0) return [];
  return [`non-standard status kept: ${unknown.map((word) => `"${word}"`).join(', ')}`];
}

/** DNS names compare case-insensitively (RFC 4343); some servers add a trailing dot. */
function nameMismatch(ldhName: string | null, domain: string): string | null {
  if (ldhName === null) return null;
  const answered = ldhName.toLowerCase().replace(/\.$/, '');
  if (answered === domain.toLowerCase().replace(/\.$/, '')) return null;
  return `the answer is for "${answered}", not for "${domain}"`;
}

function bare(
  state: LifecycleState,
  server: string | null,
  httpStatus: number | null,
  detail: string,
): Classification {
  return { state, evidence: bareEvidence(server, httpStatus, detail) };
}
