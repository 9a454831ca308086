import { join } from 'node:path';
import { EXIT_BAD_INPUT, type Command, type CommandIO } from '../command';
import type { EngineName } from '../../learner/engines/engine';
import type { ExperimentPlan } from '../../experiments/experiment-plan';

const USAGE = `usage:
  tbptt-stream experiment copy [--variable] [--quick] [--seeds N] [--epochs N] [--out DIR] [--engine NAME]
  tbptt-stream experiment text --file PATH [--quick] [--seeds N] [--epochs N] [--max-chars N] [--out DIR] [--engine NAME]
engines: auto (default), ts, tfjs-node, tfjs-wasm. Progress goes to stderr; the output directory
(default out/experiments/<name>-<timestamp>) gets per-run CSVs, SVG plots and report.md.`;

const ENGINES = ['auto', 'ts', 'tfjs-node', 'tfjs-wasm'];

/** Parsed flags of `tbptt-stream experiment`. */
export interface ExperimentArgs {
  readonly sub: 'copy' | 'text';
  readonly variable: boolean;
  readonly quick: boolean;
  readonly seeds?: number;
  readonly epochs?: number;
  readonly maxChars?: number;
  readonly out?: string;
  readonly file?: string;
  readonly engine: EngineName | 'auto';
}

/** Parses the arguments after `experiment`; throws an Error whose message says what is wrong. */
export function parseExperimentArgs(args: readonly string[]): ExperimentArgs {
  const [sub, ...rest] = args;
  if (sub !== 'copy' && sub !== 'text') throw new Error(`unknown experiment ${JSON.stringify(sub ?? '')}: expected "copy" or "text"`);
  const flags: Record<string, string | true> = {};
  const valued = ['--seeds', '--epochs', '--out', '--engine', '--file', '--max-chars'];
  const bools = sub === 'copy' ? ['--variable', '--quick'] : ['--quick'];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (bools.includes(a)) flags[a] = true;
    else if (valued.includes(a) && !(sub === 'copy' && (a === '--file' || a === '--max-chars'))) {
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
  if (sub === 'text' && typeof flags['--file'] !== 'string') throw new Error('experiment text needs --file PATH (a text file)');
  return {
    sub, variable: flags['--variable'] === true, quick: flags['--quick'] === true, seeds: int('--seeds'),
    epochs: int('--epochs'), maxChars: int('--max-chars'), out: flags['--out'] as string | undefined,
    file: flags['--file'] as string | undefined, engine: engine as EngineName | 'auto',
  };
}

async function buildPlan(a: ExperimentArgs): Promise<ExperimentPlan> {
  if (a.sub === 'copy') {
    const { copyExperiment } = await import('../../experiments/copy-experiment');
    return copyExperiment({ variable: a.variable, quick: a.quick, seeds: a.seeds, epochs: a.epochs, engine: a.engine });
  }
  const { textExperiment } = await import('../../experiments/text-experiment');
  return textExperiment({ file: a.file as string, quick: a.quick, seeds: a.seeds, epochs: a.epochs, maxChars: a.maxChars, engine: a.engine });
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
      plan = await buildPlan(parsed);
    } catch (e) {
      io.stderr.write(`experiment: ${(e as Error).message}\n${USAGE}\n`);
      return EXIT_BAD_INPUT;
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    const outDir = parsed.out ?? join('out', 'experiments', `${plan.name}${plan.profile === 'quick' ? '-quick' : ''}-${stamp}`);
    const { runExperiment } = await import('../../experiments/run-experiment');
    const outcome = await runExperiment(plan, outDir, (line) => io.stderr.write(line + '\n'));
    io.stdout.write(`${join(outcome.outDir, 'report.md')}\n`);
    return 0;
  },
};
