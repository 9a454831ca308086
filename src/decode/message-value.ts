import type { DecodeFailure } from '../domain/decoded-record';
import { ok, type Result } from '../domain/result';
import { decodeFailure } from './decode-failure';

/**
 * The first check of every decoder, before any parsing: the value is present, non-empty
 * (`empty-value`) and at most `maxBytes` long (`too-large`).
 */
export function messageValue(value: Buffer | null, maxBytes: number): Result<Buffer, DecodeFailure> {
  if (value === null || value.length === 0) return decodeFailure('empty-value', value === null ? 'the message value is null' : 'the message value is empty (0 bytes)');
  if (value.length > maxBytes) return decodeFailure('too-large', `the message value is ${value.length} bytes, more than maxMessageBytes = ${maxBytes}`);
  return ok(value);
}
