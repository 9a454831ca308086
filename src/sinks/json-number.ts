/** Exact powers of ten as doubles (10^0 … 10^22 are all exactly representable). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/**
 * A number in JSON, to 6 significant digits: the same text as `String(Number(v.toPrecision(6)))`, with
 * NaN and ±Infinity as null (as JSON.stringify writes them). It runs several times for every published
 * prediction, and the toPrecision route (format, parse, format again) cost twice as much.
 *
 * How: the six digits are round(|v|·10^(5−e)) for e = ⌊log10 |v|⌋, an integer r; the value is r·10^(e−5),
 * whose shortest decimal is r without its trailing zeros, placed as Number.prototype.toString places it.
 * The product |v|·10^(5−e) is off by at most half an ulp, so a fraction within 1e-6 of one half (where
 * that could change the rounding), and magnitudes outside [1e-6, 1e6) (exponent notation, or inexact
 * powers of ten), take the toPrecision route.
 */
export function jsonNumber(v: number): string {
  if (!Number.isFinite(v)) return 'null';
  if (v === 0) return '0';
  const a = v < 0 ? -v : v;
  const shift = 5 - Math.floor(Math.log10(a));
  if (shift < 0 || shift > 11) return slowJsonNumber(v);
  const scaled = a * POW10[shift];
  // log10 can be off by one next to a power of ten: the scaled value must have six integer digits.
  if (scaled < 1e5 || scaled >= 1e6) return slowJsonNumber(v);
  const floor = Math.floor(scaled);
  const fraction = scaled - floor;
  if (fraction > 0.5 - 1e-6 && fraction < 0.5 + 1e-6) return slowJsonNumber(v);
  let r = fraction < 0.5 ? floor : floor + 1;
  let k = -shift; // the value is r · 10^k
  while (r % 10 === 0) {
    r /= 10;
    k++;
  }
  const digits = String(r);
  const n = digits.length + k; // 10^(n−1) ≤ value < 10^n
  let text: string;
  if (k >= 0) text = digits + '0'.repeat(k);
  else if (n > 0) text = `${digits.slice(0, n)}.${digits.slice(n)}`;
  else if (n > -6) text = `0.${'0'.repeat(-n)}${digits}`;
  else return slowJsonNumber(v);
  return v < 0 ? `-${text}` : text;
}

function slowJsonNumber(v: number): string {
  return String(Number(v.toPrecision(6)));
}
