/**
 * A token alphabet for character-level text: characters (Unicode code points) in token-id order.
 */
export interface Alphabet {
  /** Number of tokens (ids are 0..size−1). */
  readonly size: number;
  /** The characters in id order. */
  readonly chars: readonly string[];
  /** Token id of a Unicode code point, or −1 when it is not in the alphabet. */
  idOf(codePoint: number): number;
}

/**
 * The default alphabet: "\n" then printable ASCII 32..126 (space to "~"), in code-point order, so
 * "\n" is id 0, " " is id 1, "A" is id 34, "~" is id 95; 96 tokens.
 */
export const DEFAULT_ALPHABET_CHARS: string = '\n' + Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');

/**
 * Builds an alphabet from a string of distinct characters (code points, so astral characters count once);
 * the empty string gives the default alphabet.
 * @throws RangeError on a repeated character (the error says which).
 */
export function createAlphabet(chars: string): Alphabet {
  const list = [...(chars === '' ? DEFAULT_ALPHABET_CHARS : chars)];
  const ascii = new Int32Array(128).fill(-1);
  const others = new Map<number, number>();
  list.forEach((ch, id) => {
    const cp = ch.codePointAt(0)!;
    if ((cp < 128 ? ascii[cp] : others.get(cp) ?? -1) !== -1) {
      throw new RangeError(`input.alphabet repeats the character ${JSON.stringify(ch)} (U+${hex(cp)}); list each character once`);
    }
    if (cp < 128) ascii[cp] = id;
    else others.set(cp, id);
  });
  return {
    size: list.length,
    chars: list,
    idOf: (cp: number) => (cp < 128 ? ascii[cp] : others.get(cp) ?? -1),
  };
}

/** A code point as 4+ uppercase hex digits (U+ notation without the prefix). */
export function hex(codePoint: number): string {
  return codePoint.toString(16).toUpperCase().padStart(4, '0');
}
