import type { TokenStreams } from './copy-task';

/** A character-level corpus cut into contiguous train/validation/test parts, each as parallel streams. */
export interface CharCorpus {
  /** The distinct characters (code points), sorted; token id = index. */
  readonly vocabulary: readonly string[];
  readonly train: TokenStreams;
  readonly valid: TokenStreams;
  readonly test: TokenStreams;
  /** Characters in each part before cutting into streams. */
  readonly sizes: { readonly train: number; readonly valid: number; readonly test: number };
}

/**
 * Cuts a token sequence into S equal contiguous columns (the usual "batchify"): column s covers
 * tokens [s·L, (s+1)·L] with L = floor((n − 1) / S); inputs are tokens t, targets tokens t + 1 (next-character
 * prediction). The remainder is dropped.
 */
export function tokenColumns(tokens: Int32Array, streams: number): TokenStreams {
  const L = Math.floor((tokens.length - 1) / streams);
  if (L < 1) throw new RangeError(`${tokens.length} tokens are too few for ${streams} streams`);
  const inputs: Int32Array[] = [];
  const targets: Int32Array[] = [];
  for (let s = 0; s < streams; s++) {
    inputs.push(tokens.slice(s * L, s * L + L));
    targets.push(tokens.slice(s * L + 1, s * L + L + 1));
  }
  return { inputs, targets };
}

/**
 * Character-level language-model data from a text: the vocabulary is the text's characters; the first
 * 90 % is training, the next 5 % validation, the last 5 % test (contiguous, in order); each part becomes
 * `streams` parallel columns.
 */
export function charCorpus(text: string, streams: number): CharCorpus {
  const chars = Array.from(text);
  const vocabulary = [...new Set(chars)].sort();
  const index = new Map(vocabulary.map((c, i) => [c, i]));
  const tokens = Int32Array.from(chars, (c) => index.get(c) as number);
  const nTrain = Math.floor(tokens.length * 0.9);
  const nValid = Math.floor(tokens.length * 0.05);
  const parts = {
    train: tokens.subarray(0, nTrain),
    valid: tokens.subarray(nTrain, nTrain + nValid),
    test: tokens.subarray(nTrain + nValid),
  };
  return {
    vocabulary,
    train: tokenColumns(parts.train, streams),
    valid: tokenColumns(parts.valid, streams),
    test: tokenColumns(parts.test, streams),
    sizes: { train: parts.train.length, valid: parts.valid.length, test: parts.test.length },
  };
}
