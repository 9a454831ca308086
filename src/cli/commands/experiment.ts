import { join } from 'node:path';
import { EXIT_BAD_INPUT, type Command, type CommandIO } from '../command';
import type { EngineName } from '../../learner/engines/engine';
import type { LrScaling } from '../../learner/optim/lr-scaling';
import type { ExperimentPlan } from '../../experiments/experiment-plan';

const USAGE = `usage:
  tbptt-stream experiment copy [--variable] [--quick] [--seeds N] [--first-seed S] [--epochs N] [--methods LIST] [--merge DIRS] [--out DIR] [--engine NAME]
  tbptt-stream experiment text --file PATH [--quick] [--seeds N] [--first-seed S] [--epochs N] [--methods LIST] [--merge DIRS] [--optimizer sgd|adam] [--lr-scale none|sqrt|linear] [--max-chars N] [--streams N] [--out DIR] [--engine NAME]
engines: auto (default), ts, tfjs-node, tfjs-wasm. --methods runs a subset of the grid, e.g. "K=10,delta=0.1"
(labels as in the report; "delta=" or "d=" may stand for "δ="). --first-seed S runs seeds S..S+N−1 (default 1), to add
seeds to an earlier run. --merge DIR,DIR,... trains nothing: it combines the results of earlier runs of the same
experiment and options (e.g. methods run in parallel) into one report and one set of plots. --optimizer (text only): adam (default) or sgd (the
paper's SGD, γ0 = 1). --lr-scale (text only) scales the rate with the current K: sqrt (default, the paper's γ0·√K), linear
or none; with Adam, γ0 = 2e-3/√Kmin (sqrt) or 2e-3/Kmin (linear), so the rate at K = Kmin is 2e-3. --streams N (text only) cuts the
training text into N parallel streams (the batch) instead of the profile's. Progress goes to stderr; the output directory
(default out/experiments/<name>-<timestamp>) gets per-run CSVs, SVG plots and report.md.`;

const ENGINES = ['auto', 'ts', 'tfjs-node', 'tfjs-wasm'];

/** Parsed flags of `tbptt-stream experiment`. */
export interface ExperimentArgs {
  readonly sub: 'copy' | 'text';
  readonly variable: boolean;
  readonly quick: boolean;
  readonly seeds?: number;
  /** First seed (seeds firstSeed..firstSeed + seeds − 1); 1 when absent. */
  readonly firstSeed?: number;
  readonly epochs?: number;
  readonly maxChars?: number;
  readonly streams?: number;
  readonly out?: string;
  readonly file?: string;
  readonly engine: EngineName | 'auto';
  readonly optimizer?: 'sgd' | 'adam';
  readonly lrScaling?: LrScaling;
  /** Output directories of earlier runs to combine instead of training. */
  readonly merge?: readonly string[];
  /** Method labels to run (normalised to the report's "K=…"/"δ=…"); all methods when absent. */
  readonly methods?: readonly string[];
}

/** Parses the arguments after `experiment`; throws an Error whose message says what is wrong. */
export function parseExperimentArgs(args: readonly string[]): ExperimentArgs {
  const [sub, ...rest] = args;
  if (sub !== 'copy' && sub !== 'text') throw new Error(`unknown experiment ${JSON.stringify(sub ?? '')}: expected "copy" or "text"`);
  const flags: Record<string, string | true> = {};
  const valued = ['--seeds', '--first-seed', '--merge', '--epochs', '--out', '--engine', '--file', '--max-chars', '--methods', '--optimizer', '--streams', '--lr-scale'];
  const bools = sub === 'copy' ? ['--variable', '--quick'] : ['--quick'];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (bools.includes(a)) flags[a] = true;
    else if (valued.includes(a) && !(sub === 'copy' && ['--file', '--max-chars', '--optimizer', '--streams', '--lr-scale'].includes(a))) {
      if (i + 1 >= rest.length) throw new Error(`${a} needs a value`);
      flags[a] = rest[++i];
    } else throw new Error(`unknown option ${JSON.stringify(a)} for experiment ${sub}`);
  }
  const int = (name: string): number | undefined => {
    const v = flags[name];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (typeof v !== 'string' || !Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(v)}`);
    return n;
  };
  const engine = (flags['--engine'] as string | undefined) ?? 'auto';
  if (!ENGINES.includes(engine)) throw new Error(`--engine must be one of ${ENGINES.join(', ')}, got ${JSON.stringify(engine)}`);
  const optimizer = flags['--optimizer'] as string | undefined;
  if (optimizer !== undefined && optimizer !== 'sgd' && optimizer !== 'adam') throw new Error(`--optimizer must be sgd or adam, got ${JSON.stringify(optimizer)}`);
  const lrScale = flags['--lr-scale'] as string | undefined;
  if (lrScale !== undefined && !['none', 'sqrt', 'linear'].includes(lrScale)) throw new Error(`--lr-scale must be none, sqrt or linear, got ${JSON.stringify(lrScale)}`);
  if (sub === 'text' && typeof flags['--file'] !== 'string') throw new Error('experiment text needs --file PATH (a text file)');
  return {
    sub, variable: flags['--variable'] === true, quick: flags['--quick'] === true, seeds: int('--seeds'), firstSeed: int('--first-seed'),
    epochs: int('--epochs'), maxChars: int('--max-chars'), streams: int('--streams'), out: flags['--out'] as string | undefined,
    file: flags['--file'] as string | undefined, engine: engine as EngineName | 'auto',
    ...(optimizer ? { optimizer } : {}),
    ...(lrScale ? { lrScaling: lrScale as LrScaling } : {}),
    methods: typeof flags['--methods'] === 'string' ? methodLabels(flags['--methods']) : undefined,
    ...(typeof flags['--merge'] === 'string' ? { merge: mergeDirs(flags['--merge']) } : {}),
  };
}

function mergeDirs(list: string): string[] {
  const dirs = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (dirs.length === 0) throw new Error('--merge needs at least one directory of an earlier run');
  return dirs;
}

function methodLabels(list: string): string[] {
  const labels = list.split(',').map((s) => s.trim()).filter((s) => s !== '')
    .map((s) => s.replace(/^(delta|d)=/i, 'δ=').replace(/^k=/, 'K='));
  if (labels.length === 0) throw new Error('--methods needs at least one method label, e.g. "K=10,delta=0.1"');
  return labels;
}

/** Keeps the plan's methods named in `labels`; an unknown label is an error listing the known ones. */
export function selectMethods(plan: ExperimentPlan, labels: readonly string[] | undefined): ExperimentPlan {
  if (labels === undefined) return plan;
  const known = plan.methods.map((m) => m.label);
  const unknown = labels.filter((l) => !known.includes(l));
  if (unknown.length > 0) throw new Error(`--methods: unknown method ${unknown.map((l) => JSON.stringify(l)).join(', ')}; this experiment has ${known.join(', ')}`);
  return {
    ...plan, methods: plan.methods.filter((m) => labels.includes(m.label)),
    profileNotes: [...plan.profileNotes, `methods: only ${labels.join(', ')} of the grid (--methods)`],
  };
}

/** Shifts the plan's seeds to start at `first` (1 = unchanged). */
export function fromSeed(plan: ExperimentPlan, first: number | undefined): ExperimentPlan {
  if (first === undefined || first === 1) return plan;
  const seeds = plan.seeds.map((s) => s + first - 1);
  return { ...plan, seeds, profileNotes: [...plan.profileNotes, `seeds ${seeds.join(', ')} (--first-seed ${first})`] };
}

async function buildPlan(a: ExperimentArgs): Promise<ExperimentPlan> {
  if (a.sub === 'copy') {
    const { copyExperiment } = await import('../../experiments/copy-experiment');
    return copyExperiment({ variable: a.variable, quick: a.quick, seeds: a.seeds, epochs: a.epochs, engine: a.engine });
  }
  const { textExperiment } = await import('../../experiments/text-experiment');
  return textExperiment({ file: a.file as string, quick: a.quick, seeds: a.seeds, epochs: a.epochs, maxChars: a.maxChars, streams: a.streams, engine: a.engine, optimizer: a.optimizer, lrScaling: a.lrScaling });
}

/** `tbptt-stream experiment copy|text`: the paper's reproductions (issue 3, deliverable 4). */
export const experimentCommand: Command = {
  name: 'experiment',
  summary: 'run a reproduction (copy task or character-level text) and write CSV, SVG plots and a markdown report',
  async run(args: readonly string[], io: CommandIO): Promise<number> {
    if (args.includes('--help') || args.includes('-h')) {
      io.stdout.write(USAGE + '\n');
      return 0;
    }
    let parsed: ExperimentArgs;
    let plan: ExperimentPlan;
    try {
      parsed = parseExperimentArgs(args);
      plan = fromSeed(selectMethods(await buildPlan(parsed), parsed.methods), parsed.firstSeed);
    } catch (e) {
      io.stderr.write(`experiment: ${(e as Error).message}\n${USAGE}\n`);
      return EXIT_BAD_INPUT;
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    const outDir = parsed.out ?? join('out', 'experiments', `${plan.name}${plan.profile === 'quick' ? '-quick' : ''}-${stamp}`);
    if (parsed.merge) {
      const { mergeExperiment } = await import('../../experiments/merge-experiment');
      try {
        const merged = mergeExperiment(plan, parsed.merge, outDir);
        io.stdout.write(`${join(merged.outDir, 'report.md')}\n`);
        return 0;
      } catch (e) {
        io.stderr.write(`experiment: ${(e as Error).message}\n`);
        return EXIT_BAD_INPUT;
      }
    }
    const { runExperiment } = await import('../../experiments/run-experiment');
    const outcome = await runExperiment(plan, outDir, (line) => io.stderr.write(line + '\n'));
    io.stdout.write(`${join(outcome.outDir, 'report.md')}\n`);
    return 0;
  },
};
