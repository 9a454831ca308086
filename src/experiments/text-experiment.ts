import { readFileSync } from 'node:fs';
import type { EngineName } from '../learner/engines/engine';
import type { LrScaling } from '../learner/optim/lr-scaling';
import type { ModelSpec } from '../learner/model/model-spec';
import { charCorpus } from './datasets/char-corpus';
import type { ExperimentPlan } from './experiment-plan';
import { methodGrid } from './experiment-method';

/** Options of `tbptt-stream experiment text`. */
export interface TextExperimentOptions {
  readonly file: string;
  readonly quick: boolean;
  readonly seeds?: number;
  readonly epochs?: number;
  /** Use only the first N characters of the file (before the 90/5/5 split). */
  readonly maxChars?: number;
  /** Parallel streams (the batch B); the profile's when absent. */
  readonly streams?: number;
  readonly engine?: EngineName | 'auto';
  /**
   * 'adam' (default): Adam, 2e-3 at K = Kmin (see lrScaling); 'sgd': the paper's SGD, γ0 = 1·√K, which does not
   * converge within the default profile's budget at the larger K (docs/experiments/text-20261127/).
   */
  readonly optimizer?: 'sgd' | 'adam';
  /**
   * Learning rate against the current K. Default sqrt, the paper's γ = γ0·√K (method.md section 3): longer
   * windows, which make fewer updates per epoch, take larger steps. With Adam, γ0 is set so that the rate at
   * K = Kmin is 2e−3. 'none' keeps one rate for every K (docs/experiments/text-long-20261127/).
   */
  readonly lrScaling?: LrScaling;
}

/** Adam's learning rate at K = Kmin. */
const ADAM_LR = 2e-3;

/**
 * Profiles. The paper's language models are word-level (PTB, WikiText-2) with a 900- or 512-unit LSTM and
 * K0 = 100, [10, 300], W = 400; this character-level stand-in is sized for about two hours on a 2-core
 * machine (default) or seconds (quick). The default trains long enough for every method to pass its best
 * validation BPC (small K overfits 90,000 training characters within about 20 epochs, as in the paper's
 * "small fixed K learns fast then overfits"), so methods are compared at their best, not mid-descent.
 */
const PROFILES = {
  default: { maxChars: 100_000, streams: 32, embed: 64, hidden: 128, epochs: 60, seeds: 1, fixedKs: [10, 25, 50, 100],
    deltas: [0.9, 0.5, 0.1], k0: 50, kMin: 10, kMax: 150, window: 200, tau: 180, repeats: 2, diagEvery: 0.25 },
  quick: { maxChars: 12_000, streams: 16, embed: 16, hidden: 32, epochs: 2, seeds: 1, fixedKs: [10],
    deltas: [0.5], k0: 10, kMin: 2, kMax: 30, window: 40, tau: 32, repeats: 1, diagEvery: 0.5 },
} as const;

/** The character-level language-model experiment (issue 3, deliverable 4), in bits per character. */
export function textExperiment(options: TextExperimentOptions): ExperimentPlan {
  const profileName = options.quick ? 'quick' : 'default';
  const p = PROFILES[profileName];
  const adam = (options.optimizer ?? 'adam') === 'adam';
  const lrScaling: LrScaling = options.lrScaling ?? 'sqrt';
  const scale = { none: 1, sqrt: Math.sqrt(p.kMin), linear: p.kMin }[lrScaling];
  const learningRate = adam ? ADAM_LR / scale : 1.0;
  const rateNote = adam
    ? (lrScaling === 'none' ? 'Adam, learning rate 2e−3 at every K (not the paper\'s SGD)'
      : `Adam, learning rate γ0·${lrScaling === 'sqrt' ? '√K' : 'K'} with γ0 = 2e−3/${lrScaling === 'sqrt' ? `√${p.kMin}` : p.kMin} (2e−3 at K = ${p.kMin}; the paper scales its SGD rate the same way)`)
    : `SGD γ0 = 1.0${lrScaling === 'sqrt' ? ' · √K' : lrScaling === 'linear' ? ' · K' : ' at every K'}`;
  let text = readFileSync(options.file, 'utf8');
  const maxChars = options.maxChars ?? p.maxChars;
  if (text.length > maxChars) text = text.slice(0, maxChars);
  const streams = options.streams ?? p.streams;
  const corpus = charCorpus(text, streams);
  const epochs = options.epochs ?? p.epochs;
  const seedCount = options.seeds ?? p.seeds;
  const spec: ModelSpec = {
    cell: 'lstm', layers: 1, inputSize: corpus.vocabulary.length, inputKind: 'tokens', embedSize: p.embed,
    hiddenSize: p.hidden, outputSize: corpus.vocabulary.length, head: 'softmax',
  };
  const stepsPerEpoch = corpus.train.inputs[0].length;
  const notes = [
    `data: ${options.file}, first ${text.length} characters, vocabulary ${corpus.vocabulary.length}; contiguous 90/5/5 split ` +
      `(${corpus.sizes.train}/${corpus.sizes.valid}/${corpus.sizes.test} characters), ${streams} streams ` +
      `(${stepsPerEpoch} training steps per stream per epoch)`,
    `model: linear ${spec.inputSize}→${p.embed} encoder, 1-layer LSTM ${p.hidden}, linear ${p.hidden}→${spec.outputSize}, ` +
      `cross-entropy; init 'paper'; no dropout, untied (the paper: word-level, LSTM 900/512, tied, dropout 0.2)`,
    `training: ${rateNote}, weight decay 1e−5, clip 1/K on the mean window loss, paper scheme ` +
      `(k1 = K, k2 = 2K − 1); every epoch starts all streams from the zero state`,
    `truncation: adaptive K0 = ${p.k0}, [Kmin, Kmax] = [${p.kMin}, ${p.kMax}], W = ${p.window}, τ = ${p.tau}, β̂ by ols, ` +
      `R = ${p.repeats}; diagnostics at the first W steps then every ${p.diagEvery} epochs (the paper: every 120 s, W = 400, τ = 360)`,
    `epochs: ${epochs}; seeds: ${seedCount}; metric bits per character; test at the best-validation epoch`,
  ];
  return {
    name: 'text',
    title: `Character-level LM (${options.file.split('/').slice(-2).join('/')})`,
    profile: profileName,
    profileNotes: notes,
    config: {
      spec, init: 'paper', epochs, scheme: 'paper', weightDecay: 1e-5, clipNorm: 1,
      optimizer: adam ? 'adam' : 'sgd', learningRate, lrScaling,
      truncation: { window: p.window, tau: p.tau, kMin: p.kMin, kMax: p.kMax, repeats: p.repeats, method: 'ols' },
      diagnosticEverySteps: Math.max(1, Math.round(p.diagEvery * stepsPerEpoch)), diagnoseAtStart: true,
      diagnosticStreams: streams, metric: 'bpc', evalChunkSteps: 100,
    },
    data: { train: corpus.train, valid: corpus.valid, test: corpus.test },
    methods: methodGrid(p.fixedKs, p.deltas, p.k0),
    // Alternate fixed and adaptive runs so that a partial run already compares both.
    runOrder: ['K=25', 'δ=0.1', 'K=10', 'δ=0.5', 'K=50', 'δ=0.9', 'K=100'],
    seeds: Array.from({ length: seedCount }, (_, i) => i + 1),
    engine: options.engine ?? 'auto',
  };
}
