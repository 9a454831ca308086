import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseTruncation, clampTruncation } from '../../../src/learner/truncation/choose-truncation';

describe('chooseTruncation', () => {
  const logRel = [0.5, 0.2, 0.1, 0.05, 0.01].map(Math.log); // δ̂(1..5)
  it('returns the smallest K with δ̂(K) < δ, strictly', () => {
    assert.equal(chooseTruncation(logRel, 0.3), 2);
    assert.equal(chooseTruncation(logRel, 0.11), 3);
    assert.equal(chooseTruncation(logRel, 0.6), 1);
  });
  it('returns W when no K reaches δ, including when δ̂ = δ exactly or every δ̂ is infinite', () => {
    assert.equal(chooseTruncation(logRel, 0.001), 5);
    assert.equal(chooseTruncation([Math.log(0.25), Math.log(0.25)], 0.25), 2);
    assert.equal(chooseTruncation([Infinity, Infinity, Infinity], 0.9), 3);
  });
  it('rejects δ ≤ 0 and non-finite δ', () => {
    for (const d of [0, -0.1, NaN, Infinity]) assert.throws(() => chooseTruncation(logRel, d), /delta must be a finite number > 0/);
  });
});

describe('clampTruncation', () => {
  it('clamps to [kMin, kMax]', () => {
    assert.equal(clampTruncation(1, 2, 100), 2);
    assert.equal(clampTruncation(50, 2, 100), 50);
    assert.equal(clampTruncation(120, 2, 100), 100);
  });
});
