/**
 * The TensorFlow.js engines (tfjs-node on native libtensorflow, tfjs-wasm): the shared conformance suite
 * (finite differences of the float64 reference), plus what is particular to them: the live tensor count
 * stays flat over many windows, dispose() frees the device copies, and two backends in one process take
 * turns without mixing state.
 *
 * tfjs-node is an optional dependency whose native addon is built by scripts/setup/30-tfjs-node.sh; its
 * tests are skipped only where it cannot load, and never under CI (CI=true), where that is a failure.
 */
import assert from 'node:assert/strict';
import { before, describe, it, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { Engine } from '../../src/learner/engines/engine';
import { createTfjsEngine } from '../../src/learner/engines/tfjs/create-tfjs-engine';
import type { TfjsBackendName } from '../../src/learner/engines/tfjs/tfjs-backend';
import type { TfjsEngine } from '../../src/learner/engines/tfjs/tfjs-engine';
import { fusedBackward } from '../../src/learner/engines/tfjs/fused-lstm';
import type { ModelSpec } from '../../src/learner/model/model-spec';
import { paramShapes, type ParamSet } from '../../src/learner/model/param-set';
import { zeroState } from '../../src/learner/model/recurrent-state';
import type { SequenceWindow } from '../../src/learner/model/sequence-window';
import { createRng, type Rng } from '../../src/util/rng';
import { runEngineConformance } from './engine-conformance';

const BACKENDS: ReadonlyArray<{ backend: TfjsBackendName; name: 'tfjs-node' | 'tfjs-wasm' }> = [
  { backend: 'tensorflow', name: 'tfjs-node' },
  { backend: 'wasm', name: 'tfjs-wasm' },
];

/** Creates an engine, or returns why it cannot be loaded here. */
async function tryEngine(backend: TfjsBackendName): Promise<Engine | string> {
  try {
    return await createTfjsEngine(backend);
  } catch (e) {
    return e instanceof Error ? e.message.split('\n')[0] : String(e);
  }
}

function randomParams(spec: ModelSpec, rng: Rng): ParamSet {
  const tensors = new Map();
  for (const [name, shape] of paramShapes(spec)) {
    const n = shape.reduce((a, b) => a * b, 1);
    tensors.set(name, { shape, data: Float32Array.from({ length: n }, () => rng.uniform(-0.5, 0.5)) });
  }
  return { tensors, version: 0 };
}

function tokenWindow(spec: ModelSpec, B: number, T: number, rng: Rng): SequenceWindow {
  const ids = (n: number): Int32Array => Int32Array.from({ length: B }, () => rng.int(n));
  return {
    batch: B, steps: T,
    inputs: Array.from({ length: T }, () => ids(spec.inputSize)),
    targets: Array.from({ length: T }, () => ids(spec.outputSize)),
  };
}

/**
 * Registers the tests of one backend. Engines load asynchronously and node:test registers suites
 * synchronously, so the engines are created first and the suites registered afterwards (node:test still
 * runs suites registered after an await at the top level).
 */
function registerBackend(backend: TfjsBackendName, name: string, loaded: Engine | string, forConformance: Engine | undefined): void {
  describe(name, () => {
    if (typeof loaded === 'string' || !forConformance) {
      const reason = typeof loaded === 'string' ? loaded : 'second engine missing';
      if (backend === 'tensorflow' && !process.env.CI) {
        it('loads', (t) => { t.skip(`tfjs-node not loadable: ${reason}`); });
      } else {
        it('loads', () => assert.fail(`${name} could not be loaded: ${reason}`));
      }
      return;
    }
    const engine = loaded;

    it('names itself and its backend', () => {
      assert.equal(engine.name, name);
      assert.match(engine.backend, backend === 'wasm' ? /^wasm/ : /^tensorflow$/);
    });

    // The conformance suite disposes the engine it is given: it gets its own.
    runEngineConformance(name, () => forConformance);
    if (backend === 'tensorflow') {
      // Every way of running LSTM layers on the native runtime, against the same reference ('auto' above
      // takes one of the fused ones by size; the small cases here would all take 'fused-window').
      for (const lstmKernels of ['per-op', 'fused-window', 'fused-steps', 'graph'] as const) {
        let e: Engine | undefined;
        before(async () => { e = await createTfjsEngine(backend, { lstmKernels }); });
        runEngineConformance(`${name}, LSTM kernels ${lstmKernels}`, () => e as Engine);
      }

      it('runs LSTMs with the fused kernels by default, and says so', () => {
        assert.equal((engine as TfjsEngine).lstmKernels, 'auto');
        assert.equal(fusedBackward(64, 50), 'fused-window'); // the copy task
        assert.equal(fusedBackward(16, 128), 'fused-steps');
      });
    }

    it('keeps the live tensor count flat over 1000 training windows', () => {
      const spec: ModelSpec = {
        cell: 'lstm', layers: 1, inputSize: 7, inputKind: 'tokens', embedSize: 5, hiddenSize: 6, outputSize: 4, head: 'softmax',
      };
      const rng = createRng(11);
      const params = randomParams(spec, rng);
      const window = tokenWindow(spec, 2, 4, rng);
      let state = zeroState(spec, 2);
      const counts: number[] = [];
      for (let i = 0; i < 1000; i++) {
        const r = engine.trainWindow(spec, params, window, state, { lossFrom: 2, keepStatesAfter: [1] });
        // An optimizer step: new parameter values, new version (the engine must re-upload and free the old copy).
        for (const [n, g] of r.grads.tensors) {
          const p = params.tensors.get(n)!.data;
          for (let k = 0; k < p.length; k++) p[k] -= 0.01 * g.data[k];
        }
        params.version++;
        state = r.keptStates[0];
        if (i % 100 === 0) {
          engine.forward(spec, params, window, state, { outputsFrom: 0 });
          engine.diagnose(spec, params, window, state);
        }
        if (i === 9 || i === 999) counts.push(tf.memory().numTensors);
      }
      assert.equal(counts[1], counts[0], `live tensors after 10 windows: ${counts[0]}, after 1000: ${counts[1]}`);
    });

    it('no call leaves a tensor behind, whatever the model', () => {
      const rng = createRng(13);
      for (const cell of ['lstm', 'gru', 'rnn'] as const) {
        for (const [inputKind, embedSize, head] of [['tokens', 3, 'softmax'], ['tokens', undefined, 'mse'], ['dense', 3, 'mse'], ['dense', undefined, 'softmax']] as const) {
          const spec: ModelSpec = { cell, layers: 2, inputSize: 4, inputKind, embedSize, hiddenSize: 3, outputSize: 2, head };
          const params = randomParams(spec, rng);
          const window: SequenceWindow = {
            batch: 2, steps: 3,
            inputs: Array.from({ length: 3 }, () => (inputKind === 'tokens'
              ? Int32Array.from({ length: 2 }, () => rng.int(4))
              : Float32Array.from({ length: 8 }, () => rng.uniform(-1, 1)))),
            targets: Array.from({ length: 3 }, () => (head === 'softmax'
              ? Int32Array.from({ length: 2 }, () => rng.int(2))
              : Float32Array.from({ length: 4 }, () => rng.uniform(-1, 1)))),
          };
          const initial = zeroState(spec, 2);
          engine.forward(spec, params, window, initial); // uploads (and caches) the params
          const before = tf.memory().numTensors;
          engine.trainWindow(spec, params, window, initial, { lossFrom: 1, outputsFrom: 0, keepStatesAfter: [0, 2] });
          engine.forward(spec, params, window, initial, { outputsFrom: 1, keepStatesAfter: [1] });
          engine.diagnose(spec, params, window, initial);
          assert.throws(() => engine.trainWindow(spec, params, { ...window, targets: [] }, initial, { lossFrom: 0 }));
          assert.equal(tf.memory().numTensors, before, `${cell} ${inputKind} ${embedSize ?? 'no'} encoder ${head}`);
        }
      }
    });

    it('dispose() frees every tensor the engine holds', async () => {
      const spec: ModelSpec = {
        cell: 'gru', layers: 2, inputSize: 4, inputKind: 'dense', hiddenSize: 3, outputSize: 2, head: 'mse',
      };
      const rng = createRng(12);
      const window: SequenceWindow = {
        batch: 2, steps: 3,
        inputs: Array.from({ length: 3 }, () => Float32Array.from({ length: 8 }, () => rng.uniform(-1, 1))),
        targets: Array.from({ length: 3 }, () => Float32Array.from({ length: 4 }, () => rng.uniform(-1, 1))),
      };
      const before = tf.memory().numTensors;
      const e = await createTfjsEngine(backend);
      e.trainWindow(spec, randomParams(spec, rng), window, zeroState(spec, 2), { lossFrom: 0 });
      e.trainWindow(spec, randomParams(spec, rng), window, zeroState(spec, 2), { lossFrom: 0 });
      assert.ok(tf.memory().numTensors > before + 20, 'the engine keeps device copies of two param sets');
      e.dispose();
      assert.equal(tf.memory().numTensors, before);
    });
  });
}

void (async () => {
  for (const { backend, name } of BACKENDS) {
    const loaded = await tryEngine(backend);
    const forConformance = typeof loaded === 'string' ? undefined : await createTfjsEngine(backend);
    registerBackend(backend, name, loaded, forConformance);
  }
})();

test('tfjs-node and tfjs-wasm take turns in one process with identical results to running alone', async (t) => {
  const node = await tryEngine('tensorflow');
  const wasm = await tryEngine('wasm');
  if (typeof node === 'string' || typeof wasm === 'string') {
    if (process.env.CI) assert.fail(`an engine could not be loaded: ${String(typeof node === 'string' ? node : wasm)}`);
    t.skip(`tfjs-node not loadable: ${String(typeof node === 'string' ? node : wasm)}`);
    return;
  }
  try {
    const spec: ModelSpec = {
      cell: 'gru', layers: 1, inputSize: 5, inputKind: 'tokens', hiddenSize: 4, outputSize: 3, head: 'softmax',
    };
    const rng = createRng(5);
    const params = randomParams(spec, rng);
    const window = tokenWindow(spec, 2, 4, rng);
    const initial = zeroState(spec, 2);
    const alone = node.trainWindow(spec, params, window, initial, { lossFrom: 0 });
    const w = wasm.trainWindow(spec, params, window, initial, { lossFrom: 0 });
    const turn = node.trainWindow(spec, params, window, initial, { lossFrom: 0 });
    assert.equal(turn.loss, alone.loss);
    for (const [n, g] of alone.grads.tensors) assert.deepEqual(turn.grads.tensors.get(n)!.data, g.data, n);
    // The two backends agree to float32 rounding (both are checked against the reference above).
    assert.ok(Math.abs(w.loss - alone.loss) <= 1e-5 * Math.abs(alone.loss), `loss ${w.loss} vs ${alone.loss}`);
  } finally {
    node.dispose();
    wasm.dispose();
  }
});
