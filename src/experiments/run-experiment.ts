import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chooseEngine } from '../learner/engines/choose-engine';
import type { Engine } from '../learner/engines/engine';
import { availableEngines, loadEngine } from '../learner/engines/load-engine';
import { nativeThreadsFor, useNativeThreads } from '../learner/engines/native-threads';
import type { ExperimentPlan } from './experiment-plan';
import { writeExperimentOutputs, type ExperimentOutcome } from './experiment-outputs';
import { runTrial } from './run-trial';
import type { TrialResult } from './trial-record';

export type { ExperimentOutcome } from './experiment-outputs';

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** The engine a plan asks for ('auto': chosen by model and batch size among those that load), the native pool sized for it. */
export async function engineForPlan(plan: ExperimentPlan): Promise<Engine> {
  useNativeThreads(nativeThreadsFor(plan.config.spec, plan.data.train.inputs.length));
  if (plan.engine !== 'auto') return loadEngine(plan.engine);
  return loadEngine(chooseEngine(plan.config.spec, plan.data.train.inputs.length, await availableEngines()));
}

/**
 * Runs every method × seed of the plan in turn, logging progress lines (run i/n, epoch, K, metric, ETA)
 * through `log`, and (re)writes the outputs into `outDir` after every run: runs/<method>-seed<N>.csv and
 * -diagnostics.csv, the SVG plots, report.md and results.json. A partial directory is thus always usable.
 */
export async function runExperiment(plan: ExperimentPlan, outDir: string, log: (line: string) => void,
  engine?: Engine): Promise<ExperimentOutcome> {
  const eng = engine ?? (await engineForPlan(plan));
  const engineName = `${eng.name} (${eng.backend})`;
  const total = plan.methods.length * plan.seeds.length;
  const epochsTotal = total * plan.config.epochs;
  const unit = plan.config.metric === 'perplexity' ? 'PPL' : 'BPC';
  log(`experiment ${plan.name} (${plan.profile}): ${plan.methods.length} methods × ${plan.seeds.length} seeds × ` +
    `${plan.config.epochs} epochs on ${engineName}; output in ${outDir}`);
  const started = performance.now();
  const results: TrialResult[] = [];
  const files = new Set<string>();
  let epochsDone = 0;
  let runIndex = 0;
  const ordered = plan.runOrder
    ? [...plan.runOrder.map((l) => plan.methods.find((m) => m.label === l)).filter((m) => m !== undefined),
      ...plan.methods.filter((m) => !plan.runOrder?.includes(m.label))]
    : plan.methods;
  for (const method of ordered) {
    for (const seed of plan.seeds) {
      runIndex++;
      const tag = `[run ${runIndex}/${total}] ${method.label} seed ${seed}`;
      const result = runTrial(eng, plan.config, plan.data, method, seed, {
        onEpoch: (e) => {
          if (e.epoch > 0) epochsDone++;
          const elapsed = (performance.now() - started) / 1000;
          const eta = epochsDone > 0 ? (elapsed / epochsDone) * (epochsTotal - epochsDone) : NaN;
          log(`${tag} epoch ${e.epoch}/${plan.config.epochs} K=${e.k} valid ${unit} ${e.validMetric.toFixed(4)}` +
            (e.epoch > 0 ? ` train loss ${e.trainLoss.toFixed(4)} train ${e.trainSeconds.toFixed(0)}s` : '') +
            (Number.isNaN(e.relBias) ? '' : ` δ̂(K)=${e.relBias.toPrecision(3)}`) +
            ` | elapsed ${duration(elapsed)} ETA ${duration(eta)}`);
        },
        onDiagnostic: (d) => log(`${tag} diagnostic at epoch ${d.epochs.toFixed(2)}: K̂=${d.kHat} K ${d.previousK}→${d.k}` +
          ` β̂=${Math.exp(d.logBeta).toFixed(3)} δ̂(K)=${d.relBias.toPrecision(3)} (${(d.durationSeconds * 1000).toFixed(0)} ms)`),
      });
      results.push(result);
      log(`${tag} done: best epoch ${result.best.epoch} valid ${unit} ${result.best.validMetric.toFixed(4)} test ${unit} ${result.best.testMetric.toFixed(4)}`);
      const wallSeconds = (performance.now() - started) / 1000;
      for (const f of writeExperimentOutputs(plan, engineName, results, outDir, { done: results.length, total, wallSeconds }).files) files.add(f);
    }
  }
  log(`experiment ${plan.name} finished in ${duration((performance.now() - started) / 1000)}; report: ${join(outDir, 'report.md')}`);
  return { outDir, engine: engineName, results, files: [...files].sort() };
}
