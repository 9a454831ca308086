import type { DecodedRecord, DecodeFailure } from '../domain/decoded-record';
import type { RawMessage } from '../domain/raw-message';
import { ok, type Result } from '../domain/result';
import { createAlphabet } from './alphabet';
import { decodeFailure, jsonTypeOf, preview } from './decode-failure';
import type { Decoder } from './decoder';
import { MESSAGE_KEY, type DecoderSpec } from './decoder-spec';
import { jsonNestingDepth } from './json-nesting-depth';
import { keyFromMessage } from './message-key';
import { messageValue } from './message-value';
import { readTokenId } from './read-token-id';
import { readVector } from './read-vector';
import { decodeUtf8 } from './utf8';

/** Longest JSON.parse error message quoted in a detail (V8 messages can quote the input). */
const PARSE_ERROR_CHARS = 120;

/**
 * The decoder of JSON records `{"x": …, "y"?: …}` (see {@link DecoderSpec} for the accepted shapes).
 * Checks run cheapest first: value present and small enough, message key, UTF-8, nesting depth (a bracket
 * scan, before JSON.parse), JSON syntax, object, key field, x, then y. Fields other than x, y and the key
 * field are ignored. The spec must be valid ({@link validateDecoderSpec}).
 */
export function jsonDecoder(spec: DecoderSpec): Decoder {
  const alphabet = createAlphabet(spec.alphabet);
  const keyField = spec.keyFrom === MESSAGE_KEY ? null : spec.keyFrom;

  return (message: RawMessage): Result<DecodedRecord[], DecodeFailure> => {
    // --- bytes: present, bounded, key, UTF-8
    const value = messageValue(message.value, spec.maxMessageBytes);
    if (!value.ok) return value;
    let key = '';
    if (keyField === null) {
      const k = keyFromMessage(message.key, spec.maxMessageBytes);
      if (!k.ok) return k;
      key = k.value;
    }
    const text = decodeUtf8(value.value, 'the message value');
    if (!text.ok) return text;

    // --- syntax: depth first (cheap, bounded), then parse
    const depth = jsonNestingDepth(text.value, spec.maxJsonDepth);
    if (depth > spec.maxJsonDepth) return decodeFailure('too-deep', `JSON nesting is deeper than maxJsonDepth = ${spec.maxJsonDepth}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.value);
    } catch (e) {
      return decodeFailure('malformed-json', `the value is not valid JSON: ${String((e as Error).message).slice(0, PARSE_ERROR_CHARS)}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return decodeFailure('not-an-object', `the value is JSON ${jsonTypeOf(parsed)} ${preview(parsed)}, expected an object {"x": …}`);
    }
    const record = parsed as Record<string, unknown>;

    // --- fields: key, x, y (own properties only: "constructor" or "__proto__" must not come from the prototype)
    if (keyField !== null) {
      const k = keyFromField(record, keyField);
      if (!k.ok) return k;
      key = k.value;
    }
    if (!Object.hasOwn(record, 'x')) return decodeFailure('missing-field', 'the record has no "x" field');
    const x = spec.inputKind === 'dense'
      ? readVector(record.x, spec.inputSize, 'x')
      : readTokenId(record.x, spec.inputSize, alphabet, 'x', 'token');
    if (!x.ok) return x;
    const source = { topic: message.topic, partition: message.partition, offset: message.offset };
    const hasY = Object.hasOwn(record, 'y');

    if (spec.target === 'next-step') {
      if (hasY) {
        return decodeFailure('unexpected-field', 'the record has a "y" field, but targets are configured as next-step ' +
          '(the target is the key\'s next x); drop "y" or configure explicit targets');
      }
      return ok([{ key, x: x.value, source }]);
    }
    if (!hasY) return decodeFailure('missing-field', 'the record has no "y" field, and targets are configured as explicit');
    const y = spec.head === 'softmax'
      ? readTokenId(record.y, spec.outputSize, alphabet, 'y', 'class')
      : readVector(record.y, spec.outputSize, 'y');
    if (!y.ok) return y;
    return ok([{ key, x: x.value, y: y.value, source }]);
  };
}

/** The sequence key from a JSON field: a non-empty string, or a finite number (its JavaScript decimal form). */
function keyFromField(record: Record<string, unknown>, field: string): Result<string, DecodeFailure> {
  const v = Object.hasOwn(record, field) ? record[field] : undefined;
  const name = JSON.stringify(field);
  if (v === undefined || v === null || v === '') {
    return decodeFailure('missing-key', `the key field ${name} is ${v === undefined ? 'absent' : v === null ? 'null' : 'empty'}`);
  }
  if (typeof v === 'string') return ok(v);
  if (typeof v === 'number' && Number.isFinite(v)) return ok(String(v));
  return decodeFailure('wrong-type', `the key field ${name} is ${jsonTypeOf(v)} ${preview(v)}, expected a string or a finite number`);
}
