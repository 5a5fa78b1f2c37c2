import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  registrableDomain,
  registrableDomainOfAddress,
} from '../../../services/shared/email-domain.ts';

test('case, trailing dot and subdomains reduce to one registrable domain', () => {
  const expected = { ok: true, domain: 'example.co.uk', tld: 'uk', publicSuffix: 'co.uk' };
  assert.deepEqual(registrableDomain('User@Mail.Example.CO.UK.'), expected);
  assert.deepEqual(registrableDomain('user@example.co.uk'), expected);
});

test('a quoted local part containing "@" maps to the domain after the last "@"', () => {
  assert.deepEqual(registrableDomain('"alice@home"@shop.example.org'), {
    ok: true,
    domain: 'example.org',
    tld: 'org',
    publicSuffix: 'org',
  });
});

test('a multi-label suffix such as com.br is kept whole, the TLD is its last label', () => {
  assert.deepEqual(registrableDomain('bob@loja.exemplo.com.br'), {
    ok: true,
    domain: 'exemplo.com.br',
    tld: 'br',
    publicSuffix: 'com.br',
  });
});

test('an IDN is converted to punycode before the suffix list is applied', () => {
  assert.deepEqual(registrableDomain('anna@Post.Bücher.DE'), {
    ok: true,
    domain: 'xn--bcher-kva.de',
    tld: 'de',
    publicSuffix: 'de',
  });
});

test('private-section suffixes are ignored: the ICANN registrable domain is watched', () => {
  const mapped = registrableDomain('dev@someone.github.io');
  assert.equal(mapped.ok && mapped.domain, 'github.io');
});

test('inputs that cannot be mapped say why', () => {
  const reasons = Object.fromEntries(
    ['nobody@', 'x@[192.0.2.1]', 'x@192.0.2.1', 'x@co.uk', 'x@com', 'x@exa mple.com']
      .concat(['x@localhost', 'nodomain', 'x@-bad-'])
      .concat([`x@${'a'.repeat(64)}.com`, `x@${'abcdefghi.'.repeat(26)}com`])
      .map((input) => {
        const mapped = registrableDomain(input);
        return [input.slice(0, 20), mapped.ok ? 'mapped' : mapped.reason];
      }),
  );
  assert.deepEqual(reasons, {
    'nobody@': 'no_domain',
    'x@[192.0.2.1]': 'ip_literal',
    'x@192.0.2.1': 'ip_literal',
    'x@co.uk': 'public_suffix_only',
    'x@com': 'public_suffix_only',
    'x@exa mple.com': 'invalid_hostname',
    'x@localhost': 'single_label',
    nodomain: 'single_label',
    'x@-bad-': 'invalid_hostname',
    'x@aaaaaaaaaaaaaaaaaa': 'label_too_long',
    'x@abcdefghi.abcdefgh': 'name_too_long',
  });
});

test('a single unlisted label is not called a public suffix; a listed one is', () => {
  assert.deepEqual(
    ['nodomain', 'a@localhost', 'com', 'co.uk'].map((input) => registrableDomain(input)),
    [
      {
        ok: false,
        reason: 'single_label',
        detail: '"nodomain" has one label; a registrable domain has at least two',
      },
      {
        ok: false,
        reason: 'single_label',
        detail: '"localhost" has one label; a registrable domain has at least two',
      },
      {
        ok: false,
        reason: 'public_suffix_only',
        detail: '"com" is a public suffix, not a registrable domain',
      },
      {
        ok: false,
        reason: 'public_suffix_only',
        detail: '"co.uk" is a public suffix, not a registrable domain',
      },
    ],
  );
});

test('an address without "@" names no domain, and the reason does not repeat it', () => {
  const expected = {
    ok: false,
    reason: 'no_at_sign',
    detail: 'the address has no "@", so it names no domain',
  };
  assert.deepEqual(registrableDomainOfAddress('john.smith'), expected);
  assert.deepEqual(registrableDomainOfAddress('john.example.co.uk'), expected);
  assert.deepEqual(registrableDomainOfAddress(''), expected);
});

test('an address with "@" maps as registrableDomain maps it', () => {
  const inputs = ['"a@b"@Mail.Example.CO.UK.', 'anna@Post.Bücher.DE', 'x@', 'x@co.uk', 'x@local'];
  assert.deepEqual(
    inputs.map((input) => registrableDomainOfAddress(input)),
    inputs.map((input) => registrableDomain(input)),
  );
  assert.deepEqual(registrableDomainOfAddress('"a@b"@Mail.Example.CO.UK.'), {
    ok: true,
    domain: 'example.co.uk',
    tld: 'uk',
    publicSuffix: 'co.uk',
  });
});
