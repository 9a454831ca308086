/**
 * The conformance suite every engine passes: results are checked against the independent float64
 * reference model (test/numerics/reference-model.ts) — gradients by central finite differences of
 * the reference's loss, never against the engine itself.
 *
 * Tolerances (engines compute in float32; the reference and its finite differences in float64 with
 * eps = 1e-6, whose own error is ~1e-9):
 * - loss, per-stream losses, outputs, states: |a − e| ≤ 1e-5 + 1e-4·|e|;
 * - parameter gradients: |g − fd| ≤ 1e-3·|fd| + 1e-5·s, s = max(1, max |fd| of the case) — relative
 *   1e-3 for float32 accumulation, plus a floor for entries that are ~0 by cancellation;
 * - lag norms and cumulative norms: the same rule, s = max(1, the lag-0 norm).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Engine } from '../../src/learner/engines/engine';
import type { CellKind, HeadKind, InputKind, ModelSpec } from '../../src/learner/model/model-spec';
import { paramShapes, type ParamSet } from '../../src/learner/model/param-set';
import type { RecurrentState } from '../../src/learner/model/recurrent-state';
import type { SequenceWindow } from '../../src/learner/model/sequence-window';
import { createRng, type Rng } from '../../src/util/rng';
import { refRun, refWindowLoss, toRefParams, type RefParams, type RefState, type StatePerturbation } from '../numerics/reference-model';

const FD_EPS = 1e-6;

/** Sizes of one test model and window. */
interface Sizes { I: number; E: number; H: number; C: number; B: number; T: number }
const SMALL: Sizes = { I: 4, E: 3, H: 3, C: 3, B: 3, T: 5 };
/** Larger than the kernels' 4 × 4 / 8-deep blocks, so blocked paths and remainders both run. */
const LARGER: Sizes = { I: 9, E: 6, H: 5, C: 4, B: 5, T: 6 };
/** An input narrower than the embedding: tfjs-node folds the encoder into the first LSTM layer. */
const NARROW: Sizes = { I: 3, E: 5, H: 4, C: 3, B: 3, T: 6 };

interface Case {
  readonly spec: ModelSpec;
  readonly params: ParamSet;
  readonly window: SequenceWindow;
  readonly initial: RecurrentState;
}

function makeSpec(cell: CellKind, layers: number, head: HeadKind, inputKind: InputKind, encoder: boolean, s: Sizes): ModelSpec {
  return { cell, layers, inputSize: s.I, inputKind, embedSize: encoder ? s.E : undefined, hiddenSize: s.H, outputSize: s.C, head };
}

function randomParams(spec: ModelSpec, rng: Rng): ParamSet {
  const tensors = new Map();
  for (const [name, shape] of paramShapes(spec)) {
    const n = shape.reduce((a, b) => a * b, 1);
    tensors.set(name, { shape, data: Float32Array.from({ length: n }, () => rng.uniform(-0.7, 0.7)) });
  }
  return { tensors, version: 0 };
}

function randomWindow(spec: ModelSpec, B: number, T: number, rng: Rng, withTargets = true): SequenceWindow {
  const inputs: Array<Float32Array | Int32Array> = [];
  const targets: Array<Float32Array | Int32Array> = [];
  for (let t = 0; t < T; t++) {
    inputs.push(spec.inputKind === 'dense'
      ? Float32Array.from({ length: B * spec.inputSize }, () => rng.uniform(-1, 1))
      : Int32Array.from({ length: B }, () => rng.int(spec.inputSize)));
    if (withTargets) {
      targets.push(spec.head === 'softmax'
        ? Int32Array.from({ length: B }, () => rng.int(spec.outputSize))
        : Float32Array.from({ length: B * spec.outputSize }, () => rng.uniform(-1, 1)));
    }
  }
  return { batch: B, steps: T, inputs, targets };
}

function randomState(spec: ModelSpec, B: number, rng: Rng): RecurrentState {
  const mk = (): Float32Array[] => Array.from({ length: spec.layers }, () =>
    Float32Array.from({ length: B * spec.hiddenSize }, () => rng.uniform(-0.8, 0.8)));
  return spec.cell === 'lstm' ? { h: mk(), c: mk() } : { h: mk() };
}

function makeCase(spec: ModelSpec, s: Sizes, seed: number, zeroInitial = false): Case {
  const rng = createRng(seed);
  const params = randomParams(spec, rng);
  const window = randomWindow(spec, s.B, s.T, rng);
  const initial = zeroInitial ? randomState(spec, s.B, createRng(0)) : randomState(spec, s.B, rng);
  if (zeroInitial) for (const a of [...initial.h, ...(initial.c ?? [])]) a.fill(0);
  return { spec, params, window, initial };
}

/** RecurrentState [L][B·H] → reference layout [L][B][H]. */
function toRefState(spec: ModelSpec, s: RecurrentState, B: number): RefState {
  const H = spec.hiddenSize;
  const conv = (arrs: Float32Array[]): number[][][] =>
    arrs.map((a) => Array.from({ length: B }, (_, b) => Array.from(a.subarray(b * H, (b + 1) * H))));
  return s.c ? { h: conv(s.h), c: conv(s.c) } : { h: conv(s.h) };
}

function assertClose(actual: number, expected: number, atol: number, rtol: number, what: string): void {
  assert.ok(Number.isFinite(actual), `${what}: not finite (${actual})`);
  const tol = atol + rtol * Math.abs(expected);
  assert.ok(Math.abs(actual - expected) <= tol,
    `${what}: engine ${actual} vs reference ${expected} (|diff| ${Math.abs(actual - expected).toExponential(2)} > tol ${tol.toExponential(2)})`);
}

function assertStateClose(spec: ModelSpec, actual: RecurrentState, expected: RefState, B: number, what: string): void {
  const H = spec.hiddenSize;
  for (const part of spec.cell === 'lstm' ? ['h', 'c'] as const : ['h'] as const) {
    const arrs = actual[part] as Float32Array[];
    assert.equal(arrs.length, spec.layers, `${what}.${part}: layer count`);
    for (let l = 0; l < spec.layers; l++) {
      assert.equal(arrs[l].length, B * H, `${what}.${part}[${l}] length`);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          assertClose(arrs[l][b * H + j], (expected[part] as number[][][])[l][b][j], 1e-5, 1e-4, `${what}.${part}[${l}][${b}][${j}]`);
        }
      }
    }
  }
}

/** Central finite differences of the reference window loss w.r.t. every parameter. */
function fdParamGrads(c: Case, lossFrom: number): Map<string, Float64Array> {
  const p: RefParams = toRefParams(c.params);
  const initial = toRefState(c.spec, c.initial, c.window.batch);
  const out = new Map<string, Float64Array>();
  for (const [name, v] of p) {
    const g = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      v[i] = x + FD_EPS;
      const up = refWindowLoss(refRun(c.spec, p, c.window, initial), lossFrom);
      v[i] = x - FD_EPS;
      const down = refWindowLoss(refRun(c.spec, p, c.window, initial), lossFrom);
      v[i] = x;
      g[i] = (up - down) / (2 * FD_EPS);
    }
    out.set(name, g);
  }
  return out;
}

function assertGradsMatch(spec: ModelSpec, grads: ParamSet, fd: Map<string, Float64Array>, what: string): void {
  let scale = 1;
  for (const g of fd.values()) for (const v of g) scale = Math.max(scale, Math.abs(v));
  for (const [name, shape] of paramShapes(spec)) {
    const t = grads.tensors.get(name);
    assert.ok(t, `${what}: gradient ${name} missing`);
    assert.deepEqual([...t.shape], shape, `${what}: gradient ${name} shape`);
    const e = fd.get(name) as Float64Array;
    let nonZero = false;
    for (let i = 0; i < e.length; i++) {
      assertClose(t.data[i], e[i], 1e-5 * scale, 1e-3, `${what}: grad ${name}[${i}]`);
      if (Math.abs(e[i]) > 1e-6) nonZero = true;
    }
    assert.ok(nonZero, `${what}: reference gradient of ${name} is all zero; the case checks nothing`);
  }
}

/**
 * The diagnostic quantities by finite differences: g_j[b] = ∂(batch-mean loss at T−1)/∂(state entering
 * step T−1−j, stream b), state = h (and c) of every layer; then norms and cumulative norms as defined in
 * engine.ts (LagNorms).
 */
function fdLagNorms(c: Case): { lagNorms: number[][]; cumExact: number[]; cumApprox: number[] } {
  const { spec, window } = c;
  const B = window.batch, T = window.steps, H = spec.hiddenSize;
  const p = toRefParams(c.params);
  const initial = toRefState(spec, c.initial, B);
  const parts = spec.cell === 'lstm' ? ['h', 'c'] as const : ['h'] as const;
  const dim = parts.length * spec.layers * H;
  const lastLoss = (perturb: StatePerturbation): number => refRun(spec, p, window, initial, perturb).stepLoss[T - 1];
  const lagNorms: number[][] = [], cumExact: number[] = [], cumApprox: number[] = [];
  const cum = new Float64Array(dim);
  let approx = 0;
  for (let j = 0; j < T; j++) {
    const step = T - 1 - j;
    const norms: number[] = [];
    for (let b = 0; b < B; b++) {
      let sq = 0, k = 0;
      for (const part of parts) {
        for (let layer = 0; layer < spec.layers; layer++) {
          for (let unit = 0; unit < H; unit++, k++) {
            const at = { step, part, layer, stream: b, unit };
            const g = (lastLoss({ ...at, delta: FD_EPS }) - lastLoss({ ...at, delta: -FD_EPS })) / (2 * FD_EPS);
            sq += g * g;
            cum[k] += g / B;
          }
        }
      }
      norms.push(Math.sqrt(sq));
    }
    lagNorms.push(norms);
    cumExact.push(Math.sqrt(cum.reduce((u, v) => u + v * v, 0)));
    approx += norms.reduce((u, v) => u + v, 0) / B;
    cumApprox.push(approx);
  }
  return { lagNorms, cumExact, cumApprox };
}

function caseName(spec: ModelSpec, s: Sizes): string {
  return `${spec.cell} ${spec.layers}L ${spec.head} ${spec.inputKind}${spec.embedSize !== undefined ? '+enc' : ''}` +
    ` (I${s.I} H${s.H} C${s.C} B${s.B} T${s.T})`;
}

/** Registers the conformance tests of one engine with node:test. */
export function runEngineConformance(name: string, makeEngine: () => Engine): void {
  describe(`engine conformance: ${name}`, () => {
    let engine: Engine;
    before(() => { engine = makeEngine(); });
    after(() => engine.dispose());

    const cases: Array<[ModelSpec, Sizes]> = [];
    for (const cell of ['lstm', 'gru', 'rnn'] as const) {
      for (const layers of [1, 2]) {
        for (const head of ['softmax', 'mse'] as const) {
          for (const inputKind of ['dense', 'tokens'] as const) {
            for (const encoder of [false, true]) cases.push([makeSpec(cell, layers, head, inputKind, encoder, SMALL), SMALL]);
          }
        }
      }
    }
    cases.push([makeSpec('lstm', 2, 'softmax', 'tokens', true, LARGER), LARGER]);
    cases.push([makeSpec('gru', 2, 'mse', 'dense', true, LARGER), LARGER]);
    cases.push([makeSpec('rnn', 2, 'softmax', 'dense', false, LARGER), LARGER]);
    cases.push([makeSpec('lstm', 1, 'mse', 'dense', false, LARGER), LARGER]);
    cases.push([makeSpec('lstm', 2, 'softmax', 'tokens', true, NARROW), NARROW]);
    cases.push([makeSpec('lstm', 1, 'mse', 'dense', true, NARROW), NARROW]);
    cases.push([makeSpec('gru', 1, 'softmax', 'tokens', true, NARROW), NARROW]);

    cases.forEach(([spec, sizes], k) => {
      const lossFrom = 2;
      it(`trainWindow matches the reference: ${caseName(spec, sizes)}, lossFrom ${lossFrom}`, () => {
        const c = makeCase(spec, sizes, 1000 + k);
        const B = sizes.B, T = sizes.T;
        const res = engine.trainWindow(spec, c.params, c.window, c.initial, { lossFrom, outputsFrom: 0, keepStatesAfter: [1] });
        const ref = refRun(spec, toRefParams(c.params), c.window, toRefState(spec, c.initial, B));
        // Loss and per-stream losses.
        assertClose(res.loss, refWindowLoss(ref, lossFrom), 1e-5, 1e-4, 'loss');
        assert.equal(res.stepLosses.length, T - lossFrom, 'one stepLosses entry per loss step');
        res.stepLosses.forEach((l, i) => {
          for (let b = 0; b < B; b++) assertClose(l[b], ref.streamLoss[lossFrom + i][b], 1e-5, 1e-4, `stepLosses[${i}][${b}]`);
        });
        // Outputs of every step (outputsFrom 0), states.
        assert.equal(res.outputs.length, T);
        res.outputs.forEach((o, t) => {
          assert.equal(o.length, B * spec.outputSize, `outputs[${t}] length`);
          for (let b = 0; b < B; b++) {
            for (let j = 0; j < spec.outputSize; j++) assertClose(o[b * spec.outputSize + j], ref.outputs[t][b][j], 1e-5, 1e-4, `outputs[${t}][${b}][${j}]`);
          }
        });
        assertStateClose(spec, res.finalState, ref.states[T - 1], B, 'finalState');
        assert.equal(res.keptStates.length, 1);
        assertStateClose(spec, res.keptStates[0], ref.states[1], B, 'keptStates[0] (after step 1)');
        // Gradients of every parameter against finite differences of the reference.
        assertGradsMatch(spec, res.grads, fdParamGrads(c, lossFrom), 'trainWindow');
        // Engines never mutate their inputs... and forward() agrees with trainWindow().
        const fwd = engine.forward(spec, c.params, c.window, c.initial, {});
        assert.equal(fwd.outputs.length, 1, 'forward returns only the last step by default');
        for (let i = 0; i < fwd.outputs[0].length; i++) assertClose(fwd.outputs[0][i], res.outputs[T - 1][i], 1e-6, 1e-5, `forward output[${i}]`);
      });

      it(`diagnose matches finite differences: ${caseName(spec, sizes)}`, () => {
        const c = makeCase(spec, sizes, 2000 + k);
        const d = engine.diagnose(spec, c.params, c.window, c.initial);
        const e = fdLagNorms(c);
        const T = sizes.T;
        assert.equal(d.lagNorms.length, T, 'one lag per step');
        assert.equal(d.cumExact.length, T);
        assert.equal(d.cumApprox.length, T);
        const scale = Math.max(1, ...e.lagNorms[0]);
        for (let j = 0; j < T; j++) {
          assert.equal(d.lagNorms[j].length, sizes.B, `lagNorms[${j}] has one norm per stream`);
          for (let b = 0; b < sizes.B; b++) assertClose(d.lagNorms[j][b], e.lagNorms[j][b], 1e-5 * scale, 1e-3, `lagNorms[${j}][${b}]`);
          assertClose(d.cumExact[j], e.cumExact[j], 1e-5 * scale, 1e-3, `cumExact[${j}]`);
          assertClose(d.cumApprox[j], e.cumApprox[j], 1e-5 * scale, 1e-3, `cumApprox[${j}]`);
        }
        assert.ok(e.lagNorms[T - 1].some((v) => v > 1e-8), 'the last lag carries gradient (the case checks the whole window)');
      });
    });

    for (const cell of ['lstm', 'gru', 'rnn'] as const) {
      it(`${cell}: TBPTT with the window covering the whole sequence equals full BPTT of the reference`, () => {
        const sizes: Sizes = { ...SMALL, T: 8 };
        const spec = makeSpec(cell, 2, 'softmax', 'tokens', true, sizes);
        const c = makeCase(spec, sizes, 3000, true);
        const res = engine.trainWindow(spec, c.params, c.window, c.initial, { lossFrom: 0 });
        const ref = refRun(spec, toRefParams(c.params), c.window, toRefState(spec, c.initial, sizes.B));
        assertClose(res.loss, refWindowLoss(ref, 0), 1e-5, 1e-4, 'full-sequence loss');
        assertGradsMatch(spec, res.grads, fdParamGrads(c, 0), 'full BPTT');
      });

      it(`${cell}: a state carried across consecutive windows equals one long forward`, () => {
        const sizes: Sizes = { ...LARGER, T: 10 };
        const spec = makeSpec(cell, 2, 'mse', 'dense', false, sizes);
        const c = makeCase(spec, sizes, 4000);
        const B = sizes.B;
        const ref = refRun(spec, toRefParams(c.params), c.window, toRefState(spec, c.initial, B));
        const slice = (from: number, to: number): SequenceWindow => ({
          batch: B, steps: to - from, inputs: c.window.inputs.slice(from, to), targets: c.window.targets.slice(from, to),
        });
        // Window A: steps 0..5 (forward only, no targets needed), keeping the states after steps 2 and 5.
        const a = engine.forward(spec, c.params, { ...slice(0, 6), targets: [] }, c.initial, { keepStatesAfter: [2, 5] });
        assertStateClose(spec, a.keptStates[0], ref.states[2], B, 'window A state after step 2');
        assertStateClose(spec, a.keptStates[1], ref.states[5], B, 'window A state after step 5');
        assertStateClose(spec, a.finalState, ref.states[5], B, 'window A final state');
        // Window B overlaps A: steps 3..9 from the state after step 2, training on its last 3 steps.
        const bw = slice(3, 10);
        const b = engine.trainWindow(spec, c.params, bw, a.keptStates[0], { lossFrom: 4, outputsFrom: 0, keepStatesAfter: [2] });
        assertStateClose(spec, b.keptStates[0], ref.states[5], B, 'window B state after its step 2 (= step 5)');
        assertStateClose(spec, b.finalState, ref.states[9], B, 'window B final state (= step 9)');
        b.outputs.forEach((o, i) => {
          for (let k = 0; k < o.length; k++) {
            assertClose(o[k], ref.outputs[3 + i][Math.floor(k / spec.outputSize)][k % spec.outputSize], 1e-5, 1e-4, `window B output ${i} [${k}]`);
          }
        });
        const refLoss = ref.stepLoss.slice(7).reduce((u, v) => u + v, 0) / 3;
        assertClose(b.loss, refLoss, 1e-5, 1e-4, 'window B loss (steps 7..9)');
      });
    }

    it('does not mutate params, window or initial state', () => {
      const spec = makeSpec('lstm', 2, 'softmax', 'dense', true, SMALL);
      const c = makeCase(spec, SMALL, 5000);
      const snap = (): string => JSON.stringify([[...c.params.tensors.values()].map((t) => [...t.data]),
        c.window.inputs.map((x) => [...x]), c.initial.h.map((x) => [...x]), (c.initial.c ?? []).map((x) => [...x])]);
      const before = snap();
      engine.trainWindow(spec, c.params, c.window, c.initial, { lossFrom: 0 });
      engine.diagnose(spec, c.params, c.window, c.initial);
      engine.forward(spec, c.params, c.window, c.initial);
      assert.equal(snap(), before);
    });

    it('repeated calls with other shapes in between give identical results (no stale buffers)', () => {
      const specA = makeSpec('gru', 2, 'mse', 'tokens', true, LARGER);
      const specB = makeSpec('lstm', 1, 'softmax', 'dense', false, SMALL);
      const a = makeCase(specA, LARGER, 6000);
      const b = makeCase(specB, SMALL, 6001);
      const first = engine.trainWindow(specA, a.params, a.window, a.initial, { lossFrom: 1 });
      engine.trainWindow(specB, b.params, b.window, b.initial, { lossFrom: 0 });
      engine.diagnose(specB, b.params, b.window, b.initial);
      const again = engine.trainWindow(specA, a.params, a.window, a.initial, { lossFrom: 1 });
      assert.equal(again.loss, first.loss);
      for (const [n, t] of first.grads.tensors) assert.deepEqual(again.grads.tensors.get(n)?.data, t.data, n);
    });

    it('rejects token ids outside the vocabulary and malformed windows', () => {
      const spec = makeSpec('rnn', 1, 'softmax', 'tokens', false, SMALL);
      const c = makeCase(spec, SMALL, 7000);
      const bad = { ...c.window, inputs: c.window.inputs.map((x, t) => (t === 2 ? Int32Array.from([0, SMALL.I, 1]) : x)) };
      assert.throws(() => engine.trainWindow(spec, c.params, bad, c.initial, { lossFrom: 0 }));
      const short = { ...c.window, targets: c.window.targets.slice(0, 2) };
      assert.throws(() => engine.trainWindow(spec, c.params, short, c.initial, { lossFrom: 0 }));
    });
  });
}
