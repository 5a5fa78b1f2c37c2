import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCheckRequest } from '../../../services/checker/checker.ts';

const request = {
  checkId: 'c1',
  reason: 'manual',
  requestedAt: 0,
  oldestVerifiedAt: null,
};

test('a check for something that is not a registrable domain is malformed, and says why', () => {
  const reasons = ['sub.example.com', 'jane.doe@example.com', 'co.uk'].map((domain) => {
    try {
      parseCheckRequest({ ...request, domain });
      return 'accepted';
    } catch (err) {
      return `${(err as Error).name}: ${(err as Error).message}`;
    }
  });
  assert.deepEqual(reasons, [
    'MalformedMessageError: domain "sub.example.com" is not a registrable domain ' +
      '(expected "example.com")',
    // An address in the domain field reaches the dead-letter reason masked.
    'MalformedMessageError: domain "j***@example.com" is not a registrable domain ' +
      '(expected "example.com")',
    'MalformedMessageError: domain "co.uk" is not checkable: "co.uk" is a public suffix, ' +
      'not a registrable domain',
  ]);
});

test('a canonical registrable domain is accepted as it is', () => {
  const parsed = parseCheckRequest({ ...request, domain: 'example.co.uk' });
  assert.deepEqual(parsed, { ...request, domain: 'example.co.uk' });
});
