/**
 * Whether a string spells a non-finite number ("NaN", "Infinity", "-inf", " nan "…, any case), so that
 * such values are rejected as `non-finite` rather than as a wrong type.
 */
export function isNonFiniteName(text: string): boolean {
  return text.length <= 16 && NON_FINITE.test(text);
}

const NON_FINITE = /^\s*[+-]?(?:nan|inf|infinity)\s*$/i;
