import { map, type OperatorFunction } from 'rxjs';
import type { DecodeFailure, DecodedRecord } from '../domain/decoded-record';
import type { RawMessage } from '../domain/raw-message';
import type { Decoder } from '../decode/decoder';

/** A consumed message with what decoding made of it. */
export type DecodedMessage =
  | { readonly ok: true; readonly message: RawMessage; readonly records: DecodedRecord[] }
  | { readonly ok: false; readonly message: RawMessage; readonly failure: DecodeFailure };

/**
 * Decodes each message. A decoder never throws by contract; if one does anyway, the message becomes a
 * dead letter with reason 'decoder-error' instead of killing the stream.
 */
export function decodeMessages(decoder: Decoder): OperatorFunction<RawMessage, DecodedMessage> {
  return map((message): DecodedMessage => {
    try {
      const r = decoder(message);
      return r.ok ? { ok: true, message, records: r.value } : { ok: false, message, failure: r.error };
    } catch (e) {
      return { ok: false, message, failure: { reason: 'decoder-error', detail: `decoder failed: ${(e as Error).message}` } };
    }
  });
}
