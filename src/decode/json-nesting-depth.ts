/**
 * The nesting depth of JSON text (arrays and objects; `{"x": [1]}` has depth 2), found by a single scan
 * of brackets outside strings, without parsing — so that hostile input such as 10^5 nested arrays is
 * rejected before JSON.parse could build (or recurse through) it.
 *
 * The scan stops as soon as the depth exceeds `limit` and then returns `limit + 1`, so its cost is
 * bounded by the text length. It does not validate the JSON (mismatched brackets are left to JSON.parse).
 */
export function jsonNestingDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++; // skip the escaped character (an escaped quote does not end the string)
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return limit + 1;
      }
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return max;
}
