import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, maskEmail, withLogContext } from '../../../services/shared/logger.ts';

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

test('addresses are masked in every log field an email travels in', () => {
  const { lines, stream } = capture();
  const logger = createLogger({ service: 'test', level: 'info' }, stream);
  logger
    .child({ topic: 't' })
    .info(
      { email: 'alice@example.com', change: { previousEmail: 'bob@example.org' }, count: 2 },
      'user changed',
    );
  const { time, ...line } = lines[0] ?? {};
  assert.equal(typeof time, 'string');
  assert.deepEqual(line, {
    level: 'info',
    service: 'test',
    topic: 't',
    email: 'a***@example.com',
    change: { previousEmail: 'b***@example.org' },
    count: 2,
    msg: 'user changed',
  });
});

test('an operator can opt in to full addresses', () => {
  const { lines, stream } = capture();
  createLogger({ service: 'test', level: 'info', logEmails: true }, stream).info(
    { email: 'alice@example.com' },
    'user changed',
  );
  assert.equal(lines[0]?.email, 'alice@example.com');
});

test('maskEmail keeps the domain and hides the local part', () => {
  assert.deepEqual(
    ['alice@example.com', '"a@b"@x.org', 'no-at-sign', '@only.domain'].map(maskEmail),
    ['a***@example.com', '"***@x.org', '***', '***@only.domain'],
  );
});

test('lines written inside a message context carry its fields, from any component', async () => {
  const { lines, stream } = capture();
  const component = createLogger({ service: 'test', level: 'info' }, stream).child({
    component: 'deep',
  });
  await withLogContext({ topic: 't', partition: 2, offset: '41', key: 'k' }, async () => {
    await Promise.resolve();
    component.info({ domain: 'example.com' }, 'inside');
  });
  component.info('outside');
  const strip = ({ time: _time, ...rest }: Record<string, unknown>) => rest;
  assert.deepEqual(lines.map(strip), [
    {
      level: 'info',
      service: 'test',
      component: 'deep',
      topic: 't',
      partition: 2,
      offset: '41',
      key: 'k',
      domain: 'example.com',
      msg: 'inside',
    },
    { level: 'info', service: 'test', component: 'deep', msg: 'outside' },
  ]);
});
