/**
 * "Did you mean" suggestions for misspelt names and values, by Levenshtein edit distance
 * (insertions, deletions, substitutions; case differences cost nothing).
 */

/** Edit distance between a and b, ignoring case. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[t.length];
}

/**
 * The candidate closest to `name`, or undefined when none is close enough to be a plausible typo
 * (distance ≤ max(2, a third of the longer name)). Ties go to the earlier candidate.
 */
export function closestMatch(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestDistance && d <= Math.max(2, Math.floor(Math.max(name.length, c.length) / 3))) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** ` Did you mean "x"?` or '' when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const m = closestMatch(name, candidates);
  return m === undefined ? '' : ` Did you mean ${m}?`;
}
