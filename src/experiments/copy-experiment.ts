import type { EngineName } from '../learner/engines/engine';
import type { ModelSpec } from '../learner/model/model-spec';
import { createRng } from '../util/rng';
import { COPY_CLASSES, generateCopyTask } from './datasets/copy-task';
import type { ExperimentPlan, PaperResult } from './experiment-plan';
import { methodGrid } from './experiment-method';

/** Options of `tbptt-stream experiment copy`. */
export interface CopyExperimentOptions {
  /** Segment length m uniform in [5, 10] instead of fixed m = 10. */
  readonly variable: boolean;
  readonly quick: boolean;
  /** Overrides of the profile. */
  readonly seeds?: number;
  readonly epochs?: number;
  readonly engine?: EngineName | 'auto';
  /** Seed of the data generator (the same data for every run). */
  readonly dataSeed?: number;
}

/** The paper's copy model: linear 6→50 encoder, 2-layer LSTM 50, linear 50→6, cross-entropy. */
export const COPY_SPEC: ModelSpec = {
  cell: 'lstm', layers: 2, inputSize: COPY_CLASSES, inputKind: 'tokens', embedSize: 50, hiddenSize: 50,
  outputSize: COPY_CLASSES, head: 'softmax',
};

/** Paper table (method.md section 4): valid and test perplexity, fixed m = 10 and variable m. */
const PAPER_FIXED: ReadonlyArray<[string, number, number]> = [
  ['K=5', 1.655, 1.646], ['K=10', 1.035, 1.036], ['K=15', 1.038, 1.039], ['K=20', 1.045, 1.040],
  ['K=30', 1.044, 1.043], ['δ=0.9', 1.018, 1.022], ['δ=0.5', 1.024, 1.027], ['δ=0.1', 1.029, 1.030],
];
const PAPER_VARIABLE: ReadonlyArray<[string, number, number]> = [
  ['K=5', 1.46, 1.47], ['K=10', 1.41, 1.39], ['K=15', 1.39, 1.37], ['K=20', 1.39, 1.35],
  ['K=30', 1.33, 1.31], ['δ=0.9', 1.37, 1.35], ['δ=0.5', 1.33, 1.32], ['δ=0.1', 1.31, 1.29],
];

/**
 * Profiles. paper: 4000 train steps × 64 streams, 1000 × 64 validation and test; the default profile keeps
 * those sizes and the full grid and limits epochs and seeds to about two hours on a 2-core machine;
 * quick (CI) shrinks the data, the epochs and the grid.
 */
const PROFILES = {
  default: { trainSteps: 4000, evalSteps: 1000, streams: 64, epochs: 28, seeds: 1, fixedKs: [5, 10, 15, 20, 30], deltas: [0.9, 0.5, 0.1] },
  quick: { trainSteps: 500, evalSteps: 100, streams: 32, epochs: 3, seeds: 1, fixedKs: [10], deltas: [0.5] },
} as const;

/** The copy-task reproduction (issue 3, deliverable 4; method.md sections 3 and 4). */
export function copyExperiment(options: CopyExperimentOptions): ExperimentPlan {
  const profileName = options.quick ? 'quick' : 'default';
  const p = PROFILES[profileName];
  const epochs = options.epochs ?? p.epochs;
  const seedCount = options.seeds ?? p.seeds;
  const dataSeed = options.dataSeed ?? 1000;
  const lengths = options.variable ? { maxLength: 10, minLength: 5 } : { maxLength: 10 };
  const rng = createRng(dataSeed);
  const split = (steps: number) => generateCopyTask({ steps, streams: p.streams, ...lengths }, rng);
  const data = { train: split(p.trainSteps), valid: split(p.evalSteps), test: split(p.evalSteps) };
  const window = options.quick ? 50 : 100;
  const tau = options.quick ? 40 : 80;
  const paper = new Map<string, PaperResult>((options.variable ? PAPER_VARIABLE : PAPER_FIXED)
    .map(([label, valid, test]) => [label, { valid, test }]));
  const notes = [
    `data: ${p.trainSteps} train steps, ${p.evalSteps} validation and ${p.evalSteps} test steps, × ${p.streams} streams; ` +
      `m ${options.variable ? 'uniform in [5, 10]' : '= 10'}; clean generator, data seed ${dataSeed} (the same data for every run)`,
    `model: linear ${COPY_CLASSES}→50 encoder, 2-layer LSTM 50, linear 50→${COPY_CLASSES}, cross-entropy; init 'paper' (U(±√(3/max shape)), zero biases)`,
    `training: SGD γ0 = 1.0 · √K, weight decay 1e−5, clip 1/K on the mean window loss, batch ${p.streams} streams, ` +
      `paper scheme (k1 = K, k2 = 2K − 1, losses on the last K); every epoch starts all streams from the zero state`,
    `truncation: adaptive K0 = 15, [Kmin, Kmax] = [2, 100], W = ${window}, τ = ${tau}, β̂ by ols, R = 1; diagnostics on ` +
      `${p.streams} streams from their stored states, every 1.25 epochs (the first after 1.25 epochs at K0, as the reference; fixed K: δ̂ reported only)`,
    `epochs: ${epochs}; seeds: ${seedCount} (the paper: 9 initialisations and more epochs); test at the best-validation epoch`,
  ];
  return {
    name: options.variable ? 'copy-variable' : 'copy',
    title: `Copy task, ${options.variable ? 'variable m ∈ [5, 10]' : 'fixed m = 10'}`,
    profile: profileName,
    profileNotes: notes,
    config: {
      spec: COPY_SPEC, init: 'paper', epochs, scheme: 'paper', learningRate: 1.0, lrScaling: 'sqrt', weightDecay: 1e-5,
      clipNorm: 1, truncation: { window, tau, kMin: 2, kMax: 100, repeats: 1, method: 'ols' },
      // As the reference: train 1.25 epochs at K0 = 15 before the first re-estimation (an untrained model's
      // gradients decay fast, β̂ ≈ 0.6, and K̂ from it is shorter than m: such a K can never learn the copy).
      diagnosticEverySteps: Math.round(1.25 * p.trainSteps), diagnoseAtStart: false, diagnosticStreams: p.streams,
      metric: 'perplexity', evalChunkSteps: 100,
    },
    data,
    methods: methodGrid(p.fixedKs, p.deltas, 15),
    // Alternate fixed and adaptive runs so that a partial run already compares both.
    runOrder: ['K=10', 'δ=0.1', 'K=5', 'δ=0.5', 'K=15', 'δ=0.9', 'K=20', 'K=30'],
    seeds: Array.from({ length: seedCount }, (_, i) => i + 1),
    paper,
    engine: options.engine ?? 'auto',
  };
}
