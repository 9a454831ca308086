import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecoder } from '../../src/decode/create-decoder';
import { DEAD_LETTER_DETAIL_MAX_CHARS, DEAD_LETTER_MAX_VALUE_BYTES, toDeadLetter } from '../../src/decode/dead-letter';
import { jsonSpec, rawMessage } from './messages';

test('a dead letter keeps the original bytes and carries reason, detail and source in headers', () => {
  const message = rawMessage(Buffer.from([0x7b, 0xff, 0x00, 0x7d]), Buffer.from([1, 2, 3]), { topic: 'sensors', partition: 7, offset: '18446744073709551000', timestamp: '1700000000000' });
  const r = createDecoder(jsonSpec())(message);
  assert.ok(!r.ok);
  const d = toDeadLetter(message, r.error);
  assert.equal(d.value, message.value); // the same bytes, untouched
  assert.equal(d.key, message.key);
  assert.deepEqual([...d.value!], [0x7b, 0xff, 0x00, 0x7d]);
  assert.deepEqual(d.headers, {
    'x-dead-letter-reason': 'not-utf8',
    'x-dead-letter-detail': r.error.detail,
    'x-source-topic': 'sensors',
    'x-source-partition': '7',
    'x-source-offset': '18446744073709551000',
    'x-source-timestamp': '1700000000000',
  });
});

test('null key and value pass through; no timestamp header without a timestamp; long details are cut', () => {
  const message = rawMessage(null, null);
  const d = toDeadLetter(message, { reason: 'empty-value', detail: 'x'.repeat(5000) });
  assert.equal(d.key, null);
  assert.equal(d.value, null);
  assert.equal('x-source-timestamp' in d.headers, false);
  assert.equal(d.headers['x-dead-letter-detail'].length, DEAD_LETTER_DETAIL_MAX_CHARS);
  assert.ok(d.headers['x-dead-letter-detail'].endsWith('…'));
});

test('a value too large for the broker with its headers is cut to fit, and the original length is recorded', () => {
  const big = Buffer.alloc(1_048_576, 0x61);
  const key = Buffer.from('sensor-1');
  const d = toDeadLetter(rawMessage(big, key), { reason: 'too-large', detail: 'value of 1048576 bytes' });
  assert.equal(d.key, key);
  assert.equal(d.value!.length + key.length, DEAD_LETTER_MAX_VALUE_BYTES);
  assert.ok(d.value!.equals(big.subarray(0, d.value!.length)), 'a prefix of the original bytes');
  assert.equal(d.headers['x-dead-letter-truncated-from'], '1048576');
  const small = toDeadLetter(rawMessage(Buffer.from('{}'), key), { reason: 'missing-field', detail: 'x' });
  assert.equal('x-dead-letter-truncated-from' in small.headers, false);
});
