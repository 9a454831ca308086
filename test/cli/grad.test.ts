import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { fixturePath, repoRoot } from '../support/repo-paths';
import { memoryIO } from '../support/memory-io';

type Json = Record<string, unknown> & {
  model: Record<string, unknown>; weights: Record<string, unknown[]>; inputs: unknown[][]; targets: unknown[][];
  initialState?: Record<string, unknown>; expected?: unknown;
};

function fixtureText(name: string): string {
  return readFileSync(fixturePath('torch', `${name}.json`), 'utf8');
}

/** A fresh copy of a fixture request, without its `expected` answer. */
function request(name: string): Json {
  const json = JSON.parse(fixtureText(name)) as Json;
  delete json.expected;
  return json;
}

const tokens = (): Json => request('lstm_2l_softmax_tokens_enc'); // L=2, B=3, T=9, I=6, E=5, H=6, C=6
const dense = (): Json => request('gru_1l_mse_dense'); // L=1, B=3, T=8, I=4, H=6, C=3

async function runGrad(input: string): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIO(input);
  const code = await main(['grad'], io);
  return { code, out: io.out(), err: io.err() };
}

const edit = (base: () => Json, f: (j: Json) => void): string => {
  const j = base();
  f(j);
  return JSON.stringify(j);
};

// [what, stdin text, a fragment the message must contain (the field, and the problem)]
const badInputs: Array<[string, string, string]> = [
  ['not JSON', '{"model": {', 'stdin: not valid JSON'],
  ['not an object', '[1, 2]', 'request: expected an object'],
  ['unknown top-level field', edit(tokens, (j) => { j.lossStep = 3; }), 'lossStep: unknown field'],
  ['model missing', edit(tokens, (j) => { delete (j as Partial<Json>).model; }), 'model: missing'],
  ['unknown cell', edit(tokens, (j) => { j.model.cell = 'transformer'; }), 'model.cell: expected one of "lstm", "gru", "rnn", got "transformer"'],
  ['layers not positive', edit(tokens, (j) => { j.model.layers = 0; }), 'model.layers: expected a positive integer, got 0'],
  ['unknown model field', edit(tokens, (j) => { j.model.hidden = 6; }), 'model.hidden: unknown field'],
  ['weights one number short',
    edit(dense, (j) => { j.weights['rnn.weight_hh_l0'].pop(); }),
    'weights["rnn.weight_hh_l0"]: expected 108 numbers (shape [18, 6]), got 107'],
  ['unknown parameter', edit(tokens, (j) => { j.weights['rnn.weight_hh_l2'] = [1]; }), 'weights["rnn.weight_hh_l2"]: unknown parameter'],
  ['encoder weights for a model without encoder', edit(dense, (j) => { j.weights['encoder.bias'] = [0]; }), 'weights["encoder.bias"]: unknown parameter'],
  ['missing parameter', edit(tokens, (j) => { delete j.weights['decoder.bias']; }), 'weights["decoder.bias"]: missing'],
  ['null weight', edit(tokens, (j) => { j.weights['rnn.bias_ih_l1'][3] = null; }), 'weights["rnn.bias_ih_l1"][3]: expected a finite number, got null'],
  ['string weight', edit(tokens, (j) => { j.weights['encoder.weight'][0] = '0.5'; }), 'weights["encoder.weight"][0]: expected a finite number, got "0.5"'],
  ['infinite input (1e999 in the JSON text)',
    edit(dense, (j) => { (j.inputs[2][1] as unknown[])[0] = 123456789; }).replace('123456789', '1e999'),
    'inputs[2][1][0]: expected a finite number, got Infinity'],
  ['input beyond float32', edit(dense, (j) => { (j.inputs[0][0] as unknown[])[3] = 1e39; }), 'inputs[0][0][3]: 1e+39 is outside the float32 range'],
  ['token id out of range', edit(tokens, (j) => { j.inputs[4][2] = 6; }), 'inputs[4][2]: token id 6 out of range 0..5'],
  ['negative token id', edit(tokens, (j) => { j.inputs[0][0] = -1; }), 'inputs[0][0]: token id -1 out of range'],
  ['fractional token id', edit(tokens, (j) => { j.inputs[1][1] = 1.5; }), 'inputs[1][1]: expected an integer token id, got 1.5'],
  ['dense row where tokens are read', edit(tokens, (j) => { j.inputs[3][0] = [1, 0]; }), 'inputs[3][0]: expected an integer token id'],
  ['ragged batch', edit(tokens, (j) => { j.inputs[5].pop(); }), 'inputs[5]: expected 3 streams (as inputs[0]), got 2'],
  ['dense row of the wrong width', edit(dense, (j) => { (j.inputs[7][2] as unknown[]).push(0); }), 'inputs[7][2]: expected 4 numbers (model.inputSize), got 5'],
  ['no steps', edit(dense, (j) => { j.inputs = []; }), 'inputs: expected at least one step'],
  ['targets shorter than inputs', edit(tokens, (j) => { j.targets.pop(); }), 'targets: expected 9 steps (as inputs), got 8'],
  ['class id out of range', edit(tokens, (j) => { j.targets[8][1] = 6; }), 'targets[8][1]: class id 6 out of range 0..5 (model.outputSize = 6)'],
  ['mse target of the wrong width', edit(dense, (j) => { (j.targets[0][1] as unknown[]).pop(); }), 'targets[0][1]: expected 3 numbers (model.outputSize), got 2'],
  ['state with too few layers', edit(tokens, (j) => { (j.initialState!.h as unknown[]).pop(); }), 'initialState.h: expected 2 layers (model.layers), got 1'],
  ['state row of the wrong width', edit(tokens, (j) => { ((j.initialState!.c as unknown[][][])[1][2]).push(0); }), 'initialState.c[1][2]: expected 6 numbers (model.hiddenSize), got 7'],
  ['LSTM state without c', edit(tokens, (j) => { delete j.initialState!.c; }), 'initialState.c: missing'],
  ['cell state for a GRU', edit(dense, (j) => { j.initialState!.c = j.initialState!.h; }), 'initialState.c: only an LSTM has a cell state'],
  ['lossSteps 0', edit(tokens, (j) => { j.lossSteps = 0; }), 'lossSteps: expected an integer in 1..9 (T = 9), got 0'],
  ['lossSteps beyond T', edit(dense, (j) => { j.lossSteps = 9; }), 'lossSteps: expected an integer in 1..8'],
  ['lossSteps not an integer', edit(dense, (j) => { j.lossSteps = '4'; }), 'lossSteps: expected an integer in 1..8 (T = 8), got "4"'],
  ['unknown engine', edit(dense, (j) => { j.engine = 'cuda'; }), 'engine: unknown engine "cuda"'],
];

test('bad input exits 2 with a message naming the field, and prints nothing on stdout', async (t) => {
  for (const [what, text, fragment] of badInputs) {
    await t.test(what, async () => {
      const r = await runGrad(text);
      assert.equal(r.code, 2, `${what}: exit code (stderr: ${r.err})`);
      assert.ok(r.err.includes(fragment), `${what}: expected stderr to contain\n  ${fragment}\ngot\n  ${r.err}`);
      assert.equal(r.out, '');
    });
  }
});

test('arguments are refused (the request comes on stdin)', async () => {
  const io = memoryIO(JSON.stringify(dense()));
  assert.equal(await main(['grad', '--engine', 'ts'], io), 2);
  assert.match(io.err(), /takes no arguments/);
});

test('the real binary: `node bin/tbptt-stream.js grad < fixture` prints the PyTorch answer', () => {
  const name = 'lstm_1l_mse_dense';
  const expected = (JSON.parse(fixtureText(name)) as { expected: { loss: number; grads: Record<string, number[]>; lagNorms: number[][]; cumNorms: number[] } }).expected;
  const bin = join(repoRoot(), 'bin', 'tbptt-stream.js');
  const r = spawnSync(process.execPath, [bin, 'grad'], { input: fixtureText(name), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /grad: engine \S+/);
  const got = JSON.parse(r.stdout) as typeof expected;
  const close = (a: number, b: number, what: string): void =>
    assert.ok(Math.abs(a - b) <= 1e-5 + 1e-4 * Math.abs(b), `${what}: got ${a}, PyTorch ${b}`);
  close(got.loss, expected.loss, 'loss');
  assert.deepEqual(Object.keys(got.grads), Object.keys(expected.grads));
  for (const [p, g] of Object.entries(expected.grads)) g.forEach((v, i) => close(got.grads[p][i], v, `grads["${p}"][${i}]`));
  expected.lagNorms.forEach((row, j) => row.forEach((v, b) => close(got.lagNorms[j][b], v, `lagNorms[${j}][${b}]`)));
  expected.cumNorms.forEach((v, j) => close(got.cumNorms[j], v, `cumNorms[${j}]`));

  const bad = spawnSync(process.execPath, [bin, 'grad'], { input: edit(dense, (j) => { j.lossSteps = 0; }), encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /lossSteps: expected an integer/);
  assert.equal(bad.stdout, '');
});

test('an engine that exists but is not installed here exits 2 naming the field', async () => {
  const { createGradCommand } = await import('../../src/cli/commands/grad');
  const command = createGradCommand({
    loadEngine: async (name) => { throw new Error(`Cannot find module for ${name}`); },
  });
  const io = memoryIO(edit(dense, (j) => { j.engine = 'tfjs-node'; }));
  assert.equal(await command.run([], io), 2);
  assert.match(io.err(), /engine: "tfjs-node" is not available here \(Cannot find module for tfjs-node\)/);
});
