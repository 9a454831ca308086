import type { DecodedRecord, DecodeFailure } from '../domain/decoded-record';
import type { RawMessage } from '../domain/raw-message';
import type { StepSource } from '../domain/sequence-step';
import { ok, type Result } from '../domain/result';
import { createAlphabet, hex } from './alphabet';
import { decodeFailure } from './decode-failure';
import type { Decoder } from './decoder';
import type { DecoderSpec } from './decoder-spec';
import { keyFromMessage } from './message-key';
import { messageValue } from './message-value';
import { decodeUtf8 } from './utf8';

/**
 * The decoder of text messages: one token record per character (textUnit char; ids from the alphabet,
 * the value must be UTF-8) or per byte (textUnit byte; ids 0..255, any bytes), in order, all with the
 * message's source. A character outside the alphabet rejects the whole message (`unknown-token`, with the
 * character, its code point and its position). The key is the message key. Records carry no y
 * (next-step prediction).
 */
export function textDecoder(spec: DecoderSpec): Decoder {
  const alphabet = createAlphabet(spec.alphabet);

  return (message: RawMessage): Result<DecodedRecord[], DecodeFailure> => {
    const value = messageValue(message.value, spec.maxMessageBytes);
    if (!value.ok) return value;
    const k = keyFromMessage(message.key, spec.maxMessageBytes);
    if (!k.ok) return k;
    const key = k.value;
    const source: StepSource = { topic: message.topic, partition: message.partition, offset: message.offset };
    const bytes = value.value;

    if (spec.textUnit === 'byte') {
      const records = new Array<DecodedRecord>(bytes.length);
      for (let i = 0; i < bytes.length; i++) records[i] = { key, x: bytes[i], source };
      return ok(records);
    }

    const text = decodeUtf8(bytes, 'the message value');
    if (!text.ok) return text;
    const s = text.value;
    const records: DecodedRecord[] = [];
    for (let i = 0, position = 0; i < s.length; position++) {
      const cp = s.codePointAt(i)!; // strict UTF-8 decoding leaves no lone surrogates
      const id = alphabet.idOf(cp);
      if (id < 0) {
        return decodeFailure('unknown-token', `character ${JSON.stringify(String.fromCodePoint(cp))} (U+${hex(cp)}) at position ${position} ` +
          `(0-based, in characters) is not in the alphabet of ${alphabet.size} characters`);
      }
      records.push({ key, x: id, source });
      i += cp > 0xffff ? 2 : 1;
    }
    return ok(records);
  };
}
