import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelSpec } from '../../../src/learner/model/model-spec';
import { paramShapes, type ParamSet } from '../../../src/learner/model/param-set';
import {
  decodeSafetensors, encodeSafetensors, loadSafetensors, saveSafetensors, SafetensorsError,
} from '../../../src/learner/model/safetensors';
import { decodeGradRequest } from '../../../src/learner/model/decode-grad-request';
import { fixturePath } from '../../support/repo-paths';

const spec: ModelSpec = {
  cell: 'gru', layers: 2, inputSize: 3, inputKind: 'dense', embedSize: 4, hiddenSize: 2, outputSize: 3, head: 'mse',
};

/** Parameters with distinct values, including awkward floats (negative zero, subnormal, extremes). */
function sampleParams(): ParamSet {
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  let k = 0;
  for (const [name, shape] of paramShapes(spec)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = Math.fround(Math.sin(++k) * 10 ** ((k % 7) - 3));
    tensors.set(name, { shape, data });
  }
  const w = tensors.get('decoder.bias')!.data;
  w[0] = -0; w[1] = 1e-45; w[2] = 3.4028234663852886e38;
  return { tensors, version: 3 };
}

/** Builds a file from a header object and a data length (the data is zeros). */
function rawFile(header: unknown, dataBytes: number, headerText = JSON.stringify(header)): Buffer {
  const h = Buffer.from(headerText, 'utf8');
  const out = Buffer.alloc(8 + h.length + dataBytes);
  out.writeBigUInt64LE(BigInt(h.length), 0);
  h.copy(out, 8);
  return out;
}

test('round trip keeps names, shapes, every float32 bit pattern, order and metadata', () => {
  const params = sampleParams();
  const bytes = encodeSafetensors(params, { format: 'pt', note: 'ünïcode ✓' });
  assert.equal((bytes.readUInt32LE(0) + 8) % 8, 0, 'header padded so that the data is 8-byte aligned');
  for (const withSpec of [undefined, spec]) {
    const back = decodeSafetensors(bytes, withSpec);
    assert.deepEqual(back.metadata, { format: 'pt', note: 'ünïcode ✓' });
    assert.deepEqual([...back.params.tensors.keys()], [...params.tensors.keys()]);
    for (const [name, t] of params.tensors) {
      const u = back.params.tensors.get(name)!;
      assert.deepEqual(u.shape, t.shape, name);
      assert.deepEqual(new Uint32Array(u.data.buffer, u.data.byteOffset, u.data.length),
        new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length), name);
    }
  }
});

test('no metadata: no __metadata__ entry, read back as {}', () => {
  const bytes = encodeSafetensors(sampleParams());
  const n = Number(bytes.readBigUInt64LE(0));
  assert.ok(!bytes.toString('utf8', 8, 8 + n).includes('__metadata__'));
  assert.deepEqual(decodeSafetensors(bytes).metadata, {});
});

test('save and load through a file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'safetensors-'));
  try {
    const path = join(dir, 'w.safetensors');
    await saveSafetensors(path, sampleParams(), { step: '12' });
    const back = await loadSafetensors(path, spec);
    assert.equal(back.metadata.step, '12');
    assert.deepEqual(back.params.tensors.get('rnn.weight_hh_l1')!.data, sampleParams().tensors.get('rnn.weight_hh_l1')!.data);
    await assert.rejects(loadSafetensors(path, { ...spec, hiddenSize: 3 }),
      (e: Error) => e instanceof SafetensorsError && e.message.startsWith(`${path}: tensor "rnn.weight_ih_l0"`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reads the file written by the PyTorch fixture script (struct/json writer, not ours)', () => {
  const name = 'lstm_2l_softmax_tokens_enc';
  const request = decodeGradRequest(JSON.parse(readFileSync(fixturePath('torch', `${name}.json`), 'utf8')));
  const file = decodeSafetensors(readFileSync(fixturePath('torch', `${name}.safetensors`)), request.spec);
  assert.deepEqual(file.metadata, { format: 'pt', case: name });
  assert.deepEqual([...file.params.tensors.keys()], paramShapes(request.spec).map(([n]) => n));
  for (const [pname, t] of request.params.tensors) {
    const u = file.params.tensors.get(pname)!;
    assert.deepEqual(u.shape, t.shape, pname);
    assert.deepEqual(u.data, t.data, pname);
  }
});

test('corrupted or incompatible files are rejected with an error naming the problem', () => {
  const good = encodeSafetensors(sampleParams());
  const n = Number(good.readBigUInt64LE(0));
  const header = JSON.parse(good.toString('utf8', 8, 8 + n)) as Record<string, { data_offsets: number[]; dtype: string; shape: number[] }>;
  const dataBytes = good.length - 8 - n;
  const edit = (f: (h: typeof header) => void): Buffer => {
    const h = structuredClone(header);
    f(h);
    return rawFile(h, dataBytes);
  };
  const cases: Array<[string, Uint8Array, RegExp, ModelSpec?]> = [
    ['too short', good.subarray(0, 5), /too short/],
    ['truncated data', good.subarray(0, good.length - 4), /tensor "decoder.bias": data_offsets .* out of range/],
    ['header length beyond the file', (() => { const b = Buffer.from(good); b.writeBigUInt64LE(BigInt(good.length), 0); return b; })(), /header length .* exceeds/],
    ['header not JSON', rawFile(null, 0, '{"a": '), /not valid JSON/],
    ['header not an object', rawFile([1, 2], 0), /must be a JSON object/],
    ['dtype', edit((h) => { h['encoder.bias'].dtype = 'F16'; }), /tensor "encoder.bias": dtype "F16" is not supported/],
    ['negative shape', edit((h) => { h['encoder.bias'].shape = [-4]; }), /tensor "encoder.bias": shape must be/],
    ['offsets out of range', edit((h) => { h['decoder.bias'].data_offsets = [dataBytes - 12, dataBytes + 4]; }), /tensor "decoder.bias": data_offsets .* out of range/],
    ['offsets not matching the shape', edit((h) => { h['encoder.bias'].shape = [5]; }), /tensor "encoder.bias": data_offsets .* span 16 bytes, shape \[5\] needs 20/],
    ['overlap', edit((h) => { h['decoder.bias'].data_offsets = [0, 12]; }), /overlap/],
    ['trailing bytes', Buffer.concat([good, Buffer.alloc(8)]), /file holds/],
    ['metadata not strings', rawFile({ __metadata__: { a: 1 } }, 0), /__metadata__\["a"\]: expected a string/],
    ['wrong shape for the model', good, /tensor "rnn.weight_ih_l0": shape \[6, 4\], the model needs \[9, 4\]/, { ...spec, hiddenSize: 3 }],
    ['missing parameter', good, /tensor "rnn.weight_ih_l2": missing/, { ...spec, layers: 3 }],
    ['unknown parameter', good, /tensor "encoder.weight": not a parameter of this model/, { ...spec, embedSize: undefined }],
  ];
  for (const [what, bytes, pattern, withSpec] of cases) {
    assert.throws(() => decodeSafetensors(bytes, withSpec), (e: Error) => {
      assert.ok(e instanceof SafetensorsError, `${what}: ${e}`);
      assert.match(e.message, pattern, what);
      return true;
    }, what);
  }
});
