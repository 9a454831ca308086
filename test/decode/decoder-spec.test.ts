import { test } from 'node:test';
import assert from 'node:assert/strict';
import { textVocabularySize, validateDecoderSpec, type DecoderSpec } from '../../src/decode/decoder-spec';
import { csvSpec, jsonSpec, textSpec } from './messages';

test('consistent specs pass', () => {
  for (const s of [jsonSpec(), textSpec(), csvSpec(), textSpec({ textUnit: 'byte', inputSize: 256, outputSize: 256 }),
    jsonSpec({ inputKind: 'tokens', inputSize: 6, head: 'softmax', outputSize: 6, keyFrom: 'id' })]) {
    assert.doesNotThrow(() => validateDecoderSpec(s));
  }
});

test('inconsistent specs are rejected with a message naming the setting', () => {
  const cases: Array<[Partial<DecoderSpec>, RegExp, (o: Partial<DecoderSpec>) => DecoderSpec]> = [
    [{ keyFrom: '' }, /input\.keyFrom/, jsonSpec],
    [{ keyFrom: 'x' }, /keyFrom cannot be "x"/, jsonSpec],
    [{ keyFrom: 'id' }, /names a JSON field.*input\.format is text/, textSpec],
    [{ inputSize: 0 }, /model\.inputSize must be an integer ≥ 1/, jsonSpec],
    [{ outputSize: 1.5 }, /model\.outputSize/, jsonSpec],
    [{ maxMessageBytes: 0 }, /input\.maxMessageBytes/, jsonSpec],
    [{ maxJsonDepth: 1 }, /maxJsonDepth must be an integer ≥ 2/, jsonSpec],
    [{ alphabet: 'abca' }, /repeats the character "a"/, textSpec],
    [{ inputSize: 50, outputSize: 50 }, /smaller than the text vocabulary \(96/, textSpec],
    [{ textUnit: 'byte' }, /smaller than the text vocabulary \(256 byte values/, textSpec],
    [{ target: 'explicit' }, /text has no targets/, textSpec],
    [{ inputKind: 'dense' }, /text produces tokens/, textSpec],
    [{ inputKind: 'tokens', head: 'softmax', outputSize: 96, inputSize: 96 }, /csv carries numbers/, csvSpec],
    [{ head: 'softmax' }, /next-step prediction of dense vectors needs an mse head/, csvSpec],
    [{ target: 'next-step', outputSize: 2 }, /outputSize = inputSize \(3\)/, jsonSpec],
    [{ inputKind: 'tokens', target: 'next-step', head: 'mse', inputSize: 6, outputSize: 6 }, /softmax head/, jsonSpec],
    [{ format: 'xml' as 'json' }, /json, text or csv/, jsonSpec],
  ];
  for (const [overrides, message, make] of cases) {
    assert.throws(() => validateDecoderSpec(make(overrides)), (e: Error) => e instanceof RangeError && message.test(e.message),
      JSON.stringify(overrides));
  }
});

test('text vocabulary: alphabet size for char, 256 for byte', () => {
  assert.equal(textVocabularySize('char', ''), 96);
  assert.equal(textVocabularySize('char', 'ab😀'), 3);
  assert.equal(textVocabularySize('byte', 'ab'), 256);
});
