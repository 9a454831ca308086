import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeGradRequest, GradRequestError, parseGradRequest } from '../../../src/learner/model/decode-grad-request';
import { fixturePath } from '../../support/repo-paths';

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(fixturePath('torch', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

test('token inputs: spec, window (time-major), params by PyTorch name, state and lossFrom', () => {
  const json = fixture('lstm_2l_softmax_tokens_enc') as {
    inputs: number[][]; targets: number[][]; weights: Record<string, number[]>;
    initialState: { h: number[][][]; c: number[][][] }; lossSteps: number;
  };
  const r = decodeGradRequest(json);
  assert.deepEqual(r.spec, {
    cell: 'lstm', layers: 2, inputSize: 6, inputKind: 'tokens', embedSize: 5, hiddenSize: 6, outputSize: 6, head: 'softmax',
  });
  assert.equal(r.window.steps, 9);
  assert.equal(r.window.batch, 3);
  assert.ok(r.window.inputs[4] instanceof Int32Array);
  assert.deepEqual([...r.window.inputs[4]], json.inputs[4]);
  assert.deepEqual([...r.window.targets[8]], json.targets[8]);
  assert.equal(r.lossFrom, 9 - json.lossSteps);
  assert.equal(r.engine, 'auto');
  assert.deepEqual(r.params.tensors.get('rnn.weight_hh_l1')!.shape, [24, 6]);
  assert.deepEqual([...r.params.tensors.get('rnn.weight_hh_l1')!.data], json.weights['rnn.weight_hh_l1'].map(Math.fround));
  // state layer 1, stream 2, unit 3 sits at [2 * H + 3] of layer 1's [B, H] array
  assert.equal(r.initial.c![1][2 * 6 + 3], Math.fround(json.initialState.c[1][2][3]));
  assert.equal(r.initial.h.length, 2);
});

test('dense inputs and mse targets: [B, I] and [B, C] rows; absent state and lossSteps give zeros and T', () => {
  const json = fixture('lstm_1l_softmax_dense_enc_zero_state') as { inputs: number[][][] };
  const r = decodeGradRequest(json);
  assert.equal(r.spec.inputKind, 'dense');
  assert.ok(r.window.inputs[0] instanceof Float32Array);
  assert.equal(r.window.inputs[3][1 * 4 + 2], Math.fround(json.inputs[3][1][2]));
  assert.equal(r.lossFrom, 0);
  assert.ok(r.initial.h[0].every((v) => v === 0) && r.initial.c![0].every((v) => v === 0));

  const m = fixture('gru_1l_mse_dense') as { targets: number[][][] };
  const q = decodeGradRequest({ ...m, engine: 'ts' });
  assert.equal(q.engine, 'ts');
  assert.equal(q.initial.c, undefined);
  assert.equal(q.window.targets[5][2 * 3 + 1], Math.fround(m.targets[5][2][1]));
});

test('errors carry the field path; bad JSON is reported on stdin', () => {
  assert.throws(() => parseGradRequest('{"model": '), (e: Error) => e instanceof GradRequestError && e.field === 'stdin');
  const json = fixture('rnn_1l_mse_dense');
  assert.throws(() => decodeGradRequest({ ...json, lossSteps: 9 }),
    (e: Error) => e instanceof GradRequestError && e.field === 'lossSteps' && /1\.\.8/.test(e.message));
});
