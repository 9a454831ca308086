import type { DecodeFailure } from '../domain/decoded-record';
import { ok, type Result } from '../domain/result';
import { decodeFailure } from './decode-failure';

// fatal: invalid sequences throw instead of becoming U+FFFD; ignoreBOM: a leading BOM is kept as a
// character (not silently dropped), so the decoded text is exactly what was sent.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Strict UTF-8 decoding of message bytes: `not-utf8` (naming `what`, e.g. "value" or "message key")
 * on any invalid sequence, overlong form, surrogate or truncated character.
 */
export function decodeUtf8(bytes: Uint8Array, what: string): Result<string, DecodeFailure> {
  try {
    return ok(strictUtf8.decode(bytes));
  } catch {
    return decodeFailure('not-utf8', `${what} is not valid UTF-8 (${bytes.length} bytes)`);
  }
}
