import type { DecodeFailure } from '../domain/decoded-record';
import { ok, type Result } from '../domain/result';
import { hex, type Alphabet } from './alphabet';
import { decodeFailure, jsonTypeOf, preview } from './decode-failure';
import { isNonFiniteName } from './non-finite-name';

/**
 * A parsed JSON value as a token id (`role` "token", ids in [0, size) = vocabulary) or a class id (`role`
 * "class", ids in [0, size) = classes): an integer, or a one-character string mapped through the alphabet.
 * Failures: `unknown-token` / `unknown-class` (out of range, or a character not in the alphabet),
 * `non-finite` (Infinity from e.g. 1e999, strings such as "NaN"), `wrong-type` (fractions, longer strings,
 * other types). `field` names the value in details.
 */
export function readTokenId(value: unknown, size: number, alphabet: Alphabet, field: string, role: 'token' | 'class'): Result<number, DecodeFailure> {
  const unknown = role === 'token' ? 'unknown-token' : 'unknown-class';
  const what = role === 'token' ? 'a token id' : 'a class id';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return decodeFailure('non-finite', `${field} is ${value}, expected ${what}`);
    if (!Number.isInteger(value)) return decodeFailure('wrong-type', `${field} = ${value} is not an integer, expected ${what} in [0, ${size})`);
    if (value < 0 || value >= size) return decodeFailure(unknown, `${field} = ${value} is outside [0, ${size})`);
    return ok(value === 0 ? 0 : value); // -0 → 0
  }
  if (typeof value === 'string') {
    const cp = value.codePointAt(0);
    if (cp !== undefined && value.length === (cp > 0xffff ? 2 : 1)) {
      const id = alphabet.idOf(cp);
      if (id < 0) return decodeFailure(unknown, `${field} = ${preview(value)} (U+${hex(cp)}) is not in the alphabet`);
      if (id >= size) return decodeFailure(unknown, `${field} = ${preview(value)} has alphabet id ${id}, outside [0, ${size})`);
      return ok(id);
    }
    if (isNonFiniteName(value)) return decodeFailure('non-finite', `${field} is ${preview(value)}, expected ${what}`);
  }
  return decodeFailure('wrong-type', `${field} is ${jsonTypeOf(value)} ${preview(value)}, expected ${what} (an integer in [0, ${size}) or one character of the alphabet)`);
}
