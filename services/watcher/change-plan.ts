import { MalformedMessageError } from '../shared/errors.ts';
import type { UserChange } from '../shared/records.ts';

/** Why a change asks for a check once it is recorded. */
export type PendingReason = 'new_email' | 'recheck';

/** The state one address of one user should have after a change. */
export interface AddressWrite {
  address: string;
  removed: boolean;
  verified: boolean;
  verifiedAt: number | null;
  pending: PendingReason | null;
}

export type ChangePlan =
  | { kind: 'ignore'; why: string }
  | { kind: 'addresses'; writes: AddressWrite[] }
  | { kind: 'delete_user' };

/**
 * Turns a user change into the address states it implies. Pure, so the rules read in one
 * place. Unverified addresses ask for no check: they cannot be used to recover an account,
 * and their later verification (`email_verified`) asks for one.
 */
export function planChange(change: UserChange): ChangePlan {
  if (change.eventId === '' || change.userId === '') {
    throw new MalformedMessageError('user change without eventId or userId');
  }
  switch (change.kind) {
    case 'other':
      return { kind: 'ignore', why: 'change does not touch email addresses' };
    case 'user_deleted':
      return { kind: 'delete_user' };
    case 'registered':
      // Users may sign up without an address (phone, federated login): nothing to watch.
      if (change.email === null) return { kind: 'ignore', why: 'registered without an address' };
      return addresses([live(change, change.email, change.verified)]);
    case 'email_added':
      return addresses([live(change, requireEmail(change), change.verified)]);
    case 'email_changed':
      return addresses(planEmailChanged(change, requireEmail(change)));
    case 'email_verified':
      return addresses([{ ...live(change, requireEmail(change), true), pending: 'recheck' }]);
    case 'email_unverified':
      return addresses([live(change, requireEmail(change), false)]);
    case 'email_removed':
      return addresses([removed(requireEmail(change))]);
  }
}

function planEmailChanged(change: UserChange, email: string): AddressWrite[] {
  const next = live(change, email, change.verified);
  // Without the previous address the old one cannot be found; it stays counted until removed.
  if (change.previousEmail === null) return [next];
  if (addressKey(change.previousEmail) === addressKey(email)) return [next];
  return [removed(change.previousEmail), next];
}

function live(change: UserChange, address: string, verified: boolean): AddressWrite {
  return {
    address,
    removed: false,
    verified,
    // A producer that omits verifiedAt still verified the address no later than the change.
    verifiedAt: verified ? (change.verifiedAt ?? change.occurredAt) : null,
    pending: verified ? 'new_email' : null,
  };
}

function removed(address: string): AddressWrite {
  return { address, removed: true, verified: false, verifiedAt: null, pending: null };
}

function addresses(writes: AddressWrite[]): ChangePlan {
  return { kind: 'addresses', writes };
}

function requireEmail(change: UserChange): string {
  if (change.email === null || change.email.trim() === '') {
    throw new MalformedMessageError(`user change of kind ${change.kind} without an email`);
  }
  return change.email;
}

/**
 * The identity of an address within one user: trimmed, lower-cased, trailing dot removed.
 * Local parts are case-sensitive in theory, but no account system tells them apart.
 */
export function addressKey(address: string): string {
  return address.trim().toLowerCase().replace(/\.+$/, '');
}
