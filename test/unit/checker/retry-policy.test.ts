import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  delayAfterStatus,
  parseRetryAfter,
} from '../../../services/checker/rdap/retry-policy.ts';

const now = Date.parse('2026-12-03T10:00:00Z');

test('Retry-After is read in both RFC 9110 forms', () => {
  assert.deepEqual(
    [
      parseRetryAfter('5', now),
      parseRetryAfter(' 120 ', now),
      parseRetryAfter('Thu, 03 Dec 2026 10:00:30 GMT', now),
      parseRetryAfter('Thu, 03 Dec 2026 09:59:00 GMT', now),
      parseRetryAfter('soon', now),
      parseRetryAfter(undefined, now),
    ],
    [5000, 120_000, 30_000, 0, null, null],
  );
});

test('the server decides the wait, capped; a bare 429 waits the default', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, maxRetryAfterMs: 60_000 };
  const random = () => 0.5;
  assert.deepEqual(
    [
      delayAfterStatus(policy, 429, 2000, 1, random),
      delayAfterStatus(policy, 429, 600_000, 1, random),
      delayAfterStatus(policy, 429, null, 1, random),
      delayAfterStatus(policy, 503, 1000, 1, random),
      delayAfterStatus(policy, 500, null, 1, random),
    ],
    [2000, 60_000, 30_000, 1000, 375],
  );
});

test('backoff doubles per attempt with equal jitter and a cap', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 500 };
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((attempt) => [
      backoffDelay(policy, attempt, () => 0),
      backoffDelay(policy, attempt, () => 1),
    ]),
    [
      [50, 100],
      [100, 200],
      [200, 400],
      [250, 500],
      [250, 500],
    ],
  );
});
