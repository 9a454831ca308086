import type { AnyKeySpec } from './config-schema';
import { expectedText, showValue } from './check-config-value';

/** A value parsed from text, or why it could not be. */
export type ParsedText = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/**
 * Coerces the text of an environment variable or command-line flag to the key's type: decimal numbers
 * (`50`, `1e-5`; not hex, not empty), booleans (true/false, 1/0, yes/no, on/off, any case), comma-separated
 * string lists (items trimmed; an empty text is an empty list), strings and enum names as written.
 * Range and allowed values are checked afterwards by `checkConfigValue`.
 */
export function parseConfigText(spec: AnyKeySpec, text: string): ParsedText {
  switch (spec.type) {
    case 'integer':
    case 'number': {
      const t = text.trim();
      if (!DECIMAL.test(t)) return { ok: false, message: `must be ${expectedText(spec)}, got ${showValue(text)}, which is not a decimal number` };
      return { ok: true, value: Number(t) };
    }
    case 'boolean': {
      const t = text.trim().toLowerCase();
      if (TRUE.has(t)) return { ok: true, value: true };
      if (FALSE.has(t)) return { ok: true, value: false };
      return { ok: false, message: `must be true or false (also 1/0, yes/no, on/off), got ${showValue(text)}` };
    }
    case 'string[]':
      return { ok: true, value: text.trim() === '' ? [] : text.split(',').map((s) => s.trim()) };
    case 'string':
    case 'enum':
      return { ok: true, value: text };
  }
}
