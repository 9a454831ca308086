import type { DecodeFailure } from '../domain/decoded-record';
import type { Result } from '../domain/result';
import { decodeFailure } from './decode-failure';
import { decodeUtf8 } from './utf8';

/**
 * The sequence key from a Kafka message key: non-empty UTF-8 text of at most `maxBytes` bytes
 * (`missing-key`, `not-utf8`, `too-large` otherwise).
 */
export function keyFromMessage(key: Uint8Array | null, maxBytes: number): Result<string, DecodeFailure> {
  if (key === null || key.length === 0) return decodeFailure('missing-key', 'the message has no key (the sequence key comes from the message key)');
  if (key.length > maxBytes) return decodeFailure('too-large', `the message key is ${key.length} bytes, more than maxMessageBytes = ${maxBytes}`);
  return decodeUtf8(key, 'the message key');
}
