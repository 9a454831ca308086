import type { DecodeFailure } from '../domain/decoded-record';
import { ok, type Result } from '../domain/result';
import { decodeFailure, jsonTypeOf, preview } from './decode-failure';
import { isNonFiniteName } from './non-finite-name';

/**
 * A parsed JSON value as a dense vector of exactly `size` finite float32 numbers: an array of numbers, or a
 * bare number when size is 1. `field` names the value in failure details (e.g. "x", "y").
 * Failures: `wrong-dimension` (length, or a bare number when size > 1), `non-finite` (NaN, ±Infinity,
 * strings such as "NaN", numbers outside float32 range such as 1e39), `wrong-type` (anything else).
 */
export function readVector(value: unknown, size: number, field: string): Result<Float32Array, DecodeFailure> {
  if (Array.isArray(value)) {
    if (value.length !== size) return decodeFailure('wrong-dimension', `${field} has ${value.length} values, expected ${size}`);
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const bad = storeFinite(out, i, value[i], `${field}[${i}]`);
      if (bad !== null) return bad;
    }
    return ok(out);
  }
  if (typeof value === 'number') {
    if (size !== 1) return decodeFailure('wrong-dimension', `${field} is a single number, expected an array of ${size} numbers`);
    const out = new Float32Array(1);
    return storeFinite(out, 0, value, field) ?? ok(out);
  }
  if (typeof value === 'string' && isNonFiniteName(value)) return decodeFailure('non-finite', `${field} is ${preview(value)}, expected finite numbers`);
  return decodeFailure('wrong-type', `${field} is ${jsonTypeOf(value)} ${preview(value)}, expected ${size === 1 ? 'a number or ' : ''}an array of ${size} numbers`);
}

/** Writes value into out[i] when it is a number finite in float32; otherwise returns the failure. */
function storeFinite(out: Float32Array, i: number, value: unknown, field: string): Result<never, DecodeFailure> | null {
  if (typeof value === 'number') {
    out[i] = value;
    if (Number.isFinite(out[i])) return null;
    return decodeFailure('non-finite', Number.isFinite(value)
      ? `${field} = ${value} is outside the float32 range (|v| < 3.4e38)`
      : `${field} is ${value}, expected a finite number`);
  }
  if (typeof value === 'string' && isNonFiniteName(value)) return decodeFailure('non-finite', `${field} is ${preview(value)}, expected a finite number`);
  return decodeFailure('wrong-type', `${field} is ${jsonTypeOf(value)} ${preview(value)}, expected a number`);
}
