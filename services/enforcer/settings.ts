import { z } from 'zod';
import { asRegistrable } from './candidates.ts';

/**
 * Registrable domains of large mailbox providers. A lapse reported for one of them is far more
 * likely a provider error than a real expiry, and unverifying millions of addresses by mistake
 * would be worse than the attack we defend against.
 */
export const DEFAULT_PROTECTED_DOMAINS: readonly string[] = Object.freeze([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'yahoo.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'proton.me',
  'protonmail.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  'mail.ru',
  'yandex.ru',
  'qq.com',
  '163.com',
  '126.com',
  'aol.com',
  'zoho.com',
]);

// A dotted path such as `profile.email`; no segment may be empty or start with `$`.
const fieldPath = z
  .string()
  .min(1)
  .refine((path) => path.split('.').every((s) => s !== '' && !s.startsWith('$')), {
    message: 'must be a field path without empty or $-prefixed segments',
  });

// Fields inside a list entry are plain names: the entry is rewritten by array index.
const entryField = z.string().regex(/^[^.$][^.]*$/, 'must be a plain field name (no dots, no $)');

const collectionName = z
  .string()
  .regex(/^[^$\0]+$/, 'must be non-empty and contain no $')
  .refine((name) => !name.startsWith('system.'), { message: 'must not start with system.' });

/** One address per user, as Auth.js stores it: the verified-at Date doubles as the flag. */
export const singleLayoutSchema = z.object({
  kind: z.literal('single'),
  emailField: fieldPath.default('email'),
  verifiedAtField: fieldPath.default('emailVerified'),
});

/** A list of addresses per user, as Meteor stores it (`emails: [{ address, verified }]`). */
export const listLayoutSchema = z.object({
  kind: z.literal('list'),
  emailsField: fieldPath.default('emails'),
  addressField: entryField.default('address'),
  verifiedField: entryField.default('verified'),
  /** Meteor records no verification time, so none by default. */
  verifiedAtField: entryField.optional(),
});

export const userLayoutSchema = z.discriminatedUnion('kind', [
  singleLayoutSchema,
  listLayoutSchema,
]);

// Protected entries must already be registrable domains: `mail.google.com` or `co.uk` would
// never equal a lapsed domain and would protect nothing, so they are rejected, not ignored.
const protectedDomain = z.string().transform((raw, ctx) => {
  const domain = asRegistrable(raw);
  if (domain !== null) return domain;
  ctx.addIssue({ code: 'custom', message: `"${raw}" is not a registrable domain` });
  return z.NEVER;
});

const WHOLE = 'must be a positive whole number';
const count = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)], { error: WHOLE });
const positiveInt = count.pipe(z.number().int(WHOLE).positive(WHOLE));
const flag = z.union(
  [
    z.boolean(),
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
      .transform((v) => ['true', '1', 'yes', 'on'].includes(v)),
  ],
  // The same words as every other switch (LOG_EMAILS, SWEEP_ON_START).
  { error: 'must be true, false, 1, 0, yes, no, on or off' },
);

export const blastRadiusSchema = z.object({
  /** A lapse that would unverify more addresses than this is held for approval. */
  maxEmailsPerDomain: positiveInt.default(500),
  /** A lapse is held when this many other domains were already enforced within the window. */
  maxDomainsPerWindow: positiveInt.default(20),
  windowMs: positiveInt.default(60 * 60 * 1000),
});

export const enforcerSettingsSchema = z.object({
  usersCollection: collectionName.default('users'),
  layout: userLayoutSchema.prefault({ kind: 'single' }),
  auditCollection: collectionName.default('unverifications'),
  holdsCollection: collectionName.default('enforcement_holds'),
  protectedDomains: z
    .array(protectedDomain)
    .default([...DEFAULT_PROTECTED_DOMAINS])
    .transform((domains) => [...new Set(domains)]),
  blastRadius: blastRadiusSchema.prefault({}),
  dryRun: flag.default(false),
});

export type UserLayout = z.output<typeof userLayoutSchema>;
export type SingleLayout = z.output<typeof singleLayoutSchema>;
export type ListLayout = z.output<typeof listLayoutSchema>;
export type EnforcerSettings = z.output<typeof enforcerSettingsSchema>;
export type EnforcerSettingsInput = z.input<typeof enforcerSettingsSchema>;

type Env = Readonly<Record<string, string | undefined>>;

/** The variable behind each setting, for start-up errors. */
export const ENFORCER_ENV_NAMES: Readonly<Record<string, string>> = {
  usersCollection: 'USERS_COLLECTION',
  auditCollection: 'AUDIT_COLLECTION',
  holdsCollection: 'HOLDS_COLLECTION',
  layout: 'USER_LAYOUT',
  'layout.emailField': 'USER_EMAIL_FIELD',
  'layout.emailsField': 'USER_EMAILS_FIELD',
  'layout.addressField': 'USER_EMAIL_ADDRESS_FIELD',
  'layout.verifiedField': 'USER_EMAIL_VERIFIED_FIELD',
  'layout.verifiedAtField': 'USER_VERIFIED_FIELD or USER_EMAIL_VERIFIED_AT_FIELD',
  protectedDomains: 'PROTECTED_DOMAINS',
  'blastRadius.maxEmailsPerDomain': 'BLAST_MAX_EMAILS',
  'blastRadius.maxDomainsPerWindow': 'BLAST_MAX_DOMAINS',
  'blastRadius.windowMs': 'BLAST_WINDOW_MS',
  dryRun: 'DRY_RUN',
};

/**
 * Reads the enforcer's variables into the raw shape `enforcerSettingsSchema` validates; unset
 * or empty variables are left out so the schema's defaults apply. PROTECTED_DOMAINS adds to the
 * built-in list rather than replacing it, so an operator cannot drop Gmail by listing their own.
 */
export function enforcerSettingsFromEnv(env: Env): Record<string, unknown> {
  return compact({
    usersCollection: read(env, 'USERS_COLLECTION'),
    // Enforcers over different user collections in one database need their own audit and
    // holds collections: an enforcer publishes every unpublished audit entry of a lapse.
    auditCollection: read(env, 'AUDIT_COLLECTION'),
    holdsCollection: read(env, 'HOLDS_COLLECTION'),
    layout: layoutFromEnv(env),
    protectedDomains: protectedFromEnv(env),
    blastRadius: compact({
      maxEmailsPerDomain: read(env, 'BLAST_MAX_EMAILS'),
      maxDomainsPerWindow: read(env, 'BLAST_MAX_DOMAINS'),
      windowMs: read(env, 'BLAST_WINDOW_MS'),
    }),
    dryRun: read(env, 'DRY_RUN')?.toLowerCase(),
  });
}

function layoutFromEnv(env: Env): Record<string, unknown> {
  const kind = read(env, 'USER_LAYOUT') ?? 'single';
  if (kind !== 'list') {
    return compact({
      kind,
      emailField: read(env, 'USER_EMAIL_FIELD'),
      verifiedAtField: read(env, 'USER_VERIFIED_FIELD'),
    });
  }
  return compact({
    kind,
    emailsField: read(env, 'USER_EMAILS_FIELD'),
    addressField: read(env, 'USER_EMAIL_ADDRESS_FIELD'),
    verifiedField: read(env, 'USER_EMAIL_VERIFIED_FIELD'),
    verifiedAtField: read(env, 'USER_EMAIL_VERIFIED_AT_FIELD'),
  });
}

function protectedFromEnv(env: Env): string[] {
  const extra = (read(env, 'PROTECTED_DOMAINS') ?? '').split(',').map((d) => d.trim());
  return [...DEFAULT_PROTECTED_DOMAINS, ...extra.filter((d) => d !== '')];
}

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function compact(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}
