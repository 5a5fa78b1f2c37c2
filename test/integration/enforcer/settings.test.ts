import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_PROTECTED_DOMAINS,
  enforcerSettingsFromEnv,
  enforcerSettingsSchema,
} from '../../../services/enforcer/settings.ts';

const DEFAULT_BLAST_RADIUS = {
  maxEmailsPerDomain: 500,
  maxDomainsPerWindow: 20,
  windowMs: 3600000,
};

test('an empty environment gives the documented defaults', () => {
  const settings = enforcerSettingsSchema.parse(enforcerSettingsFromEnv({}));

  assert.deepEqual(settings, {
    usersCollection: 'users',
    layout: { kind: 'single', emailField: 'email', verifiedAtField: 'emailVerified' },
    auditCollection: 'unverifications',
    holdsCollection: 'enforcement_holds',
    protectedDomains: [...DEFAULT_PROTECTED_DOMAINS],
    blastRadius: DEFAULT_BLAST_RADIUS,
    dryRun: false,
  });
});

test('every variable is read, and protected domains add to the built-in list', () => {
  const env = {
    USERS_COLLECTION: 'accounts',
    USER_LAYOUT: 'list',
    USER_EMAILS_FIELD: 'profile.emails',
    USER_EMAIL_ADDRESS_FIELD: 'addr',
    USER_EMAIL_VERIFIED_FIELD: 'ok',
    USER_EMAIL_VERIFIED_AT_FIELD: 'okAt',
    PROTECTED_DOMAINS: ' Example.ORG , gmail.com,,bücher.de ',
    BLAST_MAX_EMAILS: '50',
    BLAST_MAX_DOMAINS: '3',
    BLAST_WINDOW_MS: '600000',
    DRY_RUN: 'TRUE',
  };

  const settings = enforcerSettingsSchema.parse(enforcerSettingsFromEnv(env));

  assert.deepEqual(settings, {
    usersCollection: 'accounts',
    layout: {
      kind: 'list',
      emailsField: 'profile.emails',
      addressField: 'addr',
      verifiedField: 'ok',
      verifiedAtField: 'okAt',
    },
    auditCollection: 'unverifications',
    holdsCollection: 'enforcement_holds',
    protectedDomains: [...DEFAULT_PROTECTED_DOMAINS, 'example.org', 'xn--bcher-kva.de'],
    blastRadius: { maxEmailsPerDomain: 50, maxDomainsPerWindow: 3, windowMs: 600000 },
    dryRun: true,
  });
});

test('the single layout takes its own field variables', () => {
  const env = { USER_EMAIL_FIELD: 'primaryEmail', USER_VERIFIED_FIELD: 'primaryVerifiedAt' };

  const settings = enforcerSettingsSchema.parse(enforcerSettingsFromEnv(env));

  assert.deepEqual(settings.layout, {
    kind: 'single',
    emailField: 'primaryEmail',
    verifiedAtField: 'primaryVerifiedAt',
  });
});

test('every invalid setting is reported at once', () => {
  const env = {
    USER_LAYOUT: 'list',
    USER_EMAIL_ADDRESS_FIELD: 'a.b',
    PROTECTED_DOMAINS: 'co.uk,mail.google.com',
    BLAST_MAX_EMAILS: '0',
    BLAST_WINDOW_MS: 'an hour',
    DRY_RUN: 'maybe',
  };

  const result = enforcerSettingsSchema.safeParse(enforcerSettingsFromEnv(env));

  // The operator's domains follow the built-in ones.
  const first = DEFAULT_PROTECTED_DOMAINS.length;
  assert.equal(result.success, false);
  assert.deepEqual(
    result.error?.issues.map((issue) => [issue.path.join('.'), issue.message]),
    [
      ['layout.addressField', 'must be a plain field name (no dots, no $)'],
      [`protectedDomains.${first}`, '"co.uk" is not a registrable domain'],
      [`protectedDomains.${first + 1}`, '"mail.google.com" is not a registrable domain'],
      ['blastRadius.maxEmailsPerDomain', 'must be a positive whole number'],
      ['blastRadius.windowMs', 'must be a positive whole number'],
      ['dryRun', 'must be true, false, 1, 0, yes, no, on or off'],
    ],
  );
});

test('an unknown layout is rejected', () => {
  const result = enforcerSettingsSchema.safeParse({ layout: { kind: 'nested' } });

  assert.deepEqual(
    result.error?.issues.map((issue) => [issue.path.join('.'), issue.message]),
    [['layout.kind', "Invalid discriminator value. Expected 'single' | 'list'"]],
  );
});
