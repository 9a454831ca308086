/**
 * Generators of hostile (and some valid) messages for the decoders, shared by the decoder fuzz test and the
 * service fault test (test/integration/service-faults.test.ts): random bytes, huge values, 10^5-level
 * nesting, wrong types, NaN/Inf, wrong dimensions, unknown tokens, empty values, missing keys, invalid
 * UTF-8, byte mutations of valid messages. Each generated {@link Case} says what it must decode to, and
 * each {@link Target} re-validates accepted records independently of the decoders' code.
 */
import { DEFAULT_ALPHABET_CHARS } from '../../src/decode/alphabet';
import type { DecodeFailureReason } from '../../src/decode/decode-failure';
import type { DecoderSpec } from '../../src/decode/decoder-spec';
import type { DecodedRecord } from '../../src/domain/decoded-record';
import type { RawMessage } from '../../src/domain/raw-message';
import { createRng, type Rng } from '../../src/util/rng';
import { jsonSpec, textSpec } from './messages';

/** The decoders' default size limit in bytes; HUGE values exceed it. */
export const MAX_BYTES = 1 << 20;

/** What a generated case must decode to: ok, a given failure reason, or anything valid ('any'). */
export type Expect = 'ok' | 'any' | DecodeFailureReason;
export interface Case {
  readonly category: string;
  readonly message: RawMessage;
  readonly expect: Expect;
  /** A regex the failure detail must match (e.g. the position of an unknown character). */
  readonly detail?: RegExp;
}
export interface Target {
  readonly name: string;
  readonly spec: DecoderSpec;
  generate(rng: Rng, offset: number): Case;
  /** Independent re-validation of accepted records; returns a problem description or null. */
  check(message: RawMessage, records: DecodedRecord[]): string | null;
}

// ---------------------------------------------------------------- shared pieces

export const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)];
export const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');
export const randomBytes = (rng: Rng, n: number): Buffer => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(256);
  return b;
};
export const message = (offset: number, value: Buffer | null, key: Buffer | null): RawMessage =>
  ({ topic: 'fuzz', partition: offset % 7, offset: String(offset), key, value });
export const validKey = (rng: Rng): Buffer => bytes(pick(rng, ['k', 'sensor-', 'ключ-', '键', 'a b']) + rng.int(1000));
export const missingKey = (rng: Rng): Buffer | null => (rng.int(2) === 0 ? null : Buffer.alloc(0));

/** Byte sequences that can never occur in valid UTF-8. */
export const INVALID_UTF8: readonly number[][] = [[0xff], [0xfe], [0xc0, 0x80], [0xc1, 0xbf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xf4, 0x90, 0x80, 0x80]];
export function corruptUtf8(rng: Rng, valid: Buffer): Buffer {
  const at = rng.int(valid.length + 1);
  return Buffer.concat([valid.subarray(0, at), Buffer.from(pick(rng, INVALID_UTF8)), valid.subarray(at)]);
}

/** 1–4 random byte-level edits: bit flips, deletions, insertions, duplicated or swapped bytes. */
export function mutate(rng: Rng, valid: Buffer): Buffer {
  let b = Buffer.from(valid);
  for (let n = 1 + rng.int(4); n > 0 && b.length > 0; n--) {
    const i = rng.int(b.length);
    switch (rng.int(5)) {
      case 0: b[i] ^= 1 << rng.int(8); break;
      case 1: b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]); break;
      case 2: b = Buffer.concat([b.subarray(0, i), Buffer.from([pick(rng, [0x22, 0x2c, 0x5b, 0x7b, 0x5d, 0x7d, 0x2d, 0x2e, 0x65, 0x30, 0x0a, rng.int(256)])]), b.subarray(i)]); break;
      case 3: b = Buffer.concat([b.subarray(0, i), b.subarray(i, i + 1 + rng.int(8)), b.subarray(i)]); break;
      default: { const j = rng.int(b.length); const t = b[i]; b[i] = b[j]; b[j] = t; }
    }
  }
  return b;
}

/** Shared giant values, built once: over the size limit, and 10^5 levels of nesting (under the limit). */
export const HUGE: readonly Buffer[] = [
  Buffer.alloc(MAX_BYTES + 1, 0x5b),
  randomBytes(createRng(99), MAX_BYTES + 1000),
  bytes('{"x":[' + '1,'.repeat(MAX_BYTES / 2) + '1]}'),
  bytes('a'.repeat(MAX_BYTES + 5)),
];
export const DEEP = 100_000;
export const DEEP_VALUES: readonly Buffer[] = [
  bytes('['.repeat(DEEP) + ']'.repeat(DEEP)),
  bytes('{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP)),
  bytes('{"x":' + '['.repeat(DEEP) + ']'.repeat(DEEP) + ',"y":[0,0]}'),
  bytes('['.repeat(DEEP)),
  bytes('[{"y":'.repeat(DEEP / 2) + 'null' + '}]'.repeat(DEEP / 2)),
];

/** A random finite number in one of several textual forms (JSON and CSV). */
export function numberText(rng: Rng): string {
  switch (rng.int(6)) {
    case 0: return String(rng.int(2001) - 1000);
    case 1: return String(rng.normal());
    case 2: return (rng.normal() * 1e6).toExponential(rng.int(8));
    case 3: return (rng.normal() * 100).toFixed(rng.int(5));
    case 4: return pick(rng, ['0', '-0', '1e-300', '3.4e38', '-3.4e38', '1E+2', '0.000001']);
    default: return String(Math.fround(rng.uniform(-1, 1)));
  }
}
export const numbers = (rng: Rng, n: number): string[] => Array.from({ length: n }, () => numberText(rng));

// ---------------------------------------------------------------- independent checks

export const sourceProblem = (m: RawMessage, r: DecodedRecord): string | null =>
  r.source.topic === m.topic && r.source.partition === m.partition && r.source.offset === m.offset ? null : 'source differs from the message';

export function keyProblem(m: RawMessage, r: DecodedRecord): string | null {
  if (typeof r.key !== 'string' || r.key === '') return 'empty key';
  if (m.key === null || !bytes(r.key).equals(m.key)) return 'key is not the message key';
  return null;
}

/** A dense value re-validated from the parsed JSON: exactly `size` finite float32 numbers. */
export function denseProblem(field: string, raw: unknown, got: unknown, size: number): string | null {
  const list = typeof raw === 'number' && size === 1 ? [raw] : raw;
  if (!Array.isArray(list) || list.length !== size) return `${field}: accepted a value that is not ${size} numbers`;
  if (!(got instanceof Float32Array) || got.length !== size) return `${field}: decoded value is not a Float32Array[${size}]`;
  for (let i = 0; i < size; i++) {
    if (typeof list[i] !== 'number' || !Number.isFinite(Math.fround(list[i] as number))) return `${field}[${i}]: accepted ${String(list[i])}`;
    if (got[i] !== Math.fround(list[i] as number)) return `${field}[${i}]: decoded ${got[i]}, source ${String(list[i])}`;
  }
  return null;
}

/** A token / class id re-validated from the parsed JSON against an alphabet given as a character list. */
export function idProblem(field: string, raw: unknown, got: unknown, size: number, chars: readonly string[]): string | null {
  const expected = typeof raw === 'number' ? raw : typeof raw === 'string' && [...raw].length === 1 ? chars.indexOf(raw) : NaN;
  if (!Number.isInteger(expected) || expected < 0 || expected >= size) return `${field}: accepted ${JSON.stringify(raw)}`;
  return got === expected ? null : `${field}: decoded ${String(got)}, expected ${expected}`;
}

export function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + v.reduce((m: number, e) => Math.max(m, depthOf(e)), 0);
  if (v !== null && typeof v === 'object') return 1 + Object.values(v).reduce((m: number, e) => Math.max(m, depthOf(e)), 0);
  return 0;
}

// ---------------------------------------------------------------- JSON targets

export interface JsonShape {
  readonly name: string;
  readonly spec: DecoderSpec;
  readonly validX: (rng: Rng) => string;
  readonly validY: ((rng: Rng) => string) | null;
  /** Defective x fragments and the reason each must produce. */
  readonly badX: ReadonlyArray<readonly [string, DecodeFailureReason]>;
  readonly badY: ReadonlyArray<readonly [string, DecodeFailureReason]>;
}

export function jsonTarget(shape: JsonShape): Target {
  const { spec } = shape;
  const keyField = spec.keyFrom === 'message-key' ? null : spec.keyFrom;
  const chars = [...(spec.alphabet === '' ? DEFAULT_ALPHABET_CHARS : spec.alphabet)];
  const ws = (rng: Rng): string => (rng.int(4) === 0 ? pick(rng, [' ', '\n', '\t ', '\r\n']) : '');

  /** JSON text from raw fragments; undefined omits a field. Fields in random order, random whitespace. */
  const record = (rng: Rng, f: { key?: string; x?: string; y?: string; extra?: boolean }): string => {
    const parts: string[] = [];
    if (keyField !== null && f.key !== undefined) parts.push(`${JSON.stringify(keyField)}:${ws(rng)}${f.key}`);
    if (f.x !== undefined) parts.push(`"x":${ws(rng)}${f.x}`);
    if (f.y !== undefined) parts.push(`"y":${ws(rng)}${f.y}`);
    if (f.extra) parts.push(`"meta":${ws(rng)}{"ts":${rng.int(1e9)},"tags":["a","[{\\""]}`);
    for (let i = parts.length - 1; i > 0; i--) { const j = rng.int(i + 1); [parts[i], parts[j]] = [parts[j], parts[i]]; }
    return `${ws(rng)}{${ws(rng)}${parts.join(`,${ws(rng)}`)}${ws(rng)}}${ws(rng)}`;
  };
  const keyFragment = (rng: Rng): string => (rng.int(3) === 0 ? String(rng.int(1e6)) : JSON.stringify(validKey(rng).toString('utf8')));
  const valid = (rng: Rng): string => record(rng, {
    key: keyFragment(rng), x: shape.validX(rng), y: shape.validY === null ? undefined : shape.validY(rng), extra: rng.int(4) === 0,
  });
  const y = (rng: Rng): string | undefined => (shape.validY === null ? undefined : shape.validY(rng));
  const msgKey = (rng: Rng): Buffer | null => (keyField === null ? validKey(rng) : rng.int(2) === 0 ? null : validKey(rng));

  return {
    name: shape.name,
    spec,
    generate(rng, offset) {
      const mk = (category: string, value: Buffer | null, expect: Expect, key: Buffer | null = msgKey(rng)): Case =>
        ({ category, message: message(offset, value, key), expect });
      const roll = rng.int(100);
      if (roll < 10) return mk('valid', bytes(valid(rng)), 'ok');
      if (roll < 18) return mk('random-bytes', randomBytes(rng, rng.int(4) === 0 ? rng.int(3000) : rng.int(64)), 'any');
      if (roll < 22) return mk('json-ish-junk', bytes(Array.from({ length: rng.int(80) }, () => pick(rng, [...'{}[]":,0123456789.eE-+ xytrufalsenNI\\'])).join('')), 'any');
      if (roll < 32) return mk('mutated', mutate(rng, bytes(valid(rng))), 'any');
      if (roll < 33) return mk('huge', pick(rng, HUGE), 'too-large');
      if (roll < 34) return mk('deep-1e5', pick(rng, DEEP_VALUES), 'too-deep');
      if (roll < 36) {
        const d = spec.maxJsonDepth + rng.int(200);
        return mk('deep', bytes(record(rng, { key: keyFragment(rng), x: '['.repeat(d) + ']'.repeat(d), y: y(rng) })), 'too-deep');
      }
      if (roll < 39) return mk('empty', rng.int(2) === 0 ? null : Buffer.alloc(0), 'empty-value');
      if (roll < 43) return mk('not-utf8', corruptUtf8(rng, bytes(valid(rng))), 'not-utf8');
      if (roll < 47) {
        const text = valid(rng).trim();
        const bad = rng.int(3) === 0 ? text + pick(rng, ['}', ',', ']', ' x', '{}']) : rng.int(2) === 0
          ? text.slice(0, 1 + rng.int(text.length - 1))
          : record(rng, { key: keyFragment(rng), x: pick(rng, ['NaN', 'Infinity', '-Infinity', 'undefined', "'a'", '[1,2,]', '01', '.5', '0x1']), y: y(rng) });
        return mk('malformed-json', bytes(bad), 'malformed-json');
      }
      if (roll < 50) return mk('not-an-object', bytes(pick(rng, ['[1,2,3]', '[{"x":[1,2,3]}]', '3', '"x"', 'null', 'true', '"NaN"', '[]'])), 'not-an-object');
      if (roll < 55) {
        if (keyField === null) return mk('missing-key', bytes(valid(rng)), 'missing-key', missingKey(rng));
        const k = pick(rng, [undefined, 'null', '""']);
        return mk('missing-key', bytes(record(rng, { key: k, x: shape.validX(rng), y: y(rng) })), 'missing-key');
      }
      if (roll < 57 && keyField !== null) {
        return mk('key-wrong-type', bytes(record(rng, { key: pick(rng, ['true', '[1]', '{"id":1}', '1e999']), x: shape.validX(rng), y: y(rng) })), 'wrong-type');
      }
      if (roll < 60) return mk('missing-x', bytes(record(rng, { key: keyFragment(rng), y: y(rng), extra: true })), 'missing-field');
      if (roll < 63) {
        if (shape.validY === null) return mk('unexpected-y', bytes(record(rng, { key: keyFragment(rng), x: shape.validX(rng), y: String(rng.int(3)) })), 'unexpected-field');
        return mk('missing-y', bytes(record(rng, { key: keyFragment(rng), x: shape.validX(rng) })), 'missing-field');
      }
      if (roll < 85 || shape.badY.length === 0) {
        const [x, reason] = pick(rng, shape.badX);
        return mk(`bad-x:${reason}`, bytes(record(rng, { key: keyFragment(rng), x: x.replace(/\$/g, () => numberText(rng)), y: y(rng) })), reason);
      }
      const [badY, reason] = pick(rng, shape.badY);
      return mk(`bad-y:${reason}`, bytes(record(rng, { key: keyFragment(rng), x: shape.validX(rng), y: badY })), reason);
    },
    check(m, records) {
      if (records.length !== 1) return `${records.length} records for one JSON message`;
      const r = records[0];
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(m.value!)) as Record<string, unknown>;
      } catch {
        return 'accepted a value that is not UTF-8 JSON';
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'accepted a non-object';
      if (depthOf(parsed) > spec.maxJsonDepth) return 'accepted a too-deep value';
      if (keyField === null) {
        const p = keyProblem(m, r);
        if (p !== null) return p;
      } else {
        const k = parsed[keyField];
        const expected = typeof k === 'string' && k !== '' ? k : typeof k === 'number' && Number.isFinite(k) ? String(k) : null;
        if (r.key !== expected) return `key ${JSON.stringify(r.key)} from field ${JSON.stringify(k)}`;
      }
      const px = spec.inputKind === 'dense' ? denseProblem('x', parsed.x, r.x, spec.inputSize) : idProblem('x', parsed.x, r.x, spec.inputSize, chars);
      if (px !== null) return px;
      if (spec.target === 'next-step') {
        if ('y' in parsed || r.y !== undefined) return 'accepted a y under next-step targets';
      } else {
        const py = spec.head === 'mse' ? denseProblem('y', parsed.y, r.y, spec.outputSize) : idProblem('y', parsed.y, r.y, spec.outputSize, chars);
        if (py !== null) return py;
      }
      return sourceProblem(m, r);
    },
  };
}

export const DENSE_NON_FINITE = ['1e999', '-1e999', '"NaN"', '"Infinity"', '"-inf"', '"nan"', '1e39', '-4e38'];
export const ID_NON_FINITE = ['1e999', '-1e999', '"NaN"', '"Infinity"', '"-inf"', '" nan "'];
export const vec = (rng: Rng, n: number): string => `[${numbers(rng, n).join(',')}]`;
/** Dense x fragments with one defect: "$" is replaced by a random valid number. */
export const badDense = (n: number): Array<readonly [string, DecodeFailureReason]> => [
  ...DENSE_NON_FINITE.map((v) => [`[${[v, ...Array(n - 1).fill('$')].join(',')}]`, 'non-finite'] as const),
  ...DENSE_NON_FINITE.map((v) => [`[${[...Array(n - 1).fill('$'), v].join(',')}]`, 'non-finite'] as const),
  ...['"NaN"', '"Infinity"', '"-Infinity"'].map((v) => [v, 'non-finite'] as const),
  ...['"abc"', 'true', 'null', '{}', '"1,2,3"', '""'].map((v) => [v, 'wrong-type'] as const),
  ...['"1"', 'true', 'null', '[1]', '{}', '[]'].map((v) => [`[${['$', v, ...Array(n - 2).fill('$')].join(',')}]`, 'wrong-type'] as const),
  ...[0, n - 1, n + 1, 1000].map((len) => [`[${Array(len).fill('$').join(',')}]`, 'wrong-dimension'] as const),
  ['$', 'wrong-dimension'],
];

export const DENSE: JsonShape = {
  name: 'json dense, explicit mse targets, message key',
  spec: jsonSpec({ inputSize: 3, outputSize: 2 }),
  validX: (rng) => vec(rng, 3),
  validY: (rng) => vec(rng, 2),
  badX: badDense(3),
  badY: [
    ...DENSE_NON_FINITE.map((v) => [`[0,${v}]`, 'non-finite'] as const),
    ...[[], [1], [1, 2, 3]].map((l) => [JSON.stringify(l), 'wrong-dimension'] as const),
    ['[0,"0"]', 'wrong-type'], ['"0,0"', 'wrong-type'], ['{"a":[0,0]}', 'wrong-type'], ['null', 'wrong-type'],
  ],
};
export const TOKENS_NEXT: JsonShape = {
  name: 'json tokens (default alphabet), next-step targets, key field "seq"',
  spec: jsonSpec({ keyFrom: 'seq', inputKind: 'tokens', inputSize: 96, target: 'next-step', head: 'softmax', outputSize: 96 }),
  validX: (rng) => (rng.int(2) === 0 ? String(rng.int(96)) : JSON.stringify(pick(rng, [...DEFAULT_ALPHABET_CHARS]))),
  validY: null,
  badX: [
    ...ID_NON_FINITE.map((v) => [v, 'non-finite'] as const),
    ...['1.5', '"ab"', 'true', 'null', '[1]', '{}', '""', '"\\n\\n"'].map((v) => [v, 'wrong-type'] as const),
    ...['-1', '96', '1000', '1e20', '"é"', '"\\t"', '"😀"', '"\\u0000"', '"\\r"'].map((v) => [v, 'unknown-token'] as const),
  ],
  badY: [],
};
export const TOKENS_CLASSES: JsonShape = {
  name: 'json tokens (alphabet "abcdef"), explicit softmax targets, message key',
  spec: jsonSpec({ inputKind: 'tokens', inputSize: 6, target: 'explicit', head: 'softmax', outputSize: 6, alphabet: 'abcdef' }),
  validX: (rng) => (rng.int(2) === 0 ? String(rng.int(6)) : JSON.stringify(pick(rng, [...'abcdef']))),
  validY: (rng) => (rng.int(2) === 0 ? String(rng.int(6)) : JSON.stringify(pick(rng, [...'abcdef']))),
  badX: [
    ...ID_NON_FINITE.map((v) => [v, 'non-finite'] as const),
    ...['0.5', '"abc"', 'false', 'null', '[0]', '{"id":0}'].map((v) => [v, 'wrong-type'] as const),
    ...['-1', '6', '7', '"g"', '"A"', '"\\n"', '"é"'].map((v) => [v, 'unknown-token'] as const),
  ],
  badY: [
    ...ID_NON_FINITE.map((v) => [v, 'non-finite'] as const),
    ...['2.5', '[0]', '"ab"', 'true', 'null'].map((v) => [v, 'wrong-type'] as const),
    ...['6', '-1', '99', '"z"', '"😀"'].map((v) => [v, 'unknown-class'] as const),
  ],
};

// ---------------------------------------------------------------- text targets

export const TEXT_ALPHABET = DEFAULT_ALPHABET_CHARS + 'é😀€';
export const TEXT_CHARS = [...TEXT_ALPHABET];
export const UNKNOWN_CHARS = ['\t', '\r', '\u0000', 'ü', '🙂', '\u007f', '\u2028', '\ufeff'];

export function textCharTarget(): Target {
  const spec = textSpec({ alphabet: TEXT_ALPHABET, inputSize: TEXT_CHARS.length, outputSize: TEXT_CHARS.length });
  const validText = (rng: Rng): string => Array.from({ length: 1 + (rng.int(1000) === 0 ? rng.int(20000) : rng.int(64)) }, () => pick(rng, TEXT_CHARS)).join('');
  return {
    name: 'text, char unit (alphabet with é, 😀, €)',
    spec,
    generate(rng, offset) {
      const mk = (category: string, value: Buffer | null, expect: Expect, key: Buffer | null = validKey(rng), detail?: RegExp): Case =>
        ({ category, message: message(offset, value, key), expect, detail });
      // 10^5 nested brackets are valid text (brackets are in the alphabet): once, as it is 2·10^5 records
      if (offset === 0) return mk('deep-1e5 (valid text)', DEEP_VALUES[0], 'ok');
      const roll = rng.int(100);
      if (roll < 20) return mk('valid', bytes(validText(rng)), 'ok');
      if (roll < 35) return mk('random-bytes', randomBytes(rng, rng.int(4) === 0 ? rng.int(3000) : rng.int(64)), 'any');
      if (roll < 50) return mk('mutated', mutate(rng, bytes(validText(rng))), 'any');
      if (roll < 65) {
        const chars = [...validText(rng)];
        const at = rng.int(chars.length + 1);
        chars.splice(at, 0, pick(rng, UNKNOWN_CHARS));
        return mk('unknown-char', bytes(chars.join('')), 'unknown-token', validKey(rng), new RegExp(`at position ${at} `));
      }
      if (roll < 78) return mk('not-utf8', corruptUtf8(rng, bytes(validText(rng))), 'not-utf8');
      if (roll < 84) return mk('empty', rng.int(2) === 0 ? null : Buffer.alloc(0), 'empty-value');
      if (roll < 85) return mk('huge', pick(rng, HUGE), 'too-large');
      return mk('missing-key', bytes(validText(rng)), 'missing-key', missingKey(rng));
    },
    check(m, records) {
      const text = m.value!.toString('utf8');
      if (!bytes(text).equals(m.value!)) return 'accepted invalid UTF-8';
      const ids = [...text].map((c) => TEXT_CHARS.indexOf(c));
      if (ids.some((id) => id < 0)) return 'accepted a character outside the alphabet';
      if (records.length !== ids.length) return `${records.length} records for ${ids.length} characters`;
      for (let i = 0; i < ids.length; i++) {
        if (records[i].x !== ids[i] || records[i].y !== undefined) return `record ${i}: x ${String(records[i].x)}, expected ${ids[i]}`;
        const p = keyProblem(m, records[i]) ?? sourceProblem(m, records[i]);
        if (p !== null) return p;
      }
      return null;
    },
  };
}

export function textByteTarget(): Target {
  return {
    name: 'text, byte unit',
    spec: textSpec({ textUnit: 'byte', inputSize: 256, outputSize: 256 }),
    generate(rng, offset) {
      const mk = (category: string, value: Buffer | null, expect: Expect, key: Buffer | null = validKey(rng)): Case =>
        ({ category, message: message(offset, value, key), expect });
      if (offset === 0) return mk('deep-1e5 (valid bytes)', DEEP_VALUES[0], 'ok');
      const roll = rng.int(100);
      if (roll < 60) return mk('random-bytes', randomBytes(rng, 1 + rng.int(rng.int(100) === 0 ? 5000 : 64)), 'ok');
      if (roll < 70) return mk('not-utf8 (valid bytes)', corruptUtf8(rng, bytes('héllo')), 'ok');
      if (roll < 80) return mk('empty', rng.int(2) === 0 ? null : Buffer.alloc(0), 'empty-value');
      if (roll < 81) return mk('huge', pick(rng, HUGE), 'too-large');
      if (roll < 90) return mk('missing-key', randomBytes(rng, 1 + rng.int(50)), 'missing-key', missingKey(rng));
      return mk('key-not-utf8', randomBytes(rng, 1 + rng.int(50)), 'not-utf8', corruptUtf8(rng, validKey(rng)));
    },
    check(m, records) {
      if (records.length !== m.value!.length) return `${records.length} records for ${m.value!.length} bytes`;
      for (let i = 0; i < records.length; i++) {
        if (records[i].x !== m.value![i]) return `record ${i}: x ${String(records[i].x)}, byte ${m.value![i]}`;
        const p = keyProblem(m, records[i]) ?? sourceProblem(m, records[i]);
        if (p !== null) return p;
      }
      return null;
    },
  };
}

// ---------------------------------------------------------------- CSV targets

export function csvTarget(name: string, spec: DecoderSpec): Target {
  const classes = spec.target === 'explicit' && spec.head === 'softmax';
  const yColumns = spec.target === 'explicit' ? (classes ? 1 : spec.outputSize) : 0;
  const columns = spec.inputSize + yColumns;
  const pad = (rng: Rng, s: string): string => (rng.int(5) === 0 ? `${pick(rng, [' ', '  ', '\t'])}${s}${pick(rng, ['', ' '])}` : s);
  const fields = (rng: Rng): string[] => [...numbers(rng, spec.inputSize), ...(classes ? [String(rng.int(spec.outputSize))] : numbers(rng, yColumns))].map((f) => pad(rng, f));
  const line = (f: string[], rng: Rng): string => f.join(',') + pick(rng, ['', '', '\n', '\r\n']);
  const xColumn = (rng: Rng): number => rng.int(spec.inputSize);

  return {
    name,
    spec,
    generate(rng, offset) {
      const mk = (category: string, value: Buffer | null, expect: Expect, key: Buffer | null = validKey(rng)): Case =>
        ({ category, message: message(offset, value, key), expect });
      const with1 = (i: number, v: string): string[] => { const f = fields(rng); f[i] = v; return f; };
      const roll = rng.int(100);
      if (roll < 15) return mk('valid', bytes(line(fields(rng), rng)), 'ok');
      if (roll < 25) return mk('random-bytes', randomBytes(rng, rng.int(4) === 0 ? rng.int(3000) : rng.int(64)), 'any');
      if (roll < 30) return mk('csv-ish-junk', bytes(Array.from({ length: rng.int(60) }, () => pick(rng, [...'0123456789.,eE-+ \n\r"naif'])).join('')), 'any');
      if (roll < 40) return mk('mutated', mutate(rng, bytes(line(fields(rng), rng))), 'any');
      if (roll < 48) return mk('non-finite', bytes(line(with1(xColumn(rng), pick(rng, ['NaN', 'nan', 'inf', '-Infinity', '+INF', '1e39', '-1e300', '1e999'])), rng)), 'non-finite');
      if (roll < 56) return mk('wrong-type', bytes(line(with1(xColumn(rng), pick(rng, ['abc', '0x1f', '"1"', '1_000', '1.2.3', '--1', '1e', '.', 'e5', '١', 'true', '1 2'])), rng)), 'wrong-type');
      if (roll < 62) {
        const f = fields(rng);
        if (rng.int(2) === 0) f.splice(rng.int(f.length), 1); else f.splice(rng.int(f.length + 1), 0, ...numbers(rng, 1 + rng.int(3)));
        return mk('wrong-dimension', bytes(line(f, rng)), 'wrong-dimension');
      }
      if (roll < 66) return mk('empty-column', bytes(line(with1(rng.int(columns), pick(rng, ['', ' ', '\t'])), rng)), 'malformed-csv');
      if (roll < 70) {
        const a = fields(rng).join(','), b = fields(rng).join(',');
        return mk('two-lines', bytes(`${a}${pick(rng, ['\n', '\r\n', '\r', '\n\n'])}${b}${pick(rng, ['', '\n'])}`), 'malformed-csv');
      }
      if (roll < 76 && classes) {
        const bad = rng.int(2) === 0;
        return mk('bad-class', bytes(line(with1(columns - 1, bad ? pick(rng, ['1.5', '0.25', '2e-1']) : pick(rng, [String(spec.outputSize), '-1', '99', '3.0e1'])), rng)), bad ? 'wrong-type' : 'unknown-class');
      }
      if (roll < 80) return mk('empty', pick(rng, [null, Buffer.alloc(0), bytes(' '), bytes('\n'), bytes(' \r\n')]), 'empty-value');
      if (roll < 81) return mk('huge', pick(rng, HUGE), 'too-large');
      if (roll < 82) return mk('deep-1e5', pick(rng, DEEP_VALUES), 'any');
      if (roll < 90) return mk('not-utf8', corruptUtf8(rng, bytes(line(fields(rng), rng))), 'not-utf8');
      return mk('missing-key', bytes(line(fields(rng), rng)), 'missing-key', missingKey(rng));
    },
    check(m, records) {
      if (records.length !== 1) return `${records.length} records for one CSV line`;
      const r = records[0];
      const text = m.value!.toString('utf8');
      const body = text.replace(/\r?\n$/, '');
      if (/[\r\n]/.test(body)) return 'accepted several lines';
      const cells = body.split(',').map((c) => c.trim());
      if (cells.length !== columns) return `accepted ${cells.length} columns`;
      const values = cells.map((c) => (c === '' || /[xX_]/.test(c) ? NaN : Number(c)));
      if (values.some((v) => !Number.isFinite(Math.fround(v)))) return `accepted a non-number or non-finite cell in ${JSON.stringify(body.slice(0, 80))}`;
      const p = denseProblem('x', values.slice(0, spec.inputSize), r.x, spec.inputSize);
      if (p !== null) return p;
      if (yColumns === 0 && r.y !== undefined) return 'y under next-step targets';
      if (classes && (!Number.isInteger(values[columns - 1]) || values[columns - 1] < 0 || values[columns - 1] >= spec.outputSize || r.y !== values[columns - 1])) return `class ${String(r.y)}`;
      if (yColumns > 0 && !classes) {
        const q = denseProblem('y', values.slice(spec.inputSize), r.y, spec.outputSize);
        if (q !== null) return q;
      }
      return keyProblem(m, r) ?? sourceProblem(m, r);
    },
  };
}
