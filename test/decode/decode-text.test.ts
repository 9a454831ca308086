import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecoder } from '../../src/decode/create-decoder';
import { DEFAULT_ALPHABET_CHARS } from '../../src/decode/alphabet';
import { rawMessage, textSpec } from './messages';

test('the default alphabet is "\\n" then printable ASCII 32..126', () => {
  assert.equal(DEFAULT_ALPHABET_CHARS.length, 96);
  assert.equal(DEFAULT_ALPHABET_CHARS[0], '\n');
  for (let c = 32; c <= 126; c++) assert.equal(DEFAULT_ALPHABET_CHARS.indexOf(String.fromCharCode(c)), c - 31);
});

test('char unit: one token record per character, in order, all from the message', () => {
  const r = createDecoder(textSpec())(rawMessage('Hi ~\n', 'doc-1', { offset: '9000000000000000001' }));
  assert.ok(r.ok);
  // ids: "\n" 0, " " 1, then code − 31
  assert.deepEqual(r.value.map((rec) => rec.x), ['H'.charCodeAt(0) - 31, 'i'.charCodeAt(0) - 31, 1, 126 - 31, 0]);
  for (const rec of r.value) {
    assert.equal(rec.key, 'doc-1');
    assert.equal(rec.y, undefined);
    assert.deepEqual(rec.source, { topic: 'in', partition: 2, offset: '9000000000000000001' });
  }
});

test('char unit with a custom alphabet: characters are code points (astral characters count once)', () => {
  const spec = textSpec({ alphabet: 'ab😀é', inputSize: 4, outputSize: 4 });
  const r = createDecoder(spec)(rawMessage('😀aéb😀'));
  assert.ok(r.ok);
  assert.deepEqual(r.value.map((rec) => rec.x), [2, 0, 3, 1, 2]);
});

test('an unknown character rejects the whole message, naming the character and its position', () => {
  const r = createDecoder(textSpec())(rawMessage('ab😀cé'));
  assert.ok(!r.ok);
  assert.equal(r.error.reason, 'unknown-token');
  assert.match(r.error.detail, /"😀" \(U\+1F600\) at position 2 /);
  const tab = createDecoder(textSpec())(rawMessage('a\tb'));
  assert.ok(!tab.ok);
  assert.match(tab.error.detail, /"\\t" \(U\+0009\) at position 1 /);
  const crlf = createDecoder(textSpec())(rawMessage('line\r\n'));
  assert.ok(!crlf.ok && /U\+000D/.test(crlf.error.detail));
});

test('byte unit: every byte is a token 0..255, UTF-8 or not', () => {
  const spec = textSpec({ textUnit: 'byte', inputSize: 256, outputSize: 256 });
  const bytes = Buffer.from([0, 255, 0xc0, 0xaf, 65]);
  const r = createDecoder(spec)(rawMessage(bytes));
  assert.ok(r.ok);
  assert.deepEqual(r.value.map((rec) => rec.x), [...bytes]);
});

test('failures: empty, too large, not UTF-8, missing key', () => {
  const d = createDecoder(textSpec({ maxMessageBytes: 8 }));
  const cases: Array<[string | Buffer | null, string | null, string]> = [
    [null, 'k', 'empty-value'],
    ['', 'k', 'empty-value'],
    ['123456789', 'k', 'too-large'],
    [Buffer.from([0x61, 0xe2, 0x82]), 'k', 'not-utf8'], // truncated 3-byte sequence
    ['abc', null, 'missing-key'],
    ['abc', '', 'missing-key'],
  ];
  for (const [v, k, reason] of cases) {
    const r = d(rawMessage(v, k));
    assert.ok(!r.ok);
    assert.equal(r.error.reason, reason, r.error.detail);
  }
  const bytes = createDecoder(textSpec({ textUnit: 'byte', inputSize: 256, outputSize: 256, maxMessageBytes: 2 }));
  const big = bytes(rawMessage('abc'));
  assert.ok(!big.ok && big.error.reason === 'too-large');
});
