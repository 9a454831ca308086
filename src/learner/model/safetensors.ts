import { readFile, rename, writeFile } from 'node:fs/promises';
import type { ModelSpec } from './model-spec';
import { paramShapes, sizeOf, type HostTensor, type ParamSet } from './param-set';

/**
 * Weights I/O in the safetensors format (https://github.com/huggingface/safetensors), with PyTorch
 * parameter names, so weights move between this project and `torch.nn` models.
 *
 * Layout: an unsigned 64-bit little-endian header length N; N bytes of UTF-8 JSON mapping each tensor
 * name to `{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}` (byte offsets into the data
 * that follows the header), plus an optional `"__metadata__"` object of string → string; then the raw
 * little-endian tensor data. Only F32 tensors are read and written.
 */

/** Parameters and the string metadata read from a safetensors file. */
export interface SafetensorsContent {
  readonly params: ParamSet;
  /** The `__metadata__` entries (empty when the file has none). */
  readonly metadata: Record<string, string>;
}

/** A malformed or incompatible safetensors file; the message names the offending tensor or field. */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
}

const HEADER_LENGTH_BYTES = 8;
/** Refuse absurd headers before allocating (the reference implementation's limit is 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;
const F32_BYTES = 4;

/**
 * Serialises `params` (F32, tensors stored in the ParamSet's order) with optional string metadata.
 * The header is padded with spaces to a multiple of 8 bytes so that the data is aligned.
 */
export function encodeSafetensors(params: ParamSet, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`__metadata__["${k}"]: values must be strings`);
    }
    header['__metadata__'] = metadata;
  }
  let offset = 0;
  for (const [name, t] of params.tensors) {
    if (name === '__metadata__') throw new SafetensorsError('a tensor may not be named "__metadata__"');
    if (t.data.length !== sizeOf(t.shape)) {
      throw new SafetensorsError(`tensor "${name}": ${t.data.length} values do not fill shape [${t.shape.join(', ')}]`);
    }
    const bytes = t.data.length * F32_BYTES;
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((HEADER_LENGTH_BYTES - (jsonBytes % HEADER_LENGTH_BYTES)) % HEADER_LENGTH_BYTES);
  const headerBytes = Buffer.from(json, 'utf8');

  const out = Buffer.alloc(HEADER_LENGTH_BYTES + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, HEADER_LENGTH_BYTES);
  let pos = HEADER_LENGTH_BYTES + headerBytes.length;
  for (const t of params.tensors.values()) {
    for (let i = 0; i < t.data.length; i++, pos += F32_BYTES) out.writeFloatLE(t.data[i], pos);
  }
  return out;
}

/**
 * Parses a safetensors file. Validates the header length, the JSON, every entry's dtype (F32 only),
 * shape and data_offsets (in range, matching the shape, not overlapping, covering the data exactly).
 * With `spec`, also requires exactly the spec's parameters with their PyTorch shapes, and returns them
 * in the spec's canonical order (see {@link paramShapes}); otherwise tensors keep the file's data order.
 * @throws SafetensorsError naming the offending tensor or field.
 */
export function decodeSafetensors(bytes: Uint8Array, spec?: ModelSpec): SafetensorsContent {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER_LENGTH_BYTES) {
    throw new SafetensorsError(`file too short: ${buf.length} bytes, the 8-byte header length is missing`);
  }
  const headerLength = buf.readBigUInt64LE(0);
  if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, buf.length - HEADER_LENGTH_BYTES))) {
    throw new SafetensorsError(
      `header length ${headerLength} exceeds the file (${buf.length - HEADER_LENGTH_BYTES} bytes after the length field)`);
  }
  const dataStart = HEADER_LENGTH_BYTES + Number(headerLength);
  const headerText = buf.toString('utf8', HEADER_LENGTH_BYTES, dataStart);
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch (e) {
    throw new SafetensorsError(`header is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError('header must be a JSON object');
  }

  const metadata: Record<string, string> = {};
  const entries: Array<{ name: string; shape: number[]; begin: number; end: number }> = [];
  const dataLength = buf.length - dataStart;
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new SafetensorsError('__metadata__ must be an object of strings');
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsError(`__metadata__["${k}"]: expected a string, got ${JSON.stringify(v)}`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push({ name, ...parseEntry(name, value, dataLength) });
  }

  // The data must be covered exactly once, as the reference implementation requires.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  for (const e of byOffset) {
    if (e.begin < expectedBegin) throw new SafetensorsError(`tensor "${e.name}": data_offsets overlap another tensor`);
    if (e.begin > expectedBegin) {
      throw new SafetensorsError(`tensor "${e.name}": data_offsets leave a gap at bytes ${expectedBegin}..${e.begin}`);
    }
    expectedBegin = e.end;
  }
  if (expectedBegin !== dataLength) {
    throw new SafetensorsError(`tensors cover ${expectedBegin} bytes of data but the file holds ${dataLength}`);
  }

  const read = new Map<string, HostTensor>();
  for (const e of byOffset) {
    const data = new Float32Array((e.end - e.begin) / F32_BYTES);
    for (let i = 0, pos = dataStart + e.begin; i < data.length; i++, pos += F32_BYTES) data[i] = buf.readFloatLE(pos);
    read.set(e.name, { shape: e.shape, data });
  }

  if (!spec) return { params: { tensors: read, version: 0 }, metadata };
  const tensors = new Map<string, HostTensor>();
  const expected = paramShapes(spec);
  const known = new Set(expected.map(([n]) => n));
  for (const name of read.keys()) {
    if (!known.has(name)) {
      throw new SafetensorsError(`tensor "${name}": not a parameter of this model (expected ${[...known].join(', ')})`);
    }
  }
  for (const [name, shape] of expected) {
    const t = read.get(name);
    if (!t) throw new SafetensorsError(`tensor "${name}": missing from the file`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new SafetensorsError(`tensor "${name}": shape [${t.shape.join(', ')}], the model needs [${shape.join(', ')}]`);
    }
    tensors.set(name, t);
  }
  return { params: { tensors, version: 0 }, metadata };
}

function parseEntry(name: string, value: unknown, dataLength: number): { shape: number[]; begin: number; end: number } {
  const fail = (msg: string): never => { throw new SafetensorsError(`tensor "${name}": ${msg}`); };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('entry must be an object');
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (dtype !== 'F32') return fail(`dtype ${JSON.stringify(dtype)} is not supported (only F32)`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    return fail(`shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    return fail(`data_offsets must be [begin, end] byte offsets, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataLength) {
    return fail(`data_offsets [${begin}, ${end}] out of range (the data holds ${dataLength} bytes)`);
  }
  const count = sizeOf(shape as number[]);
  if (end - begin !== count * F32_BYTES) {
    return fail(`data_offsets [${begin}, ${end}] span ${end - begin} bytes, shape [${shape.join(', ')}] needs ${count * F32_BYTES}`);
  }
  return { shape: shape as number[], begin, end };
}

/** Writes `params` to `path` as safetensors (via a temporary file, renamed into place). */
export async function saveSafetensors(path: string, params: ParamSet, metadata?: Record<string, string>): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, encodeSafetensors(params, metadata));
  await rename(tmp, path);
}

/** Reads a safetensors file; see {@link decodeSafetensors} for the checks (errors are prefixed by the path). */
export async function loadSafetensors(path: string, spec?: ModelSpec): Promise<SafetensorsContent> {
  const bytes = await readFile(path);
  try {
    return decodeSafetensors(bytes, spec);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new SafetensorsError(`${path}: ${e.message}`);
    throw e;
  }
}
