import type { DecodeFailure } from '../domain/decoded-record';
import type { RawMessage } from '../domain/raw-message';

/** Header names of a dead letter; values are UTF-8 strings. */
export interface DeadLetterHeaders {
  /** The failure's stable reason code (see DECODE_FAILURE_REASONS). */
  readonly 'x-dead-letter-reason': string;
  /** What was wrong, naming the field (at most {@link DEAD_LETTER_DETAIL_MAX_CHARS} characters). */
  readonly 'x-dead-letter-detail': string;
  readonly 'x-source-topic': string;
  /** Decimal partition number. */
  readonly 'x-source-partition': string;
  /** Decimal offset (64-bit). */
  readonly 'x-source-offset': string;
  /** Broker timestamp of the original message in ms since the epoch, when known. */
  readonly 'x-source-timestamp'?: string;
  /** Present when the value was cut to fit the broker's message size limit: the original value's length in bytes. */
  readonly 'x-dead-letter-truncated-from'?: string;
}

/**
 * A message for the dead-letter topic, as plain data (the Kafka producer lives at the source edge): the
 * original key and value bytes untouched (the same Buffers, not copies) and the reason in headers.
 */
export interface DeadLetter {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: DeadLetterHeaders;
}

/**
 * Largest key + value kept in a dead letter, in bytes: with the headers (≤ ~1.3 kB) and the record overhead the
 * message stays under the broker's default message.max.bytes (1 MiB + 12); longer values are cut and the
 * original length is put in a header.
 */
export const DEAD_LETTER_MAX_VALUE_BYTES = 1_048_576 - 4096;

/** Longest detail written into the `x-dead-letter-detail` header, in characters. */
export const DEAD_LETTER_DETAIL_MAX_CHARS = 1000;

/** The dead letter for a message that failed to decode. */
export function toDeadLetter(message: RawMessage, failure: DecodeFailure): DeadLetter {
  const detail = failure.detail.length > DEAD_LETTER_DETAIL_MAX_CHARS
    ? `${failure.detail.slice(0, DEAD_LETTER_DETAIL_MAX_CHARS - 1)}…`
    : failure.detail;
  const headers: DeadLetterHeaders = {
    'x-dead-letter-reason': failure.reason,
    'x-dead-letter-detail': detail,
    'x-source-topic': message.topic,
    'x-source-partition': String(message.partition),
    'x-source-offset': message.offset,
    ...(message.timestamp !== undefined ? { 'x-source-timestamp': message.timestamp } : {}),
  };
  const room = DEAD_LETTER_MAX_VALUE_BYTES - (message.key?.length ?? 0);
  if (message.value && message.value.length > room) {
    return {
      key: message.key, value: message.value.subarray(0, Math.max(0, room)),
      headers: { ...headers, 'x-dead-letter-truncated-from': String(message.value.length) },
    };
  }
  return { key: message.key, value: message.value, headers };
}
