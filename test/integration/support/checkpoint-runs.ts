import type { ParamSet } from '../../../src/learner/model/param-set';
import { createRng } from '../../../src/util/rng';

/**
 * Valid JSON records {x, y} with token ids in [0, vocab) for `keys` keys, `perKey` records each, interleaved in
 * a seeded random order (per-key order kept). y follows a learnable rule of the recent inputs.
 */
export function hostileFreeRecords(keys: number, perKey: number, vocab: number, seed: number): Array<{ key: string; value: string }> {
  const rng = createRng(seed);
  const left = Array.from({ length: keys }, () => perKey);
  const prev = Array.from({ length: keys }, () => 0);
  const out: Array<{ key: string; value: string }> = [];
  while (out.length < keys * perKey) {
    const k = Math.floor(rng.next() * keys);
    if (left[k] === 0) continue;
    left[k]--;
    const x = Math.floor(rng.next() * vocab);
    const y = (x + prev[k]) % vocab;
    prev[k] = x;
    out.push({ key: `key-${k}`, value: JSON.stringify({ x, y }) });
  }
  return out;
}

/** undefined when both parameter sets hold bit-identical values; else where they first differ. */
export function paramsEqual(a: ParamSet, b: ParamSet): string | undefined {
  for (const [name, t] of a.tensors) {
    const u = b.tensors.get(name);
    if (!u) return `${name} missing`;
    const x = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
    const y = new Uint32Array(u.data.buffer, u.data.byteOffset, u.data.length);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return `${name}[${i}]: ${t.data[i]} vs ${u.data[i]}`;
  }
  return undefined;
}
