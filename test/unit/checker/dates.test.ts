import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRdapDate } from '../../../services/checker/rdap/dates.ts';

test('every date shape seen in the fixtures parses to the same instant', () => {
  const instant = Date.UTC(2021, 10, 17, 16, 0, 29);
  const shapes = [
    '2021-11-17T16:00:29Z',
    '2021-11-17T16:00:29.0Z',
    '2021-11-17T16:00:29.000Z',
    '2021-11-17T16:00:29.000000Z',
    '2021-11-17T16:00:29+00:00',
    '2021-11-17T16:00:29.000+0000',
    '2021-11-17T19:00:29+03:00',
    '2021-11-17T12:00:29-04:00',
    '2021-11-17T16:00:29',
    '2021-11-17 16:00:29',
  ];
  assert.deepEqual(
    shapes.map(parseRdapDate),
    shapes.map(() => instant),
  );
});

test('fractions keep their milliseconds and drop what is finer', () => {
  assert.equal(parseRdapDate('2024-06-12T22:09:39.881923Z'), Date.UTC(2024, 5, 12, 22, 9, 39, 881));
  assert.equal(parseRdapDate('2014-11-12T19:15:55.283Z'), Date.UTC(2014, 10, 12, 19, 15, 55, 283));
});

test('a date without a time is midnight UTC', () => {
  assert.equal(parseRdapDate('2026-07-28'), Date.UTC(2026, 6, 28));
});

test('the Nomulus end of time (year 294247) is not a date and does not throw', () => {
  assert.equal(parseRdapDate('294247-01-10T04:00:54.775Z'), null);
});

test('values that are not real instants are rejected', () => {
  const bad = [
    '',
    'soon',
    '2021-02-30T00:00:00Z',
    '2021-13-01T00:00:00Z',
    '2021-01-01T24:00:00Z',
    '2021-01-01T00:00:00+25:00',
    '21-01-01T00:00:00Z',
  ];
  assert.deepEqual(
    bad.map(parseRdapDate),
    bad.map(() => null),
  );
});
