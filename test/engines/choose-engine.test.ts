import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseEngine } from '../../src/learner/engines/choose-engine';
import type { EngineName } from '../../src/learner/engines/engine';
import type { ModelSpec } from '../../src/learner/model/model-spec';

const ALL: EngineName[] = ['ts', 'tfjs-node', 'tfjs-wasm'];
const lstm = (layers: number, hidden: number): ModelSpec =>
  ({ cell: 'lstm', layers, inputSize: 32, inputKind: 'tokens', embedSize: hidden, hiddenSize: hidden, outputSize: 32, head: 'softmax' });

test('auto picks, for the benchmark configs, the engine that was fastest on them side by side', () => {
  // (config, fastest engine in `npm run bench` on this machine)
  const cases: Array<[ModelSpec, number, EngineName]> = [
    [lstm(1, 64), 1, 'tfjs-node'], // 17.5k timesteps/s (native, training graph) against 9.0k (TypeScript)
    [lstm(1, 32), 4, 'tfjs-node'], // 72k against 45k
    [lstm(1, 32), 1, 'ts'], // 38k against 21k (native)
    [lstm(1, 16), 1, 'ts'], // 96k against 29k
    [lstm(2, 50), 64, 'tfjs-node'], // copy task: 78k against 24k (wasm)
    [lstm(2, 64), 32, 'tfjs-node'], // 56k against 18k
    [lstm(1, 128), 8, 'tfjs-node'], // 13.5k against 11.8k
    [lstm(1, 128), 16, 'tfjs-node'],
    [lstm(1, 64), 64, 'tfjs-node'],
    [lstm(2, 50), 128, 'tfjs-node'],
    [lstm(1, 256), 32, 'tfjs-node'], // 20k against 4.6k (wasm)
  ];
  for (const [spec, batch, want] of cases) assert.equal(chooseEngine(spec, batch, ALL), want, `${spec.layers}x${spec.hiddenSize} B=${batch}`);
});

test('auto falls back to what is available, and fails clearly when nothing is', () => {
  assert.equal(chooseEngine(lstm(2, 50), 64, ['ts', 'tfjs-node']), 'tfjs-node', 'wasm missing: native');
  assert.equal(chooseEngine(lstm(1, 256), 32, ['ts', 'tfjs-wasm']), 'tfjs-wasm', 'native missing: wasm');
  assert.equal(chooseEngine(lstm(1, 256), 32, ['ts']), 'ts');
  assert.equal(chooseEngine(lstm(1, 64), 1, ['tfjs-wasm']), 'tfjs-wasm');
  assert.throws(() => chooseEngine(lstm(1, 64), 1, []), /no compute engine is available/);
});

test('the work measure counts gates, and only LSTMs have fused native kernels', () => {
  const gru: ModelSpec = { ...lstm(1, 128), cell: 'gru' };
  const rnn: ModelSpec = { ...lstm(1, 128), cell: 'rnn' };
  assert.equal(chooseEngine(lstm(1, 128), 16, ALL), 'tfjs-node'); // 16·4·128² ≈ 1.05M multiply-adds per step
  assert.equal(chooseEngine({ ...lstm(1, 128), cell: 'gru' }, 32, ALL), 'tfjs-node'); // 1.57M
  assert.equal(chooseEngine(rnn, 16, ALL), 'tfjs-wasm'); // 16·1·128² ≈ 262k
  assert.equal(chooseEngine(gru, 8, ALL), 'tfjs-wasm'); // 393k
  assert.equal(chooseEngine(rnn, 8, ALL), 'ts'); // 131k
  assert.equal(chooseEngine(lstm(1, 64), 8, ['ts', 'tfjs-wasm']), 'ts'); // 131k: without native, below LARGE_WORK
  assert.equal(chooseEngine(lstm(1, 64), 8, ALL), 'tfjs-node'); // the LSTM training graph from 8k
  assert.equal(chooseEngine(lstm(1, 32), 1, ALL), 'ts'); // 4k
});
