import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecoder } from '../../src/decode/create-decoder';
import type { DecoderSpec } from '../../src/decode/decoder-spec';
import type { DecodedRecord, DecodeFailure } from '../../src/domain/decoded-record';
import { jsonSpec, rawMessage } from './messages';

function decodeOk(spec: DecoderSpec, value: string, key: string | null = 'k'): DecodedRecord {
  const r = createDecoder(spec)(rawMessage(value, key));
  assert.ok(r.ok, `expected ok for ${value}, got ${JSON.stringify(!r.ok && r.error)}`);
  assert.equal(r.value.length, 1);
  return r.value[0];
}

function decodeErr(spec: DecoderSpec, value: string | Buffer | null, key: string | Buffer | null = 'k'): DecodeFailure {
  const r = createDecoder(spec)(rawMessage(value, key));
  assert.ok(!r.ok, `expected a failure for ${String(value)}`);
  assert.ok(r.error.detail.length > 0);
  return r.error;
}

const tokens = jsonSpec({ inputKind: 'tokens', inputSize: 6, target: 'explicit', head: 'softmax', outputSize: 6, alphabet: 'abcdef' });
const nextTokens = jsonSpec({ inputKind: 'tokens', inputSize: 96, target: 'next-step', head: 'softmax', outputSize: 96 });

test('dense x and mse y: float32 vectors with the message key and source', () => {
  const r = decodeOk(jsonSpec(), '{"x": [1, -2.5, 0.1], "y": [3, 1e-3], "ts": "extra fields are ignored"}', 'sensor-7');
  assert.equal(r.key, 'sensor-7');
  assert.ok(r.x instanceof Float32Array && r.y instanceof Float32Array);
  assert.deepEqual([...(r.x as Float32Array)], [1, -2.5, Math.fround(0.1)]);
  assert.deepEqual([...(r.y as Float32Array)], [3, Math.fround(1e-3)]);
  assert.deepEqual(r.source, { topic: 'in', partition: 2, offset: '41' });
});

test('bare numbers are 1-dim vectors when inputSize / outputSize is 1', () => {
  const r = decodeOk(jsonSpec({ inputSize: 1, outputSize: 1 }), '{"x": 4.5, "y": -1}');
  assert.deepEqual([...(r.x as Float32Array)], [4.5]);
  assert.deepEqual([...(r.y as Float32Array)], [-1]);
  assert.equal(decodeErr(jsonSpec(), '{"x": 4.5, "y": [1, 2]}').reason, 'wrong-dimension');
});

test('tokens: integer ids or characters of the alphabet; softmax classes the same way', () => {
  assert.deepEqual(decodeOk(tokens, '{"x": 5, "y": 0}').x, 5);
  const r = decodeOk(tokens, '{"x": "c", "y": "f"}');
  assert.equal(r.x, 2);
  assert.equal(r.y, 5);
  assert.ok(Object.is(decodeOk(tokens, '{"x": -0, "y": 1}').x, 0));
  // default alphabet: "\n" = 0, " " = 1, "A" = 34
  assert.equal(decodeOk(nextTokens, '{"x": "A"}').x, 34);
  assert.equal(decodeOk(nextTokens, '{"x": "\\n"}').x, 0);
  assert.equal(decodeOk(nextTokens, '{"x": 95}').y, undefined);
});

test('key from a JSON field: strings and numbers; the message key is then not needed', () => {
  const spec = jsonSpec({ keyFrom: 'sensor' });
  assert.equal(decodeOk(spec, '{"sensor": "s1", "x": [1,2,3], "y": [0,0]}', null).key, 's1');
  assert.equal(decodeOk(spec, '{"sensor": 42, "x": [1,2,3], "y": [0,0]}', null).key, '42');
  assert.equal(decodeOk(jsonSpec({ keyFrom: 'constructor' }), '{"constructor": "c", "x": [1,2,3], "y": [0,0]}', null).key, 'c');
  for (const [v, re] of [
    ['{"x": [1,2,3], "y": [0,0]}', /"sensor" is absent/],
    ['{"sensor": null, "x": [1,2,3], "y": [0,0]}', /"sensor" is null/],
    ['{"sensor": "", "x": [1,2,3], "y": [0,0]}', /"sensor" is empty/],
  ] as const) {
    const e = decodeErr(spec, v, null);
    assert.equal(e.reason, 'missing-key');
    assert.match(e.detail, re);
  }
  const wrong = decodeErr(spec, '{"sensor": {"id": 1}, "x": [1,2,3], "y": [0,0]}');
  assert.equal(wrong.reason, 'wrong-type');
  assert.match(wrong.detail, /"sensor"/);
  // a key field that only exists on Object.prototype is absent
  assert.equal(decodeErr(jsonSpec({ keyFrom: 'constructor' }), '{"x": [1,2,3], "y": [0,0]}').reason, 'missing-key');
});

test('every failure reason, with a detail naming the field', () => {
  const cases: Array<[DecoderSpec, string | Buffer | null, string | Buffer | null, DecodeFailure['reason'], RegExp]> = [
    [jsonSpec(), null, 'k', 'empty-value', /null/],
    [jsonSpec(), '', 'k', 'empty-value', /empty/],
    [jsonSpec({ maxMessageBytes: 10 }), '{"x": [1,2,3], "y": [0,0]}', 'k', 'too-large', /26 bytes.*10/],
    [jsonSpec({ maxMessageBytes: 30 }), '{"x": [1,2,3], "y": [0,0]}', 'k'.repeat(31), 'too-large', /key/],
    [jsonSpec(), Buffer.from([0x7b, 0xff, 0x7d]), 'k', 'not-utf8', /value/],
    [jsonSpec(), Buffer.from([0x7b, 0xed, 0xa0, 0x80, 0x7d]), 'k', 'not-utf8', /value/], // encoded surrogate
    [jsonSpec(), Buffer.from([0x7b, 0xc0, 0xaf, 0x7d]), 'k', 'not-utf8', /value/], // overlong "/"
    [jsonSpec(), '{"x": [1,2,3], "y": [0,0]}', Buffer.from([0xfe]), 'not-utf8', /key/],
    [jsonSpec(), '{"x": [1,2,3], "y": [0,0]', 'k', 'malformed-json', /not valid JSON/],
    [jsonSpec(), '{"x": [1,2,3], "y": [0,0]} {}', 'k', 'malformed-json', /not valid JSON/],
    [jsonSpec(), '{"x": [1,2,3], "y": [0,0], "deep": ' + '['.repeat(16) + ']'.repeat(16) + '}', 'k', 'too-deep', /maxJsonDepth = 16/],
    [jsonSpec(), '[1, 2, 3]', 'k', 'not-an-object', /array/],
    [jsonSpec(), '"NaN"', 'k', 'not-an-object', /string/],
    [jsonSpec(), 'null', 'k', 'not-an-object', /null/],
    [jsonSpec(), '{"y": [0,0]}', 'k', 'missing-field', /"x"/],
    [jsonSpec(), '{"x": [1,2,3]}', 'k', 'missing-field', /"y".*explicit/],
    [nextTokens, '{"x": 3, "y": 4}', 'k', 'unexpected-field', /"y".*next-step/],
    [jsonSpec(), '{"x": "1,2,3", "y": [0,0]}', 'k', 'wrong-type', /^x is string/],
    [jsonSpec(), '{"x": [1,"2",3], "y": [0,0]}', 'k', 'wrong-type', /^x\[1\]/],
    [jsonSpec(), '{"x": [1,[2],3], "y": [0,0]}', 'k', 'wrong-type', /^x\[1\] is array/],
    [jsonSpec(), '{"x": [1,2,3], "y": {"a": 1}}', 'k', 'wrong-type', /^y is object/],
    [jsonSpec(), '{"x": [1,2,true], "y": [0,0]}', 'k', 'wrong-type', /^x\[2\] is boolean/],
    [tokens, '{"x": 1.5, "y": 0}', 'k', 'wrong-type', /^x = 1.5 is not an integer/],
    [tokens, '{"x": "ab", "y": 0}', 'k', 'wrong-type', /^x is string "ab"/],
    [tokens, '{"x": [1], "y": 0}', 'k', 'wrong-type', /^x is array/],
    [tokens, '{"x": 1, "y": 2.5}', 'k', 'wrong-type', /^y = 2.5/],
    [jsonSpec(), '{"x": [1,2,1e999], "y": [0,0]}', 'k', 'non-finite', /^x\[2\] is Infinity/],
    [jsonSpec(), '{"x": [1,2,3], "y": [-1e999,0]}', 'k', 'non-finite', /^y\[0\] is -Infinity/],
    [jsonSpec(), '{"x": [1,"NaN",3], "y": [0,0]}', 'k', 'non-finite', /^x\[1\] is "NaN"/],
    [jsonSpec(), '{"x": [1,2,3], "y": [0," -inf"]}', 'k', 'non-finite', /^y\[1\]/],
    [jsonSpec(), '{"x": "Infinity", "y": [0,0]}', 'k', 'non-finite', /^x is "Infinity"/],
    [jsonSpec(), '{"x": [1,2,1e39], "y": [0,0]}', 'k', 'non-finite', /^x\[2\] = 1e\+39 is outside the float32 range/],
    [tokens, '{"x": "NaN", "y": 0}', 'k', 'non-finite', /^x is "NaN"/],
    [tokens, '{"x": 1e999, "y": 0}', 'k', 'non-finite', /^x is Infinity/],
    [jsonSpec(), '{"x": [1,2], "y": [0,0]}', 'k', 'wrong-dimension', /^x has 2 values, expected 3/],
    [jsonSpec(), '{"x": [1,2,3], "y": [0,0,0]}', 'k', 'wrong-dimension', /^y has 3 values, expected 2/],
    [jsonSpec(), '{"x": 1, "y": [0,0]}', 'k', 'wrong-dimension', /^x is a single number/],
    [jsonSpec(), '{"x": [], "y": [0,0]}', 'k', 'wrong-dimension', /^x has 0 values/],
    [tokens, '{"x": 6, "y": 0}', 'k', 'unknown-token', /^x = 6 is outside \[0, 6\)/],
    [tokens, '{"x": -1, "y": 0}', 'k', 'unknown-token', /^x = -1/],
    [tokens, '{"x": "z", "y": 0}', 'k', 'unknown-token', /^x = "z" \(U\+007A\) is not in the alphabet/],
    [nextTokens, '{"x": "é"}', 'k', 'unknown-token', /U\+00E9/],
    [jsonSpec({ inputKind: 'tokens', inputSize: 10, head: 'softmax', outputSize: 3 }), '{"x": "A", "y": 0}', 'k', 'unknown-token', /alphabet id 34, outside \[0, 10\)/],
    [tokens, '{"x": 1, "y": 6}', 'k', 'unknown-class', /^y = 6 is outside \[0, 6\)/],
    [tokens, '{"x": 1, "y": "q"}', 'k', 'unknown-class', /^y = "q"/],
    [jsonSpec(), '{"x": [1,2,3], "y": [0,0]}', null, 'missing-key', /no key/],
    [jsonSpec(), '{"x": [1,2,3], "y": [0,0]}', '', 'missing-key', /no key/],
  ];
  for (const [spec, value, key, reason, detail] of cases) {
    const e = decodeErr(spec, value, key);
    assert.equal(e.reason, reason, `${String(value)}: ${e.detail}`);
    assert.match(e.detail, detail, `${String(value)} (${reason})`);
  }
});

test('10^5 levels of nesting are rejected by the depth scan, before JSON.parse', () => {
  const deep = '{"x": ' + '['.repeat(100000) + ']'.repeat(100000) + ', "y": [0,0]}';
  assert.equal(decodeErr(jsonSpec(), deep).reason, 'too-deep');
  assert.equal(decodeErr(jsonSpec(), '{"a":'.repeat(100000) + '1' + '}'.repeat(100000)).reason, 'too-deep');
  // exactly maxJsonDepth levels pass: the object plus 15 arrays = 16
  assert.ok(createDecoder(jsonSpec())(rawMessage('{"x": [1,2,3], "y": [0,0], "deep": ' + '['.repeat(15) + ']'.repeat(15) + '}')).ok);
  // brackets inside strings do not count, escaped quotes do not end a string
  const r = decodeOk(jsonSpec({ maxJsonDepth: 2 }), '{"note": "[[[{{\\"[[[", "x": [1,2,3], "y": [0,0]}');
  assert.deepEqual([...(r.x as Float32Array)], [1, 2, 3]);
});

test('a detail never quotes more than a short preview of hostile content', () => {
  const e = decodeErr(jsonSpec(), JSON.stringify({ x: 'A'.repeat(100000), y: [0, 0] }));
  assert.equal(e.reason, 'wrong-type');
  assert.ok(e.detail.length < 200, e.detail);
});
