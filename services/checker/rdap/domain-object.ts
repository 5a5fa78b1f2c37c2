import { z } from 'zod';
import type { LifecycleEvent } from '../../shared/records.ts';
import { parseRdapDate } from './dates.ts';
import { normaliseStatus, normaliseStatuses } from './status-words.ts';

/** A date from an event, as sent and as parsed (null when it is not a valid instant). */
export interface DateFact {
  raw: string;
  epochMs: number | null;
}

/** What classification needs from an RDAP domain object (RFC 9083 §5.3). */
export interface DomainFacts {
  ldhName: string | null;
  handle: string | null;
  /** False when the server sent no `status` member at all (Norid does this). */
  hasStatus: boolean;
  /** Status values as the server spelled them. */
  statuses: string[];
  /** The same values normalised to RFC 8056 spelling. */
  words: string[];
  events: LifecycleEvent[];
  registration: DateFact | null;
  expiration: DateFact | null;
  /** `last update of RDAP database`: when the server generated the answer. */
  databaseUpdate: DateFact | null;
}

export type DomainRead = { ok: true; facts: DomainFacts } | { ok: false; reason: string };

// Loose on purpose: RDAP objects carry many members we do not need (RFC 9083 §5.3).
const DomainShape = z.looseObject({
  objectClassName: z.string().optional(),
  ldhName: z.string().optional(),
  handle: z.string().optional(),
  status: z.array(z.string()).optional(),
  events: z.array(z.unknown()).optional(),
});

const EventShape = z.looseObject({ eventAction: z.string(), eventDate: z.string() });

type EventRole = 'registration' | 'expiration' | 'databaseUpdate';

// eventAction values (RFC 9083 §10.2.3) plus spellings seen outside the registry. Registrar
// events such as `registrar expiration` are deliberately absent: the registry decides.
const EVENT_ROLES: ReadonlyMap<string, EventRole> = new Map([
  ['registration', 'registration'],
  ['registered', 'registration'],
  ['creation', 'registration'],
  ['created', 'registration'],
  ['expiration', 'expiration'],
  ['expiration date', 'expiration'],
  ['expiry', 'expiration'],
  ['expires', 'expiration'],
  ['last update of rdap database', 'databaseUpdate'],
]);

/** Reads an RDAP answer body as a domain object, or says why it is not one. */
export function readDomainObject(body: unknown): DomainRead {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, reason: 'the answer is not a JSON object' };
  }
  if ('errorCode' in body) {
    return {
      ok: false,
      reason: `the answer is an RDAP error object (errorCode ${String(body.errorCode)})`,
    };
  }
  const parsed = DomainShape.safeParse(body);
  if (!parsed.success) return { ok: false, reason: describeIssue(parsed.error) };
  const object = parsed.data;
  if (object.objectClassName !== undefined && object.objectClassName !== 'domain') {
    return {
      ok: false,
      reason: `the answer is a "${object.objectClassName}" object, not a domain`,
    };
  }

  const events = readEvents(object.events ?? []);
  const statuses = object.status ?? [];
  return {
    ok: true,
    facts: {
      ldhName: object.ldhName ?? null,
      handle: object.handle ?? null,
      hasStatus: object.status !== undefined,
      statuses,
      words: normaliseStatuses(statuses),
      events,
      registration: latestOfRole(events, 'registration'),
      expiration: latestOfRole(events, 'expiration'),
      databaseUpdate: latestOfRole(events, 'databaseUpdate'),
    },
  };
}

function readEvents(entries: readonly unknown[]): LifecycleEvent[] {
  const events: LifecycleEvent[] = [];
  for (const entry of entries) {
    const event = EventShape.safeParse(entry);
    if (event.success) events.push({ action: event.data.eventAction, date: event.data.eventDate });
  }
  return events;
}

/**
 * The latest valid date among the events of one role. When none of them parses, the first
 * raw value is returned with a null date so the evidence can say which value was unusable.
 */
function latestOfRole(events: readonly LifecycleEvent[], role: EventRole): DateFact | null {
  const dates = events
    .filter((event) => EVENT_ROLES.get(normaliseStatus(event.action)) === role)
    .map((event) => ({ raw: event.date, epochMs: parseRdapDate(event.date) }));
  const valid = dates.filter((fact) => fact.epochMs !== null);
  if (valid.length === 0) return dates[0] ?? null;
  return valid.reduce((latest, fact) =>
    (fact.epochMs ?? 0) > (latest.epochMs ?? 0) ? fact : latest,
  );
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'the answer is not a valid domain object';
  return `member "${issue.path.join('.')}" is invalid: ${issue.message}`;
}
