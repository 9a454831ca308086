/**
 * Every engine against PyTorch: each fixture under test/fixtures/torch (written by
 * scripts/fixtures/make_torch_fixtures.py with torch.nn modules, float64 arithmetic on float32 weights and
 * inputs) is piped through `tbptt-stream grad` in-process, and the loss, the parameter gradients, the
 * per-lag state-gradient norms and the exact cumulative norms are compared with PyTorch's.
 *
 * Tolerances (the engines compute in float32; PyTorch's numbers are exact to ~1e-15 for the float32 model):
 * - loss and gradients: |a − b| ≤ 1e-5 + 1e-4·|b|. Values are O(0.01–1); float32 rounding over ≤ 16
 *   steps of small matrix products stays around 1e-7 relative, so this leaves two orders of margin while
 *   any real mistake (a gate order, a missing term, a wrong mean) moves values by far more.
 * - lagNorms and cumNorms: |a − b| ≤ 1e-8 + 1e-4·|b|. The norms decay with lag (down to ~1e-4 and below),
 *   so an absolute 1e-5 would accept almost anything in the tail; they are products of Jacobians and keep
 *   float32's relative precision, so the test is relative with only a tiny absolute floor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { main } from '../../src/cli/main';
import { availableEngines, engineLoadFailure, loadEngine } from '../../src/learner/engines/load-engine';
import { parseGradRequest } from '../../src/learner/model/decode-grad-request';
import { createTfjsEngine } from '../../src/learner/engines/tfjs/create-tfjs-engine';
import { fixturePath } from '../support/repo-paths';
import { memoryIO } from '../support/memory-io';

interface Expected {
  loss: number;
  grads: Record<string, number[]>;
  lagNorms: number[][];
  cumNorms: number[];
  cumNormsApprox: number[];
}

const GRAD_TOL = { atol: 1e-5, rtol: 1e-4 };
const NORM_TOL = { atol: 1e-8, rtol: 1e-4 };

/** The PyTorch fixtures: every JSON file under test/fixtures/torch carrying expected lag norms. */
function torchFixtures(): Array<{ name: string; text: string; expected: Expected }> {
  const dir = fixturePath('torch');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().flatMap((f) => {
    const text = readFileSync(`${dir}/${f}`, 'utf8');
    const json = JSON.parse(text) as { expected?: Partial<Expected> };
    return json.expected?.lagNorms ? [{ name: f.replace(/\.json$/, ''), text, expected: json.expected as Expected }] : [];
  });
}

/** Asserts |a − b| ≤ atol + rtol·|b| elementwise, naming the worst element on failure. */
function assertClose(actual: number[], expected: number[], tol: { atol: number; rtol: number }, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) / (tol.atol + tol.rtol * Math.abs(expected[i]));
    if (!(excess <= 1) && (worst < 0 || !(excess <= worstExcess))) { worst = i; worstExcess = excess; }
  }
  if (worst >= 0) {
    assert.fail(`${what}[${worst}]: got ${actual[worst]}, PyTorch ${expected[worst]} ` +
      `(${worstExcess.toFixed(1)}× the tolerance ${tol.atol} + ${tol.rtol}·|b|)`);
  }
}

const fixtures = torchFixtures();

test('the fixture set covers every axis', () => {
  const models = fixtures.map((f) => JSON.parse(f.text) as {
    model: { cell: string; layers: number; head: string; embedSize?: number }; inputs: unknown[][];
    lossSteps?: number; initialState?: unknown;
  });
  const has = (p: (m: (typeof models)[number]) => boolean): boolean => models.some(p);
  for (const cell of ['lstm', 'gru', 'rnn']) {
    for (const layers of [1, 2]) {
      for (const head of ['softmax', 'mse']) {
        assert.ok(has((m) => m.model.cell === cell && m.model.layers === layers && m.model.head === head), `${cell} ${layers} ${head}`);
      }
    }
  }
  assert.ok(has((m) => Array.isArray(m.inputs[0][0])) && has((m) => !Array.isArray(m.inputs[0][0])), 'dense and tokens');
  assert.ok(has((m) => m.model.embedSize !== undefined) && has((m) => m.model.embedSize === undefined), 'encoder or not');
  assert.ok(has((m) => m.lossSteps !== undefined && m.lossSteps < m.inputs.length), 'lossSteps < T');
  assert.ok(has((m) => m.initialState === undefined) && has((m) => m.initialState !== undefined), 'zero and given state');
});

test('engines are compared with PyTorch', async (t) => {
  const engines = await availableEngines();
  assert.ok(engines.length > 0, 'at least one engine is available');
  for (const name of ['ts', 'tfjs-node', 'tfjs-wasm'] as const) {
    const why = engineLoadFailure(name);
    if (why !== undefined) t.diagnostic(`engine ${name} not checked: it does not load here (${why})`);
  }
  assert.ok(engines.includes('ts'), 'the plain-TypeScript engine always loads');
  for (const engine of engines) {
    for (const f of fixtures) {
      await t.test(`${f.name} on ${engine}`, async () => {
        const request = { ...(JSON.parse(f.text) as object), engine };
        const io = memoryIO(JSON.stringify(request));
        const code = await main(['grad'], io);
        assert.equal(code, 0, io.err());
        const got = JSON.parse(io.out()) as Expected;
        assert.deepEqual(Object.keys(got).sort(), ['cumNorms', 'grads', 'lagNorms', 'loss']);
        assertClose([got.loss], [f.expected.loss], GRAD_TOL, 'loss');
        assert.deepEqual(Object.keys(got.grads), Object.keys(f.expected.grads), 'parameter names, in PyTorch order');
        for (const [name, g] of Object.entries(f.expected.grads)) assertClose(got.grads[name], g, GRAD_TOL, `grads["${name}"]`);
        assert.equal(got.lagNorms.length, f.expected.lagNorms.length, 'lagNorms: one row per lag (T)');
        f.expected.lagNorms.forEach((row, j) => assertClose(got.lagNorms[j], row, NORM_TOL, `lagNorms[${j}]`));
        assertClose(got.cumNorms, f.expected.cumNorms, NORM_TOL, 'cumNorms');
      });
    }
  }
});

test('approx cumulative norms (not in the grad output) from each engine\'s diagnose', async (t) => {
  for (const name of await availableEngines()) {
    const engine = await loadEngine(name);
    try {
      for (const f of fixtures) {
        await t.test(`${f.name} on ${name}`, () => {
          const r = parseGradRequest(f.text);
          const lags = engine.diagnose(r.spec, r.params, r.window, r.initial);
          assertClose(Array.from(lags.cumApprox), f.expected.cumNormsApprox, NORM_TOL, 'cumApprox');
        });
      }
    } finally {
      engine.dispose();
    }
  }
});

test('every way of running LSTM layers on tfjs-node matches PyTorch', async (t) => {
  if (!(await availableEngines()).includes('tfjs-node')) {
    if (process.env.CI) assert.fail(`tfjs-node does not load: ${engineLoadFailure('tfjs-node') ?? ''}`);
    t.skip('tfjs-node does not load here');
    return;
  }
  const lstm = fixtures.filter((f) => f.name.startsWith('lstm'));
  assert.ok(lstm.length >= 3, 'LSTM fixtures exist');
  for (const lstmKernels of ['per-op', 'fused-window', 'fused-steps', 'graph'] as const) {
    const engine = await createTfjsEngine('tensorflow', { lstmKernels });
    try {
      for (const f of lstm) {
        await t.test(`${f.name} with ${lstmKernels}`, () => {
          const r = parseGradRequest(f.text);
          const res = engine.trainWindow(r.spec, r.params, r.window, r.initial, { lossFrom: r.lossFrom });
          assertClose([res.loss], [f.expected.loss], GRAD_TOL, 'loss');
          for (const [name, g] of Object.entries(f.expected.grads)) {
            assertClose(Array.from(res.grads.tensors.get(name)?.data ?? []), g, GRAD_TOL, `grads["${name}"]`);
          }
        });
      }
    } finally {
      engine.dispose();
    }
  }
});
