import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scaledLearningRate, type LrScaling } from '../learner/optim/lr-scaling';
import type { ExperimentPlan } from './experiment-plan';
import { writeExperimentOutputs, type ExperimentOutcome } from './experiment-outputs';
import type { TrialResult } from './trial-record';

/** results.json as runExperiment writes it (non-finite numbers as strings). */
interface SavedResults {
  readonly name: string;
  readonly profile: string;
  readonly engine: string;
  readonly config: unknown;
  readonly results: TrialResult[];
}

const NON_FINITE = new Map([['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]]);

function readSaved(dir: string): SavedResults {
  const path = join(dir, 'results.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`--merge: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give directories written by an earlier run`);
  }
  return JSON.parse(text, (_k, v: unknown) => (typeof v === 'string' && NON_FINITE.has(v) ? NON_FINITE.get(v) : v)) as SavedResults;
}

interface RateConfig { readonly learningRate: number; readonly lrScaling: LrScaling }

/**
 * True when a run made with `saved`'s configuration trained exactly as this plan would: the same
 * configuration, or one that differs only in the learning rate's base and scaling while every method in the
 * run has a fixed K at which both give the same rate (e.g. Adam 2e−3 unscaled and 2e−3/√10 · √K at K = 10).
 */
function trainsAlike(saved: SavedResults, plan: ExperimentPlan): boolean {
  const planConfig = plan.config as unknown as RateConfig;
  if (JSON.stringify(saved.config) === JSON.stringify(plan.config)) return true;
  const savedConfig = saved.config as RateConfig;
  const withoutRate = (c: RateConfig) => JSON.stringify({ ...c, learningRate: undefined, lrScaling: undefined });
  if (withoutRate(savedConfig) !== withoutRate(planConfig)) return false;
  return saved.results.every((r) => r.method.kind === 'fixed'
    && scaledLearningRate(savedConfig.learningRate, r.method.k, savedConfig.lrScaling) === scaledLearningRate(planConfig.learningRate, r.method.k, planConfig.lrScaling));
}

/**
 * Combines the results of earlier runs of the same experiment and profile (methods run in parallel
 * processes, seeds added later) into one report in `outDir`, with every method on the same plots. Runs
 * must share the plan's configuration; a method × seed present twice is an error.
 */
export function mergeExperiment(plan: ExperimentPlan, dirs: readonly string[], outDir: string): ExperimentOutcome {
  const results: TrialResult[] = [];
  const engines = new Set<string>();
  const notes: string[] = [];
  for (const dir of dirs) {
    const saved = readSaved(dir);
    if (saved.name !== plan.name || saved.profile !== plan.profile) {
      throw new Error(`--merge: ${dir} holds experiment ${saved.name} (${saved.profile}), not ${plan.name} (${plan.profile})`);
    }
    if (!trainsAlike(saved, plan)) {
      throw new Error(`--merge: ${dir} was run with another configuration than these options give; merge only runs of the same options ` +
        '(or fixed-K runs whose learning rate at their K is the same)');
    }
    if (JSON.stringify(saved.config) !== JSON.stringify(plan.config)) {
      const c = saved.config as RateConfig;
      notes.push(`${dir} (${[...new Set(saved.results.map((r) => r.method.label))].join(', ')}) was run with learning rate ${c.learningRate} and scaling ` +
        `${c.lrScaling}: the same rate at its K as this configuration, so the same training`);
    }
    for (const r of saved.results) {
      if (results.some((x) => x.method.label === r.method.label && x.seed === r.seed)) {
        throw new Error(`--merge: ${r.method.label} seed ${r.seed} appears twice (again in ${dir})`);
      }
      if (!plan.methods.some((m) => m.label === r.method.label)) throw new Error(`--merge: ${dir} has method ${r.method.label}, which this experiment does not`);
      results.push(r);
    }
    engines.add(saved.engine);
  }
  const labels = new Set(results.map((r) => r.method.label));
  const seeds = [...new Set(results.map((r) => r.seed))].sort((a, b) => a - b);
  const merged: ExperimentPlan = {
    ...plan,
    methods: plan.methods.filter((m) => labels.has(m.label)),
    seeds,
    profileNotes: [...plan.profileNotes, `merged from ${dirs.length} runs (--merge): ${dirs.join(', ')}; seeds ${seeds.join(', ')}`, ...notes],
  };
  const wallSeconds = results.reduce((s, r) => s + (r.epochs[r.epochs.length - 1]?.totalSeconds ?? 0), 0);
  return writeExperimentOutputs(merged, [...engines].join(', '), results, outDir, { done: results.length, total: results.length, wallSeconds });
}
