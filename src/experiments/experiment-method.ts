/**
 * One method of an experiment grid: TBPTT with a fixed truncation length K, or adaptive TBPTT with a
 * tolerated relative bias δ (starting at K0).
 */
export type ExperimentMethod =
  | { readonly kind: 'fixed'; readonly label: string; readonly k: number }
  | { readonly kind: 'adaptive'; readonly label: string; readonly delta: number; readonly k0: number };

/** Fixed K, labelled "K=<k>" as in the paper's tables. */
export function fixedMethod(k: number): ExperimentMethod {
  return { kind: 'fixed', label: `K=${k}`, k };
}

/** Adaptive δ, labelled "δ=<delta>". */
export function adaptiveMethod(delta: number, k0: number): ExperimentMethod {
  return { kind: 'adaptive', label: `δ=${delta}`, delta, k0 };
}

/** The grid: fixed Ks first, then adaptive δs, in the given orders. */
export function methodGrid(fixedKs: readonly number[], deltas: readonly number[], k0: number): ExperimentMethod[] {
  return [...fixedKs.map(fixedMethod), ...deltas.map((d) => adaptiveMethod(d, k0))];
}

/** A file-name-safe slug of a method label ("K=5" → "K5", "δ=0.1" → "delta0.1"). */
export function methodSlug(m: ExperimentMethod): string {
  return m.kind === 'fixed' ? `K${m.k}` : `delta${m.delta}`;
}
