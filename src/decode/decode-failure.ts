import type { DecodeFailure } from '../domain/decoded-record';
import { err, type Result } from '../domain/result';

/** A stable reason code of a rejected record (used as a metric label and in dead-letter headers). */
export type DecodeFailureReason = DecodeFailure['reason'];

/**
 * Every reason code, in a fixed order, so that metrics can pre-register their label values.
 * What each one means:
 * - `empty-value`: the message value is null or has zero bytes.
 * - `too-large`: the value (or the key) is longer than `maxMessageBytes`; checked before any parsing.
 * - `not-utf8`: the value (json, csv, text with char unit) or the key is not valid UTF-8.
 * - `malformed-json`: JSON.parse rejected the value. `too-deep`: arrays/objects nested deeper than
 *   `maxJsonDepth` (checked by a bracket scan before parsing).
 * - `not-an-object`: a JSON value that is not an object (array, string, number, null…).
 * - `missing-field`: `x` is absent, or `y` is absent while targets are explicit.
 * - `unexpected-field`: `y` is present while targets are next-step (the target is the key's next x).
 * - `wrong-type`: a field has the wrong JSON type (e.g. a string where a number belongs, a fractional id).
 * - `non-finite`: NaN, ±Infinity (also as strings such as "NaN" or "inf"), or a number outside float32.
 * - `wrong-dimension`: a vector, or a CSV line, with the wrong number of values.
 * - `unknown-token`: a token id outside [0, inputSize) or a character not in the alphabet.
 * - `unknown-class`: a class id outside [0, outputSize) (softmax targets).
 * - `missing-key`: no message key, an empty key, or a key field that is absent, null or empty.
 * - `malformed-csv`: more than one line, or an empty column.
 * - `decoder-error`: the decoder itself failed (a bug); the message is dead-lettered instead of stopping the stream.
 */
export const DECODE_FAILURE_REASONS = [
  'empty-value', 'too-large', 'not-utf8', 'malformed-json', 'too-deep', 'not-an-object', 'missing-field',
  'unexpected-field', 'wrong-type', 'non-finite', 'wrong-dimension', 'unknown-token', 'unknown-class',
  'missing-key', 'malformed-csv', 'decoder-error',
] as const satisfies readonly DecodeFailureReason[];

/** Compile-time check that {@link DECODE_FAILURE_REASONS} names every reason of the union (fails to compile otherwise). */
export type AllReasonsListed = NeverOrError<Exclude<DecodeFailureReason, (typeof DECODE_FAILURE_REASONS)[number]>>;
type NeverOrError<T extends never> = T;

/** A failed decode result. */
export function decodeFailure(reason: DecodeFailureReason, detail: string): Result<never, DecodeFailure> {
  return err({ reason, detail });
}

/** Longest preview of user content quoted in a failure detail, in characters. */
export const PREVIEW_CHARS = 40;

/**
 * A short printable rendering of a user-supplied value for a failure detail: JSON-quoted (so control
 * characters are escaped) and cut to {@link PREVIEW_CHARS} characters, so that a hostile message cannot
 * make a huge detail or header.
 */
export function preview(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value.length > PREVIEW_CHARS ? value.slice(0, PREVIEW_CHARS) : value);
  else if (typeof value === 'number') text = String(value);
  else if (value === null) text = 'null';
  else if (Array.isArray(value)) text = `an array of ${value.length}`;
  else if (typeof value === 'object') text = 'an object';
  else text = typeof value;
  return text.length > PREVIEW_CHARS + 2 ? `${text.slice(0, PREVIEW_CHARS)}…"` : text;
}

/** The JSON type of a parsed value, for "got …" in details: null, array, object, string, number, boolean. */
export function jsonTypeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
