import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecoder } from '../../src/decode/create-decoder';
import type { DecoderSpec } from '../../src/decode/decoder-spec';
import { csvSpec, rawMessage } from './messages';

const explicitMse = csvSpec({ target: 'explicit', head: 'mse', outputSize: 2 });
const explicitClass = csvSpec({ target: 'explicit', head: 'softmax', outputSize: 4 });

test('next-step: a line of inputSize numbers, optional trailing newline and spaces', () => {
  const d = createDecoder(csvSpec());
  for (const line of ['1,-2.5,3e2', '1, -2.5 ,3E+2\n', ' 1,-2.50,300.\r\n', '+1,-2.5,.3e3']) {
    const r = d(rawMessage(line, 'm1'));
    assert.ok(r.ok, line);
    assert.equal(r.value.length, 1);
    assert.deepEqual([...(r.value[0].x as Float32Array)], [1, -2.5, 300]);
    assert.equal(r.value[0].y, undefined);
    assert.equal(r.value[0].key, 'm1');
  }
});

test('explicit targets: the last outputSize columns (mse) or one class column (softmax)', () => {
  const m = createDecoder(explicitMse)(rawMessage('1,2,3,0.5,-0.5'));
  assert.ok(m.ok);
  assert.deepEqual([...(m.value[0].x as Float32Array)], [1, 2, 3]);
  assert.deepEqual([...(m.value[0].y as Float32Array)], [0.5, -0.5]);
  const c = createDecoder(explicitClass)(rawMessage('1,2,3,3'));
  assert.ok(c.ok);
  assert.equal(c.value[0].y, 3);
});

test('every failure reason, with a detail naming the column', () => {
  const cases: Array<[DecoderSpec, string | Buffer | null, string | null, string, RegExp]> = [
    [csvSpec(), null, 'k', 'empty-value', /null/],
    [csvSpec(), '', 'k', 'empty-value', /empty/],
    [csvSpec(), ' \n', 'k', 'empty-value', /blank/],
    [csvSpec({ maxMessageBytes: 4 }), '1,2,3', 'k', 'too-large', /5 bytes/],
    [csvSpec(), Buffer.from([0x31, 0x2c, 0xff, 0x2c, 0x33]), 'k', 'not-utf8', /value/],
    [csvSpec(), '1,2,3\n4,5,6', 'k', 'malformed-csv', /more than one line/],
    [csvSpec(), '1,2,3\n\n', 'k', 'malformed-csv', /more than one line/],
    [csvSpec(), '1,,3', 'k', 'malformed-csv', /column 2 \(x\[1\]\) is empty/],
    [csvSpec(), '1,2', 'k', 'wrong-dimension', /2 columns, expected 3/],
    [explicitMse, '1,2,3,4', 'k', 'wrong-dimension', /4 columns, expected 5 \(3 x \+ 2 y\)/],
    [explicitClass, '1,2,3', 'k', 'wrong-dimension', /expected 4 \(3 x \+ 1 class\)/],
    [csvSpec(), '1,NaN,3', 'k', 'non-finite', /column 2 \(x\[1\]\) is "NaN"/],
    [csvSpec(), '1,2,-Infinity', 'k', 'non-finite', /column 3/],
    [explicitMse, '1,2,3,inf,0', 'k', 'non-finite', /column 4 \(y\[0\]\)/],
    [csvSpec(), '1,2,1e39', 'k', 'non-finite', /float32/],
    [csvSpec(), '1,2,1e999', 'k', 'non-finite', /float32/],
    [csvSpec(), '1,abc,3', 'k', 'wrong-type', /column 2 \(x\[1\]\) is "abc", not a decimal number/],
    [csvSpec(), '1,0x10,3', 'k', 'wrong-type', /"0x10"/],
    [csvSpec(), '1,"2",3', 'k', 'wrong-type', /column 2/],
    [csvSpec(), '1,2 3,3', 'k', 'wrong-type', /column 2/],
    [explicitClass, '1,2,3,1.5', 'k', 'wrong-type', /column 4 \(class\) = 1.5 is not an integer/],
    [explicitClass, '1,2,3,4', 'k', 'unknown-class', /column 4 \(class\) = 4 is outside \[0, 4\)/],
    [explicitClass, '1,2,3,-1', 'k', 'unknown-class', /-1/],
    [csvSpec(), '1,2,3', null, 'missing-key', /no key/],
  ];
  for (const [spec, value, key, reason, detail] of cases) {
    const r = createDecoder(spec)(rawMessage(value, key));
    assert.ok(!r.ok, String(value));
    assert.equal(r.error.reason, reason, `${String(value)}: ${r.error.detail}`);
    assert.match(r.error.detail, detail, String(value));
  }
});

test('a line of a million commas is rejected without splitting it', () => {
  const r = createDecoder(csvSpec())(rawMessage(','.repeat(1_000_000)));
  assert.ok(!r.ok && r.error.reason === 'wrong-dimension');
  assert.match(r.error.detail, /1000001 columns/);
});
