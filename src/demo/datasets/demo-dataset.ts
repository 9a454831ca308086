import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { createRng } from '../../util/rng';
import { assetsDir } from '../assets-dir';
import { copySteps } from './copy-stream';
import type { DatasetStream } from './dataset-stream';
import { loadNabSeries } from './nab-series';
import { splitLines } from './text-lines';

/** A dataset ready to produce: its keyed streams and the service settings that decode and train on it. */
export interface DemoDataset {
  readonly name: string;
  readonly streams: readonly DatasetStream[];
  /** `run`/`demo` flags (`--section.key=value`) under which the service trains on these records. */
  readonly serviceFlags: readonly string[];
  /** The demo's default rate in messages per second: about 200 training steps per second (a text message is
   * a line of ~40 characters, each a step; other messages are one step). */
  readonly demoRate: number;
}

/** Options of {@link loadDemoDataset}. */
export interface DemoDatasetOptions {
  /** Keyed streams (Kafka message keys). Default: copy 16, text 4, nab the number of series (4), FILE 1. */
  readonly keys?: number;
  /** copy only: steps per key per pass (default 4000, the paper's training length). */
  readonly copySteps?: number;
  /** copy only: seed of the generator (stream i uses seed + i). Default 1. */
  readonly seed?: number;
}

/** The built-in datasets; anything else is a file path. */
export const BUILT_IN_DATASETS = ['copy', 'text', 'nab'] as const;

/** Service settings for each built-in dataset (shown by `produce --help`, applied by `demo`). */
export const DATASET_SERVICE_FLAGS: Readonly<Record<(typeof BUILT_IN_DATASETS)[number], readonly string[]>> = {
  copy: ['--input.values=tokens', '--input.target=explicit', '--model.inputSize=6', '--model.outputSize=6', '--model.head=softmax'],
  text: ['--input.format=text', '--model.inputSize=0', '--model.head=softmax'],
  nab: [],
};

function stream(key: string, pass: () => Iterator<string>): DatasetStream {
  return { key, pass };
}

function lineStreams(prefix: string, text: string, keys: number): DatasetStream[] {
  return splitLines(text, keys).map((lines, i) => stream(`${prefix}-${i}`, () => lines[Symbol.iterator]()));
}

/** Six significant digits: enough for a normalised value, short on the wire. */
function compact(v: number): number {
  return Number(v.toPrecision(6));
}

/**
 * Loads a dataset by name (copy, text, nab) or file path. Message formats:
 * - copy: `{"x": token, "y": target}` per step (token ids 0 blank, 1 start, 2..5 payload), keys copy-0..;
 * - text: one line of assets/text/tiny-shakespeare-sample.txt per message ("\n" included), the sample cut
 *   into `keys` contiguous parts keyed text-0..;
 * - nab: `{"x": v}` per step in timestamp order, v = (value − median) / robust scale (see nab-series.ts),
 *   keyed by series name (replicas beyond the shipped series start at shifted positions: name~r1, ...);
 * - FILE: each non-empty line as one message, the file cut into `keys` contiguous parts keyed <file>-0...
 */
export function loadDemoDataset(name: string, options: DemoDatasetOptions = {}): DemoDataset {
  const positive = (v: number | undefined, what: string): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new RangeError(`${what} must be a positive integer, got ${v}`);
  };
  positive(options.keys, '--keys');
  positive(options.copySteps, 'copy steps');
  switch (name) {
    case 'copy': {
      const keys = options.keys ?? 16;
      const steps = options.copySteps ?? 4000;
      const seed = options.seed ?? 1;
      const streams = Array.from({ length: keys }, (_, i) => {
        const rng = createRng(seed + i);
        return stream(`copy-${i}`, function* () {
          let n = 0;
          for (const s of copySteps(rng, 5, 10)) {
            if (n++ >= steps) return;
            yield JSON.stringify(s);
          }
        });
      });
      return { name, streams, serviceFlags: DATASET_SERVICE_FLAGS.copy, demoRate: 200 };
    }
    case 'text': {
      const text = readFileSync(join(assetsDir(), 'text', 'tiny-shakespeare-sample.txt'), 'utf8');
      return { name, streams: lineStreams('text', text, options.keys ?? 4), serviceFlags: DATASET_SERVICE_FLAGS.text, demoRate: 5 };
    }
    case 'nab': {
      const series = loadNabSeries(join(assetsDir(), 'nab'));
      const keys = options.keys ?? series.length;
      const streams = Array.from({ length: keys }, (_, i) => {
        const s = series[i % series.length];
        const replica = Math.floor(i / series.length);
        const n = s.normalised.length;
        const start = (replica * 997) % n;
        return stream(replica === 0 ? s.name : `${s.name}~r${replica}`, function* () {
          for (let t = 0; t < n; t++) yield JSON.stringify({ x: compact(s.normalised[(start + t) % n]) });
        });
      });
      return { name, streams, serviceFlags: DATASET_SERVICE_FLAGS.nab, demoRate: 200 };
    }
    default: {
      if (!existsSync(name)) throw new Error(`--dataset ${name}: no such file (the built-in datasets are ${BUILT_IN_DATASETS.join(', ')})`);
      const text = readFileSync(name, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '').join('\n');
      return { name, streams: lineStreams(basename(name, extname(name)), text, options.keys ?? 1), serviceFlags: [], demoRate: 200 };
    }
  }
}
