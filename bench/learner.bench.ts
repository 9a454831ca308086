/**
 * Learner benchmark (issue 2): timesteps trained per second on every available engine, side by side
 * with PyTorch (Debian's python3-torch with OpenBLAS, 2 threads, BLAS single-threaded) in the same run, on the same windows; plus the cost of
 * one W = 100 diagnostic pass relative to one training window.
 *
 *   npm run bench [-- --quick] [-- --rounds N] [-- --json out/bench-learner.json] [-- --engines ts,tfjs-node]
 *
 * Timesteps/s = B·K·windows / seconds, where a window is forward + hand-derived backward + clip + SGD.
 * Runs 3 rounds by default (1 with --quick); each round times PyTorch on every config and then every
 * engine, each engine's ratio is to PyTorch in its round, and the table gives the medians.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Engine, EngineName } from '../src/learner/engines/engine';
import { availableEngines, engineLoadFailure, loadEngine } from '../src/learner/engines/load-engine';
import { chooseEngine } from '../src/learner/engines/choose-engine';
import { nativeThreadsFor, useNativeThreads } from '../src/learner/engines/native-threads';
import { initParams } from '../src/learner/model/init-params';
import type { ModelSpec } from '../src/learner/model/model-spec';
import { zeroState } from '../src/learner/model/recurrent-state';
import type { SequenceWindow } from '../src/learner/model/sequence-window';
import { clipGradNorm } from '../src/learner/optim/clip-grad-norm';
import { Sgd } from '../src/learner/optim/sgd';
import { createRng } from '../src/util/rng';

interface BenchConfig {
  readonly name: string;
  readonly layers: number;
  readonly hidden: number;
  readonly batch: number;
  readonly k: number;
  /** Window length: 2K−1 (paper scheme, losses on the last K) or K (classic). */
  readonly windowSteps: number;
  readonly vocab: number;
  readonly classes: number;
}

const CONFIGS: readonly BenchConfig[] = [
  { name: 'copy 2x50 B=64 K=15', layers: 2, hidden: 50, batch: 64, k: 15, windowSteps: 29, vocab: 6, classes: 6 },
  { name: 'stream 1x64 B=1 K=32', layers: 1, hidden: 64, batch: 1, k: 32, windowSteps: 32, vocab: 32, classes: 32 },
  { name: 'stream 1x128 B=16 K=32', layers: 1, hidden: 128, batch: 16, k: 32, windowSteps: 32, vocab: 32, classes: 32 },
  { name: 'medium 1x256 B=32 K=50', layers: 1, hidden: 256, batch: 32, k: 50, windowSteps: 50, vocab: 32, classes: 32 },
];

function specOf(c: BenchConfig): ModelSpec {
  return { cell: 'lstm', layers: c.layers, inputSize: c.vocab, inputKind: 'tokens', embedSize: c.hidden, hiddenSize: c.hidden, outputSize: c.classes, head: 'softmax' };
}

function tokenWindow(c: BenchConfig, steps: number, seed: number): SequenceWindow {
  const rng = createRng(seed);
  const ids = (n: number) => Int32Array.from({ length: c.batch }, () => rng.int(n));
  return { batch: c.batch, steps, inputs: Array.from({ length: steps }, () => ids(c.vocab)), targets: Array.from({ length: steps }, () => ids(c.classes)) };
}

/** Runs `fn` repeatedly for at least `seconds` (after `warmup` calls); returns calls per second. */
function rate(fn: () => void, seconds: number, warmup: number): { perSecond: number; calls: number } {
  for (let i = 0; i < warmup; i++) fn();
  let calls = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds || calls < 3) {
    fn();
    calls++;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  return { perSecond: calls / elapsed, calls };
}

function benchEngine(engine: Engine, c: BenchConfig, seconds: number): { timestepsPerSecond: number; diagnosticRelative: number } {
  const spec = specOf(c);
  const params = initParams(spec, 'pytorch', createRng(1));
  const opt = new Sgd();
  const win = tokenWindow(c, c.windowSteps, 2);
  const lossFrom = c.windowSteps - c.k;
  let state = zeroState(spec, c.batch);
  const train = () => {
    const r = engine.trainWindow(spec, params, win, state, { lossFrom });
    clipGradNorm(r.grads, 1 / c.k);
    opt.step(params, r.grads, 0.01);
    state = r.finalState;
  };
  const windows = rate(train, seconds, 3);
  const diagWin = tokenWindow(c, 100, 3);
  const diag = rate(() => engine.diagnose(spec, params, diagWin, zeroState(spec, c.batch)), Math.min(seconds, 1), 1);
  return { timestepsPerSecond: windows.perSecond * c.batch * c.k, diagnosticRelative: windows.perSecond / diag.perSecond };
}

function benchTorch(configs: readonly BenchConfig[], seconds: number): Map<string, number> {
  const script = join(__dirname, '..', '..', 'bench', 'torch_bench.py');
  const input = JSON.stringify(configs.map((c) => ({ ...c, embed: c.hidden, seconds })));
  // PyTorch's best setting here: 2 intra-op threads with single-threaded OpenBLAS (OpenBLAS's own threads on
  // top of PyTorch's oversubscribe the 2 cores and make it 3–6× slower; measured 2026-11-27).
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
  const r = spawnSync('/usr/bin/python3', [script, '2'], { input, encoding: 'utf8', env });
  const out = new Map<string, number>();
  if (r.status !== 0) {
    process.stderr.write(`PyTorch baseline unavailable (${r.error?.message ?? r.stderr.trim().split('\n').pop()}); install python3-torch\n`);
    return out;
  }
  for (const line of r.stdout.trim().split('\n')) {
    const j = JSON.parse(line) as { name: string; timestepsPerSecond: number };
    out.set(j.name, j.timestepsPerSecond);
  }
  return out;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const seconds = quick ? 0.5 : 2;
  const wanted = arg('--engines')?.split(',') as EngineName[] | undefined;
  // One pool size for the whole process (TensorFlow reads it once): the largest any config asks for, as the
  // service would size it for that config alone (TF_NUM_INTRAOP_THREADS overrides).
  const threads = useNativeThreads(Math.max(...CONFIGS.map((c) => nativeThreadsFor(specOf(c), c.batch))));
  process.stderr.write(`tfjs-node: TensorFlow intra-op threads ${threads}\n`);
  const engines = (await availableEngines()).filter((e) => !wanted || wanted.includes(e));
  for (const name of ['ts', 'tfjs-node', 'tfjs-wasm'] as EngineName[]) {
    const why = engineLoadFailure(name);
    if (why) process.stderr.write(`engine ${name} unavailable: ${why}\n`);
  }
  // Rounds: PyTorch on every config, then every engine on every config; each engine's ratio is taken to
  // PyTorch in the same round, and the table gives medians (this machine's rates drift by ±20 % between runs).
  const rounds = quick ? 1 : Number(arg('--rounds') ?? 3);
  const runs = new Map<string, { rate: number[]; torch: number[]; ratio: number[]; diag: number[] }>();
  for (let round = 1; round <= rounds; round++) {
    process.stderr.write(`round ${round} of ${rounds}: PyTorch baseline (2 threads, ${seconds} s per config)...\n`);
    const torch = benchTorch(CONFIGS, seconds);
    for (const c of CONFIGS) {
      for (const name of engines) {
        process.stderr.write(`round ${round} of ${rounds}: ${c.name}: ${name}...\n`);
        const engine = await loadEngine(name);
        const r = benchEngine(engine, c, seconds);
        engine.dispose();
        const key = `${c.name}|${name}`;
        const run = runs.get(key) ?? { rate: [], torch: [], ratio: [], diag: [] };
        const t = torch.get(c.name);
        run.rate.push(r.timestepsPerSecond);
        run.diag.push(r.diagnosticRelative);
        if (t !== undefined) { run.torch.push(t); run.ratio.push(r.timestepsPerSecond / t); }
        runs.set(key, run);
      }
    }
  }
  const median = (v: number[]): number | null => {
    if (v.length === 0) return null;
    const s = [...v].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const rows: Array<Record<string, unknown>> = [];
  for (const c of CONFIGS) {
    const auto = chooseEngine(specOf(c), c.batch, engines);
    for (const name of engines) {
      const run = runs.get(`${c.name}|${name}`);
      if (!run) continue;
      const t = median(run.torch);
      rows.push({ config: c.name, engine: name, auto: name === auto, timestepsPerSecond: Math.round(median(run.rate) ?? 0),
        torchTimestepsPerSecond: t === null ? null : Math.round(t), ratioToTorch: median(run.ratio),
        ratiosPerRound: run.ratio, diagnosticW100PerWindow: median(run.diag) });
    }
  }
  const fmt = (v: unknown, d = 2) => (typeof v === 'number' ? v.toFixed(d) : '-');
  console.log(`Medians of ${rounds} round(s); TensorFlow intra-op threads ${threads}.`);
  console.log('| config | engine | timesteps/s | PyTorch timesteps/s | ratio (median) | ratio per round | W=100 diagnostic / window |');
  console.log('|---|---|--:|--:|--:|---|--:|');
  for (const r of rows) {
    const per = (r.ratiosPerRound as number[]).map((v) => v.toFixed(2)).join(', ') || '-';
    console.log(`| ${r.config} | ${r.engine}${r.auto ? ' (auto)' : ''} | ${r.timestepsPerSecond} | ${r.torchTimestepsPerSecond ?? '-'} | ${fmt(r.ratioToTorch)} | ${per} | ${fmt(r.diagnosticW100PerWindow)} |`);
  }
  const json = arg('--json');
  if (json) {
    mkdirSync(dirname(json), { recursive: true });
    writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), seconds, rounds, tensorflowIntraOpThreads: threads, rows }, null, 2));
    process.stderr.write(`wrote ${json}\n`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
