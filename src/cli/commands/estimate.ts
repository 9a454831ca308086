import { EXIT_BAD_INPUT, readAll, type Command, type CommandIO } from '../command';
import { estimateBias } from '../../learner/truncation/bias-estimate';
import { chooseTruncation, clampTruncation } from '../../learner/truncation/choose-truncation';
import { BETA_METHODS, tauProblem, type BetaMethod } from '../../learner/truncation/estimate-log-beta';
import { normProfileProblem } from '../../learner/truncation/norm-profile-problem';
import { TRUNCATION_DEFAULTS } from '../../learner/truncation/truncation-options';

/** The JSON object `tbptt-stream estimate` reads on stdin. */
export interface EstimateRequest {
  /** Per-lag norms [W][S]; code lag j = 0 is the state entering the last step. */
  readonly gradNorms: number[][];
  /** Cumulative norms C [W]. */
  readonly cumNorms: number[];
  /** τ, 0 ≤ τ < W (≤ W − 2 for ols-tail, max, quantile). */
  readonly tau: number;
  /** Tolerated relative biases δ > 0, one K each. */
  readonly deltas: number[];
  /** Default 'ols'. */
  readonly method: BetaMethod;
  /** Clamp bounds; defaults 2 and 100. */
  readonly kMin: number;
  readonly kMax: number;
}

/** What it prints (one JSON line). Infinite logs are null. */
export interface EstimateResponse {
  readonly logBeta: number;
  /** K̂(δ) per delta, in 1..W, before clamping. */
  readonly K: number[];
  /** clamp(K̂, kMin, kMax) per delta. */
  readonly Kclamped: number[];
  /** log δ̂(K) for K = 1..W; null where infinite. */
  readonly logRelBias: (number | null)[];
  /** log Ê(K) for K = 1..W; null where infinite. */
  readonly logAbsBias: (number | null)[];
  /** log Ĝ (lower bound of the full gradient norm); null when there is none (Ĝ = 0). */
  readonly logLowerBound: number | null;
  /** Why every δ̂ is infinite ('no-decay-fit', 'beta-ge-1', 'no-lower-bound'), or null. */
  readonly failure: string | null;
}

const FIELDS = ['gradNorms', 'cumNorms', 'tau', 'deltas', 'method', 'kMin', 'kMax'];

/** A request that cannot be used; the message names the field. */
export class EstimateRequestError extends Error {
  override readonly name = 'EstimateRequestError';
}

/** Parses and validates the stdin text of `tbptt-stream estimate`. Throws EstimateRequestError. */
export function parseEstimateRequest(text: string): EstimateRequest {
  const bad = (msg: string): never => {
    throw new EstimateRequestError(msg);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    bad(`stdin is not valid JSON (${(e as Error).message}); expected one object {"gradNorms", "cumNorms", "tau", "deltas", "method"}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) bad('stdin must hold one JSON object');
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!FIELDS.includes(key)) bad(`unknown field "${key}" (expected ${FIELDS.join(', ')})`);
  }
  if (o.gradNorms === undefined) bad('gradNorms is missing: give the per-lag norms as number[W][S]');
  if (o.cumNorms === undefined) bad('cumNorms is missing: give the cumulative norms as number[W]');
  const profile = normProfileProblem(o.gradNorms, o.cumNorms, { lagNorms: 'gradNorms', cumNorms: 'cumNorms' });
  if (profile !== null) bad(profile);
  const gradNorms = o.gradNorms as number[][];
  const w = gradNorms.length;

  const method = o.method ?? 'ols';
  if (typeof method !== 'string' || !BETA_METHODS.includes(method as BetaMethod)) {
    bad(`method must be one of ${BETA_METHODS.map((m) => `"${m}"`).join(', ')}, got ${JSON.stringify(method)}`);
  }
  if (o.tau === undefined) bad(`tau is missing: give an integer 0 ≤ tau < W = ${w} (e.g. ${w - Math.max(2, Math.floor(w / 10))})`);
  const tauMsg = tauProblem(w, o.tau as number, method as BetaMethod);
  if (typeof o.tau !== 'number' || tauMsg !== null) bad(tauMsg ?? `tau must be an integer, got ${JSON.stringify(o.tau)}`);

  if (!Array.isArray(o.deltas) || o.deltas.length === 0) bad('deltas must be a non-empty array of numbers > 0 (e.g. [0.1])');
  const deltas = o.deltas as unknown[];
  deltas.forEach((d, i) => {
    if (typeof d !== 'number' || !Number.isFinite(d) || d <= 0) bad(`deltas[${i}] must be a finite number > 0, got ${JSON.stringify(d)}`);
  });

  const int = (name: 'kMin' | 'kMax'): number => {
    const v = o[name] ?? TRUNCATION_DEFAULTS[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) bad(`${name} must be an integer ≥ 1, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const kMin = int('kMin');
  const kMax = int('kMax');
  if (kMin > kMax) bad(`kMin (${kMin}) must be ≤ kMax (${kMax})`);
  return {
    gradNorms, cumNorms: o.cumNorms as number[], tau: o.tau as number, deltas: deltas as number[],
    method: method as BetaMethod, kMin, kMax,
  };
}

/** Runs the estimator (method.md section 2) on a parsed request. */
export function runEstimate(req: EstimateRequest): EstimateResponse {
  const est = estimateBias(req.gradNorms, req.cumNorms, req.tau, req.method);
  const K = req.deltas.map((d) => chooseTruncation(est.logRelBias, d));
  const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
  return {
    logBeta: est.logBeta,
    K,
    Kclamped: K.map((k) => clampTruncation(k, req.kMin, req.kMax)),
    logRelBias: Array.from(est.logRelBias, finiteOrNull),
    logAbsBias: Array.from(est.logAbsBias, finiteOrNull),
    logLowerBound: finiteOrNull(est.logLowerBound),
    failure: est.failure,
  };
}

const USAGE = `usage: tbptt-stream estimate < request.json
Reads {"gradNorms": number[W][S], "cumNorms": number[W], "tau": int, "deltas": number[],
       "method": "ols"|"ols-tail"|"max"|"quantile" (default "ols"), "kMin"?: int (2), "kMax"?: int (100)}
Prints {"logBeta", "K", "Kclamped", "logRelBias", "logAbsBias", "logLowerBound", "failure"} (null = infinite).
Exit code 2 on bad input, with a message naming the field.
`;

/** `tbptt-stream estimate`: the truncation estimator on one diagnostic given as JSON (issue 3, deliverable 2). */
export const estimateCommand: Command = {
  name: 'estimate',
  summary: 'truncation K and bias estimates from per-lag gradient norms (JSON on stdin, JSON on stdout)',
  async run(args: readonly string[], io: CommandIO): Promise<number> {
    if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (args.length > 0) {
      io.stderr.write(`estimate: takes no arguments (got ${args.join(' ')}); it reads one JSON object on stdin\n${USAGE}`);
      return EXIT_BAD_INPUT;
    }
    let req: EstimateRequest;
    try {
      req = parseEstimateRequest(await readAll(io.stdin));
    } catch (e) {
      if (!(e instanceof EstimateRequestError)) throw e;
      io.stderr.write(`estimate: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    io.stdout.write(JSON.stringify(runEstimate(req)) + '\n');
    return 0;
  },
};
