import { domainToASCII } from 'node:url';
import { parse } from 'tldts';

/** Why an address cannot be mapped to a domain we could check. */
export type UnmappableReason =
  | 'no_at_sign'
  | 'no_domain'
  | 'ip_literal'
  | 'invalid_hostname'
  | 'label_too_long'
  | 'name_too_long'
  | 'single_label'
  | 'public_suffix_only';

export type DomainMapping =
  | { ok: true; domain: string; tld: string; publicSuffix: string }
  | { ok: false; reason: UnmappableReason; detail: string };

const MAX_LABEL = 63;
const MAX_NAME = 253;

/**
 * Maps an email address to the registrable domain after its last `@`, as `registrableDomain`
 * does. Without an `@` the input is not an address, and whatever it is (a user name, a
 * truncated value) must not be checked, or logged and published as if it were a domain. The
 * detail never repeats the input: it would be the local part.
 */
export function registrableDomainOfAddress(address: string): DomainMapping {
  const at = address.lastIndexOf('@');
  if (at === -1) return fail('no_at_sign', 'the address has no "@", so it names no domain');
  return registrableDomain(address.slice(at + 1));
}

/**
 * Maps an email address, or a bare host name, to its registrable domain: the part after the
 * last `@` (a quoted local part may itself contain `@`), lower-cased, trailing dot removed,
 * IDN converted to punycode (UTS #46 through the runtime's WHATWG URL implementation), then
 * reduced with the ICANN section of the public suffix list. Private-section suffixes such as
 * `github.io` are deliberately ignored: the registry lifecycle we watch is the ICANN one.
 */
export function registrableDomain(input: string): DomainMapping {
  const host = input
    .slice(input.lastIndexOf('@') + 1)
    .trim()
    .replace(/\.$/, '');
  if (host === '') return fail('no_domain', 'the address has nothing after its last "@"');
  if (host.startsWith('[') || isIpAddress(host)) {
    return fail('ip_literal', 'the address names an IP address, which has no registration');
  }
  const tooLong = host.split('.').find((label) => label.length > MAX_LABEL);
  if (tooLong !== undefined) {
    return fail('label_too_long', `a label is longer than ${MAX_LABEL} characters`);
  }

  const ascii = domainToASCII(host.toLowerCase());
  if (ascii === '') return fail('invalid_hostname', `"${host}" is not a valid host name`);
  if (ascii.length > MAX_NAME) {
    return fail('name_too_long', `the name is longer than ${MAX_NAME} characters`);
  }
  if (ascii.split('.').some((label) => label.length > MAX_LABEL)) {
    return fail('label_too_long', `a label is longer than ${MAX_LABEL} characters once encoded`);
  }

  return reduce(ascii);
}

function reduce(ascii: string): DomainMapping {
  const parsed = parse(ascii, { allowPrivateDomains: false, validateHostname: true });
  if (parsed.isIp) return fail('ip_literal', 'the address names an IP address');
  if (parsed.domain === null || parsed.publicSuffix === null) return noDomain(ascii, parsed);
  const tld = parsed.domain.slice(parsed.domain.lastIndexOf('.') + 1);
  return { ok: true, domain: parsed.domain, tld, publicSuffix: parsed.publicSuffix };
}

function noDomain(ascii: string, parsed: ReturnType<typeof parse>): DomainMapping {
  if (parsed.publicSuffix !== ascii) {
    return fail('invalid_hostname', `"${ascii}" has no registrable domain`);
  }
  // The list's default rule makes any unlisted label (`localhost`, `nodomain`) a suffix of
  // its own; calling that a public suffix would mislead, so only listed ones (`com`) are.
  return parsed.isIcann
    ? fail('public_suffix_only', `"${ascii}" is a public suffix, not a registrable domain`)
    : fail('single_label', `"${ascii}" has one label; a registrable domain has at least two`);
}

function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

function fail(reason: UnmappableReason, detail: string): DomainMapping {
  return { ok: false, reason, detail };
}
