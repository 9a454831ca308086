import type { RawMessage } from '../../src/domain/raw-message';
import type { DecoderSpec } from '../../src/decode/decoder-spec';

/** A message of topic "in", partition 2, offset "41" (unless overridden), with string values as UTF-8. */
export function rawMessage(value: string | Buffer | null, key: string | Buffer | null = 'k', extra: Partial<RawMessage> = {}): RawMessage {
  return {
    topic: 'in', partition: 2, offset: '41',
    key: typeof key === 'string' ? Buffer.from(key, 'utf8') : key,
    value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
    ...extra,
  };
}

/** A JSON spec: 3 dense features, explicit mse targets of 2 values, key from the message key. */
export function jsonSpec(overrides: Partial<DecoderSpec> = {}): DecoderSpec {
  return {
    format: 'json', keyFrom: 'message-key', inputKind: 'dense', inputSize: 3, target: 'explicit', head: 'mse',
    outputSize: 2, alphabet: '', textUnit: 'char', maxMessageBytes: 1 << 20, maxJsonDepth: 16, ...overrides,
  };
}

/** A text spec over the default 96-character alphabet, next-step. */
export function textSpec(overrides: Partial<DecoderSpec> = {}): DecoderSpec {
  return jsonSpec({ format: 'text', inputKind: 'tokens', inputSize: 96, target: 'next-step', head: 'softmax', outputSize: 96, ...overrides });
}

/** A CSV spec: 3 dense features, next-step (mse, 3 outputs). */
export function csvSpec(overrides: Partial<DecoderSpec> = {}): DecoderSpec {
  return jsonSpec({ format: 'csv', inputSize: 3, target: 'next-step', head: 'mse', outputSize: 3, ...overrides });
}
