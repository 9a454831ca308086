import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** One NAB time series, sorted by timestamp, with its robust normalisation and labelled anomaly windows. */
export interface NabSeries {
  /** File name without ".csv", e.g. "speed_7578"; used as the Kafka message key. */
  readonly name: string;
  /** Milliseconds since the epoch (timestamps read as UTC), ascending. */
  readonly timestampsMs: Float64Array;
  /** The raw values, in timestamp order. */
  readonly values: Float64Array;
  /** (value − median) / scale, clipped to ±{@link NAB_CLIP}: what `produce --dataset nab` sends. */
  readonly normalised: Float64Array;
  readonly median: number;
  /** 1.4826 · median absolute deviation (the normal-consistent robust standard deviation); when that is 0,
   * the mean absolute deviation from the median; when that is 0 too, 1. */
  readonly scale: number;
  /** NAB's labelled anomaly windows [start, end] in milliseconds since the epoch (UTC). */
  readonly anomalyWindowsMs: ReadonlyArray<readonly [number, number]>;
}

/** Normalised values are clipped to ±NAB_CLIP robust standard deviations (keeps the mse head's steps sane). */
export const NAB_CLIP = 10;

/** A NAB timestamp "2015-09-08 11:39:00[.000000]" (UTC) in milliseconds since the epoch. */
export function parseNabTimestamp(text: string): number {
  const ms = Date.parse(text.trim().replace(' ', 'T') + 'Z');
  if (!Number.isFinite(ms)) throw new RangeError(`bad NAB timestamp ${JSON.stringify(text)}`);
  return ms;
}

function median(sorted: Float64Array): number {
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) >> 1] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** Median and robust scale of `values` (see {@link NabSeries.scale}). */
export function robustScale(values: Float64Array): { median: number; scale: number } {
  if (values.length === 0) throw new RangeError('robustScale: no values');
  const med = median(Float64Array.from(values).sort());
  const deviations = values.map((v) => Math.abs(v - med));
  const mad = median(Float64Array.from(deviations).sort());
  if (mad > 0) return { median: med, scale: 1.4826 * mad };
  const meanAbs = deviations.reduce((a, b) => a + b, 0) / deviations.length;
  return { median: med, scale: meanAbs > 0 ? meanAbs : 1 };
}

/** Parses one NAB CSV ("timestamp,value" header, then one row per step) and normalises it. */
export function parseNabCsv(name: string, csv: string, windows: ReadonlyArray<readonly [string, string]> = []): NabSeries {
  const rows = csv.split(/\r?\n/).slice(1).filter((line) => line.trim() !== '').map((line, i) => {
    const [ts, value] = line.split(',');
    const v = Number(value);
    if (value === undefined || !Number.isFinite(v)) throw new RangeError(`${name}.csv line ${i + 2}: bad value ${JSON.stringify(value)}`);
    return { t: parseNabTimestamp(ts), v };
  });
  rows.sort((a, b) => a.t - b.t);
  const values = Float64Array.from(rows, (r) => r.v);
  const { median: med, scale } = robustScale(values);
  return {
    name,
    timestampsMs: Float64Array.from(rows, (r) => r.t),
    values,
    normalised: values.map((v) => Math.max(-NAB_CLIP, Math.min(NAB_CLIP, (v - med) / scale))),
    median: med,
    scale,
    anomalyWindowsMs: windows.map(([a, b]) => [parseNabTimestamp(a), parseNabTimestamp(b)] as const),
  };
}

/**
 * The NAB series shipped in `dir` (assets/nab: *.csv and anomaly-windows.json, keyed by file name), sorted
 * by name.
 */
export function loadNabSeries(dir: string): NabSeries[] {
  const windows = JSON.parse(readFileSync(join(dir, 'anomaly-windows.json'), 'utf8')) as Record<string, [string, string][]>;
  return readdirSync(dir).filter((f) => f.endsWith('.csv')).sort().map((file) =>
    parseNabCsv(basename(file, '.csv'), readFileSync(join(dir, file), 'utf8'), windows[file] ?? []));
}
