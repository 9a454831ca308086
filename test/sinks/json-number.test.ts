import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonNumber } from '../../src/sinks/json-number';
import { createRng } from '../../src/util/rng';

/** The definition: six significant digits by toPrecision, written as JavaScript writes numbers. */
const reference = (v: number): string => (Number.isFinite(v) ? String(Number(v.toPrecision(6))) : 'null');

test('jsonNumber writes exactly what toPrecision(6) does, over every magnitude and the rounding edges', () => {
  const rng = createRng(11);
  const values: number[] = [0, -0, 1, -1, 0.1, 0.5, 1e-6, 9.999995e-7, 1e-7, 123456.5, 999999.5, 9999995, 1e6, 1e21, 1e22,
    5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 0.30000000000000004, 2 / 3, Math.PI * 1e5, 0.0000123456789];
  for (let i = 0; i < 200_000; i++) {
    const sign = rng.next() < 0.5 ? -1 : 1;
    switch (i % 6) {
      case 0: values.push(rng.next()); break; // probabilities
      case 1: values.push(sign * rng.next() * 10 ** (rng.next() * 40 - 20)); break; // any magnitude
      case 2: values.push(Math.fround(rng.next() * 20)); break; // float32 outputs and losses
      case 3: values.push(sign * (Math.floor(rng.next() * 1e6) + 0.5) / 10 ** rng.int(14)); break; // halfway at the 7th digit
      case 4: values.push(sign * Math.round(rng.next() * 1e7) / 10 ** rng.int(10)); break; // trailing zeros, few digits
      default: values.push(10 ** rng.int(16) * (1 - 1e-7 * rng.next()) / 1e8); // just below a power of ten
    }
  }
  for (const v of values) assert.equal(jsonNumber(v), reference(v), `value ${v}`);
});

test('non-finite numbers are null, as JSON.stringify writes them', () => {
  for (const v of [NaN, Infinity, -Infinity]) assert.equal(jsonNumber(v), 'null');
  assert.equal(JSON.stringify({ v: NaN }), '{"v":null}');
});
