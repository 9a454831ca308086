import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonNestingDepth } from '../../src/decode/json-nesting-depth';
import { createRng, type Rng } from '../../src/util/rng';

/** Reference: depth of a parsed value, by recursion over the structure. */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v !== null && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

/** Random JSON values whose strings are full of brackets, quotes and backslashes. */
function randomValue(rng: Rng, budget: number): unknown {
  const kind = rng.int(budget > 0 ? 6 : 3);
  const str = (): string => Array.from({ length: rng.int(6) }, () => '[]{}"\\a,:'[rng.int(9)]).join('');
  switch (kind) {
    case 0: return rng.normal();
    case 1: return str();
    case 2: return null;
    case 3: case 4: return Array.from({ length: rng.int(4) }, () => randomValue(rng, budget - 1));
    default: return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [str(), randomValue(rng, budget - 1)]));
  }
}

test('agrees with the depth of the parsed structure on random JSON with tricky strings', () => {
  const rng = createRng(7);
  for (let i = 0; i < 3000; i++) {
    const v = randomValue(rng, rng.int(9));
    const text = JSON.stringify(v);
    const d = depthOf(v);
    assert.equal(jsonNestingDepth(text, 100), d, text);
    if (d > 0) assert.equal(jsonNestingDepth(text, d - 1), d, `stops at limit + 1: ${text}`);
  }
});

test('stops early on huge nesting', () => {
  assert.equal(jsonNestingDepth('['.repeat(100000), 16), 17);
  assert.equal(jsonNestingDepth('"' + '['.repeat(100000), 16), 0); // inside an unterminated string
});
