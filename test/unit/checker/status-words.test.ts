import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isStandardStatus,
  normaliseStatus,
  normaliseStatuses,
} from '../../../services/checker/rdap/status-words.ts';

test('status spellings normalise to the RFC 8056 words', () => {
  const cases: [string, string][] = [
    ['redemption period', 'redemption period'],
    ['Redemption Period', 'redemption period'],
    ['REDEMPTION PERIOD', 'redemption period'],
    ['redemptionPeriod', 'redemption period'],
    ['clientHold', 'client hold'],
    ['pendingDelete', 'pending delete'],
    ['client_transfer_prohibited', 'client transfer prohibited'],
    ['auto-renew-period', 'auto renew period'],
    ['  server   hold ', 'server hold'],
    ['clientHold https://icann.org/epp#clientHold', 'client hold'],
    ['pendingDelete (https://www.icann.org/epp#pendingDelete)', 'pending delete'],
    ['https://icann.org/epp#redemptionPeriod', 'redemption period'],
    ['ok', 'active'],
    ['linked', 'associated'],
    ['server recover prohibited', 'server recover prohibited'],
  ];
  assert.deepEqual(
    cases.map(([raw]) => normaliseStatus(raw)),
    cases.map(([, expected]) => expected),
  );
});

test('a list is normalised without empty values or duplicates', () => {
  const words = normaliseStatuses(['clientHold', 'client hold', '', 'Pending Delete']);
  assert.deepEqual(words, ['client hold', 'pending delete']);
});

test('registry words outside the IANA list are recognised as non-standard', () => {
  assert.deepEqual(
    ['redemption period', 'pending restore', 'server recover prohibited', 'outzone'].map(
      isStandardStatus,
    ),
    [true, true, false, false],
  );
});
