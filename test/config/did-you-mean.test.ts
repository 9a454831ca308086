import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestMatch, editDistance } from '../../src/config/did-you-mean';

describe('editDistance', () => {
  it('matches textbook Levenshtein distances', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('flaw', 'lawn'), 2);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('abc', ''), 3);
    assert.equal(editDistance('same', 'same'), 0);
  });
  it('ignores case', () => {
    assert.equal(editDistance('kmax', 'kMax'), 0);
  });
});

describe('closestMatch', () => {
  it('picks the nearest plausible candidate, or none', () => {
    assert.equal(closestMatch('kMaxx', ['kMin', 'kMax', 'k0']), 'kMax');
    assert.equal(closestMatch('hiddenSise', ['inputSize', 'hiddenSize']), 'hiddenSize');
    assert.equal(closestMatch('zzzzzz', ['kMin', 'kMax']), undefined);
    assert.equal(closestMatch('x', []), undefined);
  });
});
