import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { charCorpus, tokenColumns } from '../../src/experiments/datasets/char-corpus';

describe('charCorpus', () => {
  it('builds the vocabulary from the characters and splits 90/5/5 contiguously, in order', () => {
    const text = 'abcdefghij'.repeat(20) + 'ωω'; // 202 characters, one of them outside ASCII
    const c = charCorpus(text, 2);
    assert.deepEqual(c.vocabulary, [...'abcdefghij', 'ω']);
    assert.deepEqual(c.sizes, { train: 181, valid: 10, test: 11 });
    const decode = (ids: Int32Array): string => Array.from(ids, (i) => c.vocabulary[i]).join('');
    // train: 181 tokens → 2 columns of 90 inputs; column 1 starts at token 90.
    assert.equal(c.train.inputs[0].length, 90);
    assert.equal(decode(c.train.inputs[0]), text.slice(0, 90));
    assert.equal(decode(c.train.targets[0]), text.slice(1, 91));
    assert.equal(decode(c.train.inputs[1]), text.slice(90, 180));
    // test: the last 11 characters, including the non-ASCII tail.
    assert.equal(decode(c.test.inputs[0]) + decode(c.test.inputs[1]).slice(-5), text.slice(191, 196) + text.slice(196, 201));
    assert.equal(decode(c.test.targets[1]).slice(-1), 'ω');
  });

  it('refuses too few tokens for the streams', () => {
    assert.throws(() => tokenColumns(Int32Array.from([1, 2]), 2), /too few/);
  });
});
