import type { AnyKeySpec, NumberKeySpec } from './config-schema';
import { closestMatch } from './did-you-mean';

/** A value as written in messages: strings quoted, lists as JSON. */
export function showValue(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (v === undefined) return 'nothing';
  return JSON.stringify(v);
}

/** What a value of this spec looks like, e.g. "an integer ≥ 1", "a number > 0 and < 1", "one of "a", "b"". */
export function expectedText(spec: AnyKeySpec): string {
  switch (spec.type) {
    case 'boolean': return 'true or false';
    case 'integer':
    case 'number': return numberText(spec);
    case 'string': return spec.pattern ? spec.pattern.hint : spec.nonEmpty ? 'a non-empty string' : 'a string';
    case 'string[]': {
      const count = spec.minItems ? ` of at least ${spec.minItems} item${spec.minItems === 1 ? '' : 's'}` : '';
      return `a list${count}${spec.item ? `, each ${spec.item.hint}` : ' of strings'}`;
    }
    case 'enum': return `one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
}

function numberText(spec: NumberKeySpec): string {
  const noun = spec.type === 'integer' ? 'an integer' : 'a number';
  const lo = spec.min === undefined ? '' : `${spec.minExclusive ? '>' : '≥'} ${spec.min}`;
  const hi = spec.max === undefined ? '' : `${spec.maxExclusive ? '<' : '≤'} ${spec.max}`;
  if (spec.type === 'integer' && lo && hi && !spec.minExclusive && !spec.maxExclusive) return `${noun} from ${spec.min} to ${spec.max}`;
  return [noun, [lo, hi].filter(Boolean).join(' and ')].filter(Boolean).join(' ');
}

/** How a value of the wrong type is described: the string "50", a list, the number 3. */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v === 'number' ? 'the number' : typeof v === 'boolean' ? 'the boolean' : typeof v} ${showValue(v)}`;
}

/**
 * Checks a typed value (from a file, or parsed from text) against its key's spec: type, integer, range,
 * allowed values, string patterns, list items.
 *
 * @returns null when valid, else what is wrong and how to fix it (without the key's name).
 */
export function checkConfigValue(spec: AnyKeySpec, value: unknown, defaultValue: unknown): string | null {
  const expected = expectedText(spec);
  if (value === null || value === undefined) {
    return `has no value; give ${expected} (default ${showValue(defaultValue)}), or remove it to keep the default`;
  }
  switch (spec.type) {
    case 'boolean':
      if (typeof value !== 'boolean') {
        const hint = typeof value === 'string' && /^(true|false)$/i.test(value) ? '; write it without quotes' : '';
        return `must be true or false, got ${typeName(value)}${hint}`;
      }
      return null;
    case 'integer':
    case 'number': {
      if (typeof value !== 'number') {
        const hint = typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? '; write it without quotes' : '';
        return `must be ${expected}, got ${typeName(value)}${hint}`;
      }
      if (!Number.isFinite(value)) return `must be ${expected} (a finite number), got ${showValue(value)}`;
      if (spec.type === 'integer' && !Number.isInteger(value)) {
        return `must be ${expected}, got ${value}, which is not a whole number; use ${Math.floor(value)} or ${Math.ceil(value)}`;
      }
      const below = spec.min !== undefined && (spec.minExclusive ? value <= spec.min : value < spec.min);
      const above = spec.max !== undefined && (spec.maxExclusive ? value >= spec.max : value > spec.max);
      if (below || above) return `must be ${expected}, got ${value}`;
      return null;
    }
    case 'string':
      if (typeof value !== 'string') {
        const hint = typeof value === 'number' || typeof value === 'boolean' ? `; quote it: "${String(value)}"` : '';
        return `must be ${expected}, got ${typeName(value)}${hint}`;
      }
      if (spec.nonEmpty && value === '') return `must not be empty; give ${expected} (default ${showValue(defaultValue)})`;
      if (spec.pattern && !spec.pattern.regex.test(value)) return `must be ${spec.pattern.hint}, got ${showValue(value)}`;
      return null;
    case 'string[]': {
      if (!Array.isArray(value)) {
        const hint = typeof value === 'string' ? `; write a list, e.g. [${value.split(',').map((s) => JSON.stringify(s.trim())).join(', ')}]` : '';
        return `must be ${expected}, got ${typeName(value)}${hint}`;
      }
      const bad = value.findIndex((item) => typeof item !== 'string');
      if (bad >= 0) return `item ${bad + 1} must be a string, got ${typeName(value[bad])}; quote it`;
      const items = value as string[];
      if (spec.minItems !== undefined && items.length < spec.minItems) {
        return `must list at least ${spec.minItems} item${spec.minItems === 1 ? '' : 's'} (${expected}), got ${items.length === 0 ? 'an empty list' : showValue(items)}`;
      }
      if (spec.item) {
        const i = items.findIndex((item) => !spec.item!.regex.test(item));
        if (i >= 0) return `item ${i + 1} (${showValue(items[i])}) must be ${spec.item.hint}`;
      }
      if (spec.unique) {
        const i = items.findIndex((item, j) => items.indexOf(item) !== j);
        if (i >= 0) return `lists ${showValue(items[i])} twice; give each item once`;
      }
      return null;
    }
    case 'enum': {
      if (typeof value === 'string' && spec.values.includes(value)) return null;
      const near = typeof value === 'string' ? closestMatch(value, spec.values) : undefined;
      return `must be ${expected}, got ${typeName(value)}${near === undefined ? '' : `. Did you mean ${JSON.stringify(near)}?`}`;
    }
  }
}
