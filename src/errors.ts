/**
 * The project's error hierarchy. Per-record failures are values (`Result`), not exceptions; the errors
 * here are for conditions that stop an operation. Each says whether retrying the same operation may
 * succeed (`retriable`), as kafkajs errors do, so that callers can choose between retry and shutdown.
 */

/** Base class of every error the service throws on purpose. */
export class TbpttError extends Error {
  override readonly name: string = 'TbpttError';
  /** True when the same operation may succeed if retried (e.g. a broker is briefly unavailable). */
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options.retriable ?? false;
  }
}

/** Where a configuration value came from. */
export type ConfigOrigin =
  | { readonly kind: 'default' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'flag'; readonly flag: string };

/** Human-readable origin, e.g. `file /etc/tbptt.yaml`, `env TBPTT_TRUNCATION_KMAX`, `flag --truncation.kMax`. */
export function describeOrigin(origin: ConfigOrigin): string {
  switch (origin.kind) {
    case 'default': return 'the default';
    case 'file': return `file ${origin.path}`;
    case 'env': return `env ${origin.name}`;
    case 'flag': return `flag ${origin.flag}`;
  }
}

/** One thing wrong with the configuration. */
export interface ConfigProblem {
  /** Dotted key (e.g. `truncation.kMax`), or the unknown name as written, or '' for the file as a whole. */
  readonly key: string;
  /** The key's value, shown as `key = value` (set for rules relating several keys, whose messages name others). */
  readonly value?: unknown;
  /** Where the offending value came from. */
  readonly origin: ConfigOrigin;
  /** What is wrong and how to fix it, without the key and origin (they are prefixed by `formatProblem`). */
  readonly message: string;
}

/** `truncation.kMax (env TBPTT_TRUNCATION_KMAX): must be ...` or `truncation.kMin = 200 (flag --truncation.kMin): must be ≤ ...`. */
export function formatProblem(p: ConfigProblem): string {
  const where = describeOrigin(p.origin);
  if (p.key === '') return `${where}: ${p.message}`;
  const value = p.value === undefined ? '' : ` = ${JSON.stringify(p.value)}`;
  return `${p.key}${value} (${where}): ${p.message}`;
}

/** The configuration cannot be used. Lists every problem found, not only the first. Not retriable. */
export class ConfigError extends TbpttError {
  override readonly name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const n = problems.length;
    super(
      `invalid configuration (${n} problem${n === 1 ? '' : 's'}):\n` + problems.map((p) => `  - ${formatProblem(p).replace(/\n/g, '\n    ').replace(/ +\n/g, '\n')}`).join('\n'),
      { retriable: false },
    );
    this.problems = Object.freeze([...problems]);
  }
}
