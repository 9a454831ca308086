import type { ServiceConfig } from '../config/config-schema';
import { ConfigError } from '../errors';
import type { DecoderSpec } from '../decode/decoder-spec';
import { DEFAULT_MAX_JSON_DEPTH, textVocabularySize, validateDecoderSpec } from '../decode/decoder-spec';
import type { ModelSpec } from '../learner/model/model-spec';
import { validateModelSpec } from '../learner/model/model-spec';

/**
 * The model architecture and the decoder implied by the configuration: sizes left at 0 are derived from
 * the input format (text: the vocabulary; next-step targets: outputSize = inputSize). Throws a
 * ConfigError that says which key to set when the combination cannot work.
 */
export function deriveSpecs(config: ServiceConfig): { model: ModelSpec; decoder: DecoderSpec } {
  const { input, model } = config;
  const fail = (key: string, message: string): never => {
    throw new ConfigError([{ key, origin: { kind: 'default' }, message }]);
  };
  const inputKind = input.format === 'text' ? 'tokens' : input.format === 'csv' ? 'dense' : input.values;
  const target = input.format === 'text' ? 'next-step' : input.target;
  let inputSize = model.inputSize;
  if (input.format === 'text') {
    const vocab = textVocabularySize(input.textUnit, input.alphabet);
    if (inputSize === 0) inputSize = vocab;
    else if (inputSize < vocab) fail('model.inputSize', `must be ≥ the text vocabulary (${vocab}), or 0 to derive it`);
  }
  if (inputSize === 0) fail('model.inputSize', `set it to the number of features per step (${inputKind === 'tokens' ? 'the vocabulary size' : 'the length of x'}); only text input derives it`);
  let head = model.head;
  let outputSize = model.outputSize;
  if (target === 'next-step') {
    const needed = inputKind === 'tokens' ? 'softmax' : 'mse';
    if (head !== needed) fail('model.head', `next-step prediction of ${inputKind} inputs needs head "${needed}"`);
    if (outputSize === 0) outputSize = inputSize;
    else if (outputSize !== inputSize) fail('model.outputSize', `next-step prediction predicts x itself: set it to model.inputSize (${inputSize}) or 0`);
  } else if (outputSize === 0) {
    fail('model.outputSize', `explicit targets need the number of ${head === 'softmax' ? 'classes' : 'target values'}`);
  }
  head = head as ModelSpec['head'];
  const spec: ModelSpec = {
    cell: model.cell, layers: model.layers, inputSize, inputKind, hiddenSize: model.hiddenSize, outputSize, head,
    ...(model.embedSize > 0 ? { embedSize: model.embedSize } : {}),
  };
  const decoder: DecoderSpec = {
    format: input.format, keyFrom: input.keyFrom, inputKind, inputSize, target, head, outputSize,
    alphabet: input.alphabet, textUnit: input.textUnit, maxMessageBytes: input.maxMessageBytes, maxJsonDepth: DEFAULT_MAX_JSON_DEPTH,
  };
  try {
    validateModelSpec(spec);
    validateDecoderSpec(decoder);
  } catch (e) {
    fail('input', (e as Error).message);
  }
  return { model: spec, decoder };
}
