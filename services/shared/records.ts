/**
 * TypeScript shapes of the Avro records in `schemas/`. Timestamps are epoch milliseconds,
 * as Avro `timestamp-millis` carries them on the wire. Keep these in step with the .avsc files;
 * test/unit/records.test.ts checks every field name against the schemas.
 */

export const USER_CHANGE_KINDS = [
  'registered',
  'email_added',
  'email_changed',
  'email_verified',
  'email_unverified',
  'email_removed',
  'user_deleted',
  'other',
] as const;
export type UserChangeKind = (typeof USER_CHANGE_KINDS)[number];

export interface UserChange {
  eventId: string;
  userId: string;
  kind: UserChangeKind;
  email: string | null;
  previousEmail: string | null;
  verified: boolean;
  verifiedAt: number | null;
  occurredAt: number;
}

export const CHECK_REASONS = ['new_email', 'sweep', 'recheck', 'manual'] as const;
export type CheckReason = (typeof CHECK_REASONS)[number];

export interface DomainCheckRequest {
  checkId: string;
  domain: string;
  reason: CheckReason;
  requestedAt: number;
  oldestVerifiedAt: number | null;
}

export const LIFECYCLE_STATES = [
  'registered',
  'expiring',
  'redemption',
  'pending_delete',
  'available',
  'reregistered',
  'unknown',
] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

/** The states whose addresses must be unverified (DESIGN.md, lifecycle table). */
export const LAPSED_STATES = ['redemption', 'pending_delete', 'available', 'reregistered'] as const;
export type LapsedState = (typeof LAPSED_STATES)[number];

export function isLapsed(state: LifecycleState): state is LapsedState {
  return (LAPSED_STATES as readonly string[]).includes(state);
}

export interface LifecycleEvent {
  action: string;
  date: string;
}

export interface Evidence {
  server: string | null;
  httpStatus: number | null;
  statuses: string[];
  events: LifecycleEvent[];
  registeredAt: number | null;
  expiresAt: number | null;
  handle: string | null;
  detail: string | null;
}

export interface DomainStatus {
  checkId: string;
  domain: string;
  state: LifecycleState;
  provider: string;
  observedAt: number;
  evidence: Evidence;
}

export interface DomainLapsed {
  lapseId: string;
  checkId: string;
  domain: string;
  state: LapsedState;
  provider: string;
  observedAt: number;
  registeredAt: number | null;
  detail: string | null;
}

export interface EmailUnverified {
  eventId: string;
  userId: string;
  email: string;
  domain: string;
  state: LapsedState;
  lapseId: string;
  unverifiedAt: number;
}
