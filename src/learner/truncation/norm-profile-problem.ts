/**
 * Checks a diagnostic norm profile before it reaches the estimator: `lagNorms` must be [W][S] (W ≥ 1 lags,
 * S ≥ 1 sequences, not ragged) and `cumNorms` [W], every value a finite number ≥ 0.
 *
 * @param lagNorms the per-lag norms, of unknown type (they may come from JSON).
 * @param cumNorms the cumulative norms C, of unknown type.
 * @param names how to call the two fields in messages (e.g. the CLI's "gradNorms").
 * @returns a message naming the offending field and element and saying what is expected, or null when fine.
 */
export function normProfileProblem(
  lagNorms: unknown,
  cumNorms: unknown,
  names: { lagNorms: string; cumNorms: string } = { lagNorms: 'lagNorms', cumNorms: 'cumNorms' },
): string | null {
  const L = names.lagNorms;
  const C = names.cumNorms;
  if (!isArrayLike(lagNorms) || lagNorms.length === 0) {
    return `${L} must be a non-empty array of W rows (one per lag), each an array of S norms`;
  }
  const w = lagNorms.length;
  let s = -1;
  for (let j = 0; j < w; j++) {
    const row = lagNorms[j];
    if (!isArrayLike(row)) return `${L}[${j}] must be an array of S norms (one per sequence), got ${show(row)}`;
    if (row.length === 0) return `${L}[${j}] is empty; every lag needs at least one sequence`;
    if (s < 0) s = row.length;
    else if (row.length !== s) {
      return `${L} is ragged: ${L}[${j}] has ${row.length} columns but ${L}[0] has ${s}; every lag needs the same S sequences`;
    }
    for (let k = 0; k < row.length; k++) {
      if (!isNorm(row[k])) return `${L}[${j}][${k}] must be a finite number ≥ 0, got ${show(row[k])}`;
    }
  }
  if (!isArrayLike(cumNorms)) return `${C} must be an array of W = ${w} numbers (one per lag), got ${show(cumNorms)}`;
  if (cumNorms.length !== w) {
    return `${C} has ${cumNorms.length} values but ${L} has W = ${w} lags; they must have the same length`;
  }
  for (let j = 0; j < w; j++) {
    if (!isNorm(cumNorms[j])) return `${C}[${j}] must be a finite number ≥ 0, got ${show(cumNorms[j])}`;
  }
  return null;
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || ArrayBuffer.isView(v);
}

function isNorm(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function show(v: unknown): string {
  if (typeof v === 'number') return String(v);
  const text = JSON.stringify(v);
  if (text === undefined) return String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
