import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DomainStatus } from '../../../services/shared/records.ts';
import { parseDomainStatus } from '../../../services/watcher/parse.ts';

function status(domain: string): DomainStatus {
  return {
    checkId: 'check-1',
    domain,
    state: 'registered',
    provider: 'rdap',
    observedAt: Date.UTC(2025, 0, 1),
    evidence: {
      server: null,
      httpStatus: 200,
      statuses: ['active'],
      events: [],
      registeredAt: null,
      expiresAt: null,
      handle: null,
      detail: null,
    },
  };
}

function reasonFor(domain: string): string {
  try {
    parseDomainStatus(status(domain));
    return 'accepted';
  } catch (err) {
    assert.ok(err instanceof Error);
    assert.deepEqual(
      [err.name, (err as { code?: string }).code],
      ['MalformedMessageError', 'DG_MESSAGE_MALFORMED'],
    );
    return err.message;
  }
}

test('a status for a registrable domain in canonical form is returned as it came', () => {
  for (const domain of ['example.com', 'example.co.uk', 'xn--bcher-kva.de', 'google.com.ar']) {
    const value = status(domain);
    assert.equal(parseDomainStatus(value), value);
    assert.deepEqual(value, status(domain));
  }
});

test('a status for anything but a canonical registrable domain is malformed', () => {
  const domains = ['', 'john.smith@example.com', 'nodomain', 'co.uk', '192.0.2.1'];
  const noncanonical = ['mail.example.com', 'Example.COM', 'example.com.', 'bücher.de'];
  assert.deepEqual(domains.concat(noncanonical).map(reasonFor), [
    'status for "": no_domain: the address has nothing after its last "@"',
    'status for "j***@example.com", not a registrable domain in canonical form ("example.com")',
    'status for "nodomain": single_label: ' +
      '"nodomain" has one label; a registrable domain has at least two',
    'status for "co.uk": public_suffix_only: "co.uk" is a public suffix, not a registrable domain',
    'status for "192.0.2.1": ip_literal: ' +
      'the address names an IP address, which has no registration',
    'status for "mail.example.com", not a registrable domain in canonical form ("example.com")',
    'status for "Example.COM", not a registrable domain in canonical form ("example.com")',
    'status for "example.com.", not a registrable domain in canonical form ("example.com")',
    'status for "bücher.de", not a registrable domain in canonical form ("xn--bcher-kva.de")',
  ]);
});
