/**
 * The graph path of the tfjs-node engine (src/learner/engines/tfjs/graph/): the protocol buffer encoding
 * it writes, the same results as the eager fused kernels over the spec matrix (the conformance suite and
 * the PyTorch fixtures check 'graph' against the references themselves), the first-window rule of 'auto',
 * and the bound on loaded graphs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import type { Engine, TrainOptions, TrainResult } from '../../src/learner/engines/engine';
import { createTfjsEngine } from '../../src/learner/engines/tfjs/create-tfjs-engine';
import { liveGraphSessions } from '../../src/learner/engines/tfjs/graph/graph-session';
import { ProtobufWriter } from '../../src/learner/engines/tfjs/graph/protobuf-writer';
import type { TfjsEngine } from '../../src/learner/engines/tfjs/tfjs-engine';
import { initParams } from '../../src/learner/model/init-params';
import type { ModelSpec } from '../../src/learner/model/model-spec';
import type { ParamSet } from '../../src/learner/model/param-set';
import type { RecurrentState } from '../../src/learner/model/recurrent-state';
import { zeroState } from '../../src/learner/model/recurrent-state';
import type { SequenceWindow } from '../../src/learner/model/sequence-window';
import { createRng, type Rng } from '../../src/util/rng';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('the protobuf writer produces the wire format of the protobuf encoding guide', () => {
  assert.equal(hex(new ProtobufWriter().int(1, 150).finish()), '089601');
  assert.equal(hex(new ProtobufWriter().string(2, 'testing').finish()), '120774657374696e67');
  assert.equal(hex(new ProtobufWriter().packedInts(4, [3, 270, 86942]).finish()), '2206038e029ea705');
  assert.equal(hex(new ProtobufWriter().message(3, (w) => w.int(1, 150)).finish()), '1a03089601');
  assert.equal(hex(new ProtobufWriter().int(1, -1).finish()), '08ffffffffffffffffff01', 'int64 -1: ten bytes');
  assert.equal(hex(new ProtobufWriter().float(4, 1).bool(5, true).finish()), '250000803f2801');
  assert.equal(hex(new ProtobufWriter().packedFloats(5, [0.5]).finish()), '2a040000003f');
  assert.throws(() => new ProtobufWriter().int(1, 2 ** 60), /not a safe integer/);
});

function windowFor(spec: ModelSpec, T: number, B: number, rng: Rng): SequenceWindow {
  const tokens = (n: number): Int32Array => Int32Array.from({ length: B }, () => rng.int(n));
  const values = (n: number): Float32Array => Float32Array.from({ length: B * n }, () => rng.normal());
  return {
    batch: B, steps: T,
    inputs: Array.from({ length: T }, () => (spec.inputKind === 'tokens' ? tokens(spec.inputSize) : values(spec.inputSize))),
    targets: Array.from({ length: T }, () => (spec.head === 'softmax' ? tokens(spec.outputSize) : values(spec.outputSize))),
  };
}

function randomState(spec: ModelSpec, B: number, rng: Rng): RecurrentState {
  const s = zeroState(spec, B);
  for (const a of [...s.h, ...(s.c ?? [])]) for (let i = 0; i < a.length; i++) a[i] = 0.5 * rng.normal();
  return s;
}

function assertNear(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const tol = 1e-5 + 1e-4 * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) assert.fail(`${what}[${i}]: ${actual[i]} against ${expected[i]}`);
  }
}

const flat = (xs: readonly Float32Array[]): number[] => xs.flatMap((x) => Array.from(x));

/** Parameters, a window and entering states for a case, from seeds. */
function inputsFor(c: { spec: ModelSpec; T: number; B: number }, seed: number): { params: ParamSet; win: SequenceWindow; state: RecurrentState } {
  const rng = createRng(seed);
  const params = initParams(c.spec, 'pytorch', createRng(seed + 1));
  const win = windowFor(c.spec, c.T, c.B, rng);
  return { params, win, state: randomState(c.spec, c.B, rng) };
}

function assertSameTraining(a: TrainResult, b: TrainResult): void {
  assertNear([a.loss], [b.loss], 'loss');
  for (const [name, g] of b.grads.tensors) assertNear(a.grads.tensors.get(name)?.data ?? [], g.data, `grads["${name}"]`);
}

const CASES: ReadonlyArray<{ name: string; spec: ModelSpec; T: number; B: number; options: TrainOptions }> = [
  { name: 'tokens, encoder folded in, losses on the last steps', T: 7, B: 3, options: { lossFrom: 3, outputsFrom: 2 },
    spec: { cell: 'lstm', layers: 1, inputSize: 8, inputKind: 'tokens', embedSize: 16, hiddenSize: 12, outputSize: 8, head: 'softmax' } },
  { name: 'tokens, encoder not folded (vocabulary wider than it), 2 layers, kept states', T: 5, B: 2, options: { lossFrom: 0, outputsFrom: 4, keepStatesAfter: [1, 3] },
    spec: { cell: 'lstm', layers: 2, inputSize: 20, inputKind: 'tokens', embedSize: 6, hiddenSize: 10, outputSize: 5, head: 'softmax' } },
  { name: 'dense, no encoder, 2 layers, mse', T: 6, B: 4, options: { lossFrom: 2, outputsFrom: 0, keepStatesAfter: [0] },
    spec: { cell: 'lstm', layers: 2, inputSize: 4, inputKind: 'dense', hiddenSize: 9, outputSize: 3, head: 'mse' } },
  { name: 'dense, encoder folded in, one step, one stream', T: 1, B: 1, options: { lossFrom: 0, outputsFrom: 0 },
    spec: { cell: 'lstm', layers: 1, inputSize: 4, inputKind: 'dense', embedSize: 7, hiddenSize: 9, outputSize: 3, head: 'mse' } },
  { name: 'dense, encoder not folded, 3 layers', T: 4, B: 2, options: { lossFrom: 1, outputsFrom: 3, keepStatesAfter: [2] },
    spec: { cell: 'lstm', layers: 3, inputSize: 9, inputKind: 'dense', embedSize: 5, hiddenSize: 6, outputSize: 2, head: 'softmax' } },
  { name: 'tokens, no encoder', T: 8, B: 5, options: { lossFrom: 0, outputsFrom: 7 },
    spec: { cell: 'lstm', layers: 1, inputSize: 32, inputKind: 'tokens', hiddenSize: 16, outputSize: 32, head: 'softmax' } },
];

async function tryEngines(): Promise<{ graph: TfjsEngine; eager: Engine; auto: TfjsEngine } | string> {
  try {
    return {
      graph: await createTfjsEngine('tensorflow', { lstmKernels: 'graph' }) as TfjsEngine,
      eager: await createTfjsEngine('tensorflow', { lstmKernels: 'fused-steps' }),
      auto: await createTfjsEngine('tensorflow') as TfjsEngine,
    };
  } catch (e) {
    return e instanceof Error ? e.message.split('\n')[0] : String(e);
  }
}

describe('tfjs-node training and diagnostic graphs', () => {
  let engines: Awaited<ReturnType<typeof tryEngines>>;
  before(async () => { engines = await tryEngines(); });
  after(() => {
    if (typeof engines === 'string') return;
    for (const e of [engines.graph, engines.eager, engines.auto]) e.dispose();
  });
  const get = (t: { skip(m: string): void }): Exclude<typeof engines, string> | undefined => {
    if (typeof engines !== 'string') return engines;
    if (process.env.CI) assert.fail(`tfjs-node does not load: ${engines}`);
    t.skip(`tfjs-node does not load here: ${engines}`);
    return undefined;
  };

  for (const c of CASES) {
    it(`gives what the eager fused kernels give: ${c.name}`, (t) => {
      const e = get(t);
      if (!e) return;
      const { params, win, state } = inputsFor(c, 7);
      const before = e.graph.loadedGraphs;
      const a = e.graph.trainWindow(c.spec, params, win, state, c.options);
      const b = e.eager.trainWindow(c.spec, params, win, state, c.options);
      assert.equal(e.graph.loadedGraphs, before + 1, 'the window ran as a graph');
      assertSameTraining(a, b);
      assertNear(flat(a.outputs), flat(b.outputs), 'outputs');
      assertNear(flat(a.stepLosses), flat(b.stepLosses), 'stepLosses');
      assertNear(flat([...a.finalState.h, ...(a.finalState.c ?? [])]), flat([...b.finalState.h, ...(b.finalState.c ?? [])]), 'finalState');
      assert.equal(a.keptStates.length, b.keptStates.length);
      a.keptStates.forEach((s, k) => assertNear(flat([...s.h, ...(s.c ?? [])]), flat([...b.keptStates[k].h, ...(b.keptStates[k].c ?? [])]), `keptStates[${k}]`));
      const da = e.graph.diagnose(c.spec, params, win, state);
      const db = e.eager.diagnose(c.spec, params, win, state);
      assert.equal(e.graph.loadedGraphs, before + 2, 'the diagnostic pass ran as a graph');
      assertNear(flat(da.lagNorms.map((x) => Float32Array.from(x))), flat(db.lagNorms.map((x) => Float32Array.from(x))), 'lagNorms');
      assertNear(da.cumExact, db.cumExact, 'cumExact');
      assertNear(da.cumApprox, db.cumApprox, 'cumApprox');
    });
  }

  it("'auto' runs a shape's first window eagerly and loads its graph on the second, with the same results", (t) => {
    const e = get(t);
    if (!e) return;
    const c = CASES[0];
    const { params, win, state } = inputsFor(c, 11);
    const before = e.auto.loadedGraphs;
    const first = e.auto.trainWindow(c.spec, params, win, state, c.options);
    assert.equal(e.auto.loadedGraphs, before, 'no graph for a shape seen once');
    const second = e.auto.trainWindow(c.spec, params, win, state, c.options);
    assert.equal(e.auto.loadedGraphs, before + 1, 'the graph is loaded on the second window');
    assertSameTraining(second, first);
  });

  it("'auto' goes on eagerly, and says why, when a graph cannot be loaded", async (t) => {
    if (!get(t)) return;
    const engine = await createTfjsEngine('tensorflow') as TfjsEngine;
    const c = CASES[2];
    const { params, win, state } = inputsFor(c, 13);
    const tmp = process.env.TMPDIR;
    process.env.TMPDIR = '/nonexistent/tbptt-graph-test';
    const warnings: string[] = [];
    const onWarning = (w: Error): void => { warnings.push(w.message); };
    process.on('warning', onWarning);
    try {
      const first = engine.trainWindow(c.spec, params, win, state, c.options);
      const second = engine.trainWindow(c.spec, params, win, state, c.options);
      assert.match(engine.graphFailure ?? '', /ENOENT|no such file/);
      assert.equal(engine.loadedGraphs, 0);
      assertSameTraining(second, first);
      await new Promise((r) => setImmediate(r));
      assert.ok(warnings.some((w) => /run eagerly, a graph could not be loaded/.test(w)), warnings.join('; '));
    } finally {
      if (tmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmp;
      process.off('warning', onWarning);
      engine.dispose();
    }
    const forced = await createTfjsEngine('tensorflow', { lstmKernels: 'graph' });
    process.env.TMPDIR = '/nonexistent/tbptt-graph-test';
    try {
      assert.throws(() => forced.trainWindow(c.spec, params, win, state, c.options), /ENOENT|no such file/);
    } finally {
      if (tmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmp;
      forced.dispose();
    }
  });

  it('keeps at most 16 training graphs loaded however many window shapes come, and frees them on dispose', async (t) => {
    if (!get(t)) return;
    const engine = await createTfjsEngine('tensorflow', { lstmKernels: 'graph' }) as TfjsEngine;
    const spec: ModelSpec = { cell: 'lstm', layers: 1, inputSize: 5, inputKind: 'tokens', embedSize: 6, hiddenSize: 4, outputSize: 5, head: 'softmax' };
    const params = initParams(spec, 'pytorch', createRng(1));
    const rng = createRng(2);
    const start = liveGraphSessions();
    for (let T = 1; T <= 40; T++) {
      const r = engine.trainWindow(spec, params, windowFor(spec, T, 2, rng), zeroState(spec, 2), { lossFrom: 0 });
      assert.ok(Number.isFinite(r.loss));
      assert.equal(engine.loadedGraphs, Math.min(T, 16));
      assert.equal(liveGraphSessions() - start, Math.min(T, 16), 'evicted graphs are freed');
    }
    engine.dispose();
    assert.equal(liveGraphSessions(), start, 'dispose frees every session the engine held');
  });
});
