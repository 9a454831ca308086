import type { HeadKind, InputKind } from '../learner/model/model-spec';
import { createAlphabet } from './alphabet';

/**
 * Where a record's target comes from:
 * - `next-step`: records carry no `y`; the target of step t is the key's next x (y_t = x_{t+1}), paired
 *   by {@link NextStepPairer}. Tokens then need a softmax head over the vocabulary, dense inputs an mse head
 *   with outputSize = inputSize.
 * - `explicit`: every record carries its own `y`.
 */
export type TargetMode = 'next-step' | 'explicit';

/** The message key ("message-key") or, for JSON, the name of the field holding the sequence key. */
export const MESSAGE_KEY = 'message-key';

/** Default for {@link DecoderSpec.maxJsonDepth}: a valid record nests 2 levels (`{"x": [ … ]}`). */
export const DEFAULT_MAX_JSON_DEPTH = 16;

/**
 * Everything a decoder needs to know to turn message bytes into validated records.
 *
 * Formats:
 * - `json`: one record per message, `{"x": …, "y"?: …}` plus, when `keyFrom` names a field, that field.
 *   Other fields are ignored. x is number[inputSize] or (inputSize = 1) a bare number for dense inputs; an
 *   integer id in [0, inputSize) or a one-character string of the alphabet for tokens. y is a class id in
 *   [0, outputSize) or a one-character string of the alphabet (softmax), or number[outputSize] or
 *   (outputSize = 1) a bare number (mse).
 * - `text`: each message a UTF-8 string (textUnit char: each character a token of the alphabet) or a byte
 *   string (textUnit byte: each byte a token 0..255); one record per token, in order; next-step only.
 * - `csv`: one line of comma-separated numbers (an optional trailing "\n" or "\r\n"; spaces around numbers
 *   allowed; no quoting): the first inputSize columns are x; with explicit targets they are followed by the
 *   target: one column holding the class id (softmax) or outputSize columns (mse). Dense inputs only.
 */
export interface DecoderSpec {
  readonly format: 'json' | 'text' | 'csv';
  /** {@link MESSAGE_KEY} or, for json only, the name of a field holding a string or number. */
  readonly keyFrom: string;
  /** text implies tokens; csv implies dense. */
  readonly inputKind: InputKind;
  /** Features per step (dense) or vocabulary size (tokens); for text ≥ the alphabet size (char) or 256 (byte). */
  readonly inputSize: number;
  readonly target: TargetMode;
  readonly head: HeadKind;
  /** Classes (softmax) or target dimension (mse). */
  readonly outputSize: number;
  /** Characters in token-id order for text with textUnit char, and for one-character JSON tokens; '' = default. */
  readonly alphabet: string;
  /** For text: characters of the alphabet or raw bytes. */
  readonly textUnit: 'char' | 'byte';
  /** Largest accepted value (and key), in bytes; checked before any parsing. */
  readonly maxMessageBytes: number;
  /** Deepest accepted JSON nesting of arrays and objects (≥ 2). */
  readonly maxJsonDepth: number;
}

/**
 * Checks that a spec is consistent; the decoders assume it.
 * @throws RangeError with a message that says which setting to change.
 */
export function validateDecoderSpec(spec: DecoderSpec): void {
  const positiveInt = (name: string, v: number, min = 1): void => {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${v}`);
  };
  if (!['json', 'text', 'csv'].includes(spec.format)) throw new RangeError(`input.format must be json, text or csv, got ${JSON.stringify(spec.format)}`);
  if (!['dense', 'tokens'].includes(spec.inputKind)) throw new RangeError(`inputKind must be dense or tokens, got ${JSON.stringify(spec.inputKind)}`);
  if (!['next-step', 'explicit'].includes(spec.target)) throw new RangeError(`target must be next-step or explicit, got ${JSON.stringify(spec.target)}`);
  if (!['softmax', 'mse'].includes(spec.head)) throw new RangeError(`model.head must be softmax or mse, got ${JSON.stringify(spec.head)}`);
  if (!['char', 'byte'].includes(spec.textUnit)) throw new RangeError(`input.textUnit must be char or byte, got ${JSON.stringify(spec.textUnit)}`);
  positiveInt('model.inputSize', spec.inputSize);
  positiveInt('model.outputSize', spec.outputSize);
  positiveInt('input.maxMessageBytes', spec.maxMessageBytes);
  positiveInt('maxJsonDepth', spec.maxJsonDepth, 2);
  if (typeof spec.keyFrom !== 'string' || spec.keyFrom === '') {
    throw new RangeError(`input.keyFrom must be "${MESSAGE_KEY}" or the name of a JSON field, got ${JSON.stringify(spec.keyFrom)}`);
  }
  if (spec.keyFrom !== MESSAGE_KEY) {
    if (spec.format !== 'json') throw new RangeError(`input.keyFrom names a JSON field (${JSON.stringify(spec.keyFrom)}) but input.format is ${spec.format}; use "${MESSAGE_KEY}"`);
    if (spec.keyFrom === 'x' || spec.keyFrom === 'y') throw new RangeError(`input.keyFrom cannot be "${spec.keyFrom}": that field holds the ${spec.keyFrom === 'x' ? 'input' : 'target'}`);
  }
  const alphabet = createAlphabet(spec.alphabet); // throws on repeated characters

  if (spec.format === 'text') {
    if (spec.inputKind !== 'tokens') throw new RangeError('input.format text produces tokens: set the input kind to tokens');
    if (spec.target !== 'next-step') throw new RangeError('input.format text has no targets: use next-step prediction');
    const vocabulary = spec.textUnit === 'byte' ? 256 : alphabet.size;
    if (spec.inputSize < vocabulary) {
      throw new RangeError(`model.inputSize (${spec.inputSize}) is smaller than the text vocabulary (${vocabulary} ${spec.textUnit === 'byte' ? 'byte values' : 'alphabet characters'}); use ${vocabulary} (or 0 to derive it)`);
    }
  }
  if (spec.format === 'csv' && spec.inputKind !== 'dense') throw new RangeError('input.format csv carries numbers: set the input kind to dense');
  if (spec.target === 'next-step') {
    if (spec.inputKind === 'tokens' && (spec.head !== 'softmax' || spec.outputSize < spec.inputSize)) {
      throw new RangeError(`next-step prediction of tokens needs a softmax head with outputSize ≥ inputSize (${spec.inputSize}); got ${spec.head} with ${spec.outputSize}`);
    }
    if (spec.inputKind === 'dense' && (spec.head !== 'mse' || spec.outputSize !== spec.inputSize)) {
      throw new RangeError(`next-step prediction of dense vectors needs an mse head with outputSize = inputSize (${spec.inputSize}); got ${spec.head} with ${spec.outputSize}`);
    }
  }
}

/**
 * Vocabulary size implied by a text input (alphabet size for char, 256 for byte): what
 * `model.inputSize = 0` ("derived from the input format") resolves to.
 */
export function textVocabularySize(textUnit: 'char' | 'byte', alphabet: string): number {
  return textUnit === 'byte' ? 256 : createAlphabet(alphabet).size;
}
