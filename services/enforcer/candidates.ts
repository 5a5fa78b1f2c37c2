import { domainToUnicode } from 'node:url';
import { registrableDomain, registrableDomainOfAddress } from '../shared/email-domain.ts';
import type { DomainLapsed } from '../shared/records.ts';
import type { StoredAddress, UserStore } from './user-store.ts';

/** The verified addresses at a lapsed domain, split by whether the lapse may touch them. */
export interface DomainScan {
  eligible: StoredAddress[];
  /** Verified after the lapse was observed, or after a re-registration: left alone. */
  skippedVerifiedAfter: number;
}

/**
 * `name` itself when it is a registrable domain (IDNs in punycode), null for a subdomain, a
 * public suffix or anything unmappable. Label counts are compared rather than strings so a
 * Unicode spelling of a registrable domain is accepted.
 */
export function asRegistrable(name: string): string | null {
  const host = name.trim().replace(/\.$/, '');
  const mapped = registrableDomain(host);
  if (!mapped.ok) return null;
  return mapped.domain.split('.').length === host.split('.').length ? mapped.domain : null;
}

/**
 * Matches addresses at the domain or any of its subdomains, case-insensitively, in punycode
 * and in Unicode spelling. It only narrows the query: `a@mail.example.co.uk` matches
 * `co.uk` too, and `john.example.co.uk` (no `@`) matches `example.co.uk`, so every match is
 * confirmed with `registrableDomainOfAddress`.
 */
export function addressPattern(domain: string): RegExp {
  const spellings = new Set([domain, domainToUnicode(domain)].filter((s) => s !== ''));
  const alternatives = [...spellings].map(escapeRegExp).join('|');
  return new RegExp(`[@.](?:${alternatives})\\.?$`, 'i');
}

export async function scanDomain(
  users: UserStore,
  lapsed: DomainLapsed,
  domain: string,
): Promise<DomainScan> {
  const eligible: StoredAddress[] = [];
  let skippedVerifiedAfter = 0;
  for await (const stored of users.verifiedMatching(addressPattern(domain))) {
    if (!belongsTo(stored.address, domain)) continue;
    if (verifiedAfterLapse(lapsed, stored.verifiedAt)) skippedVerifiedAfter += 1;
    else eligible.push(stored);
  }
  return { eligible, skippedVerifiedAfter };
}

function belongsTo(address: string, domain: string): boolean {
  const mapped = registrableDomainOfAddress(address);
  return mapped.ok && mapped.domain === domain;
}

/**
 * An address verified after the lapse was observed proved control of the domain since, so it
 * stays. For a re-registration only verifications older than the new registration are stale
 * (DomainLapsed.avsc). An unknown verification time cannot prove anything: it is unverified.
 */
export function verifiedAfterLapse(lapsed: DomainLapsed, verifiedAt: number | null): boolean {
  if (verifiedAt === null) return false;
  if (verifiedAt > lapsed.observedAt) return true;
  if (lapsed.state !== 'reregistered' || lapsed.registeredAt === null) return false;
  return verifiedAt >= lapsed.registeredAt;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
