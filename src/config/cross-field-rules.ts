import type { ConfigOrigin, ConfigProblem } from '../errors';
import { describeOrigin } from '../errors';
import type { ServiceConfig } from './config-schema';
import { showValue } from './check-config-value';

/** Reads a key's value and says where it came from, for messages: `truncation.kMax = 200 (env TBPTT_TRUNCATION_KMAX)`. */
type Show = (path: string) => string;

/** A rule relating several keys. `check` returns the key to fix and the message, or null when satisfied. */
interface CrossFieldRule {
  /** Every key the rule reads; the rule is skipped when one of them is itself invalid. */
  readonly keys: readonly string[];
  readonly check: (c: ServiceConfig, show: Show) => { key: string; message: string } | null;
}

const RULES: readonly CrossFieldRule[] = [
  {
    keys: ['truncation.kMin', 'truncation.kMax'],
    check: (c, show) => c.truncation.kMin <= c.truncation.kMax ? null : {
      key: 'truncation.kMin',
      message: `must be ≤ ${show('truncation.kMax')}; lower kMin or raise kMax`,
    },
  },
  {
    keys: ['truncation.k0', 'truncation.kMin', 'truncation.kMax'],
    check: (c, show) => c.truncation.kMin > c.truncation.kMax || (c.truncation.k0 >= c.truncation.kMin && c.truncation.k0 <= c.truncation.kMax) ? null : {
      key: 'truncation.k0',
      message: `must lie between ${show('truncation.kMin')} and ${show('truncation.kMax')}; set k0 in that range or widen it`,
    },
  },
  {
    keys: ['truncation.tau', 'truncation.window'],
    check: (c, show) => c.truncation.tau < c.truncation.window ? null : {
      key: 'truncation.tau',
      message: `must be smaller than ${show('truncation.window')}; the usual choice is window − window/10 = ${c.truncation.window - Math.max(1, Math.floor(c.truncation.window / 10))}`,
    },
  },
  {
    keys: ['truncation.tau', 'truncation.window', 'truncation.method'],
    check: (c, show) => c.truncation.method === 'ols' || c.truncation.tau >= c.truncation.window || c.truncation.tau <= c.truncation.window - 2 ? null : {
      key: 'truncation.tau',
      message: `must be ≤ window − 2 = ${c.truncation.window - 2} with ${show('truncation.method')}, which fits the lags tau..window−1 and needs at least two; lower tau or use method "ols"`,
    },
  },
  {
    keys: ['state.historySteps', 'truncation.window', 'truncation.kMax'],
    check: (c, show) => {
      const need = Math.max(c.truncation.window, 2 * c.truncation.kMax - 1);
      return c.state.historySteps >= need ? null : {
        key: 'state.historySteps',
        message: `must be ≥ max(truncation.window, 2·truncation.kMax − 1) = ${need} (${show('truncation.window')}, ${show('truncation.kMax')}) so that a window of 2K − 1 steps and a diagnostic of W lags fit in the retained history; set historySteps to at least ${need}, or lower kMax or window`,
      };
    },
  },
  {
    keys: ['truncation.mode', 'truncation.everyWindows', 'truncation.everySeconds'],
    check: (c, show) => c.truncation.mode !== 'adaptive' || c.truncation.everyWindows > 0 || c.truncation.everySeconds > 0 ? null : {
      key: 'truncation.everyWindows',
      message: `must be > 0 when ${show('truncation.everySeconds')} and ${show('truncation.mode')}, or no diagnostic ever runs and K never adapts; set everyWindows (e.g. 200) or everySeconds > 0, or use mode "fixed"`,
    },
  },
  {
    keys: ['kafka.heartbeatIntervalMs', 'kafka.sessionTimeoutMs'],
    check: (c, show) => c.kafka.heartbeatIntervalMs < c.kafka.sessionTimeoutMs ? null : {
      key: 'kafka.heartbeatIntervalMs',
      message: `must be smaller than ${show('kafka.sessionTimeoutMs')}, or the consumer is evicted from its group between heartbeats; at most a third of it is advised (${Math.floor(c.kafka.sessionTimeoutMs / 3)})`,
    },
  },
  {
    keys: ['kafka.brokers'],
    check: (c) => !c.kafka.brokers.includes('embedded') || c.kafka.brokers.length === 1 ? null : {
      key: 'kafka.brokers',
      message: `mixes "embedded" with real brokers (${showValue(c.kafka.brokers)}); give either ["embedded"] for the local broker or only host:port entries`,
    },
  },
  {
    keys: ['kafka.predictionsTopic', 'kafka.deadLetterTopic'],
    check: (c, show) => c.kafka.predictionsTopic !== c.kafka.deadLetterTopic ? null : {
      key: 'kafka.deadLetterTopic',
      message: `must differ from ${show('kafka.predictionsTopic')}; give dead letters their own topic`,
    },
  },
  {
    keys: ['kafka.predictionsTopic', 'kafka.inputTopics'],
    check: (c, show) => !c.kafka.inputTopics.includes(c.kafka.predictionsTopic) ? null : {
      key: 'kafka.predictionsTopic',
      message: `is also an input topic (${show('kafka.inputTopics')}), so the service would train on its own predictions; choose another topic`,
    },
  },
  {
    keys: ['kafka.deadLetterTopic', 'kafka.inputTopics'],
    check: (c, show) => !c.kafka.inputTopics.includes(c.kafka.deadLetterTopic) ? null : {
      key: 'kafka.deadLetterTopic',
      message: `is also an input topic (${show('kafka.inputTopics')}), so invalid records would be read again forever; choose another topic`,
    },
  },
  {
    keys: ['input.keyFrom', 'input.format'],
    check: (c, show) => c.input.format === 'json' || c.input.keyFrom === 'message-key' ? null : {
      key: 'input.keyFrom',
      message: `names a JSON field, but ${show('input.format')} records have no fields; use "message-key" (the Kafka message key) or format "json"`,
    },
  },
  {
    keys: ['input.alphabet'],
    check: (c) => {
      const chars = [...c.input.alphabet];
      const dup = chars.find((ch, i) => chars.indexOf(ch) !== i);
      return dup === undefined ? null : {
        key: 'input.alphabet',
        message: `lists the character ${JSON.stringify(dup)} more than once; each character is one token id, so give each once`,
      };
    },
  },
  {
    keys: ['input.alphabet', 'input.textUnit'],
    check: (c, show) => c.input.alphabet === '' || c.input.textUnit === 'char' ? null : {
      key: 'input.alphabet',
      message: `is only used with textUnit "char", but ${show('input.textUnit')} (tokens are the bytes 0..255); remove the alphabet or set textUnit to "char"`,
    },
  },
  {
    keys: ['model.head', 'input.format'],
    check: (c, show) => c.input.format !== 'text' || c.model.head === 'softmax' ? null : {
      key: 'model.head',
      message: `must be "softmax" with ${show('input.format')}: text tokens are classes, not numbers`,
    },
  },
  {
    keys: ['output.topK', 'model.outputSize', 'model.head'],
    check: (c, show) => c.model.head !== 'softmax' || c.model.outputSize === 0 || c.output.topK <= c.model.outputSize ? null : {
      key: 'output.topK',
      message: `must be ≤ the number of classes (${show('model.outputSize')}); lower topK`,
    },
  },
  {
    keys: ['training.momentum', 'training.optimizer'],
    check: (c, show) => c.training.momentum === 0 || c.training.optimizer === 'sgd' ? null : {
      key: 'training.momentum',
      message: `is only used by optimizer "sgd", but ${show('training.optimizer')}; set momentum to 0 or optimizer to "sgd"`,
    },
  },
  {
    keys: ['training.maxGradNorm', 'training.clipNorm'],
    check: (c, show) => c.training.maxGradNorm === 0 || c.training.clipNorm === 0 || c.training.maxGradNorm > c.training.clipNorm ? null : {
      key: 'training.maxGradNorm',
      message: `must be larger than ${show('training.clipNorm')}, or every update that clipping would shorten is skipped instead; raise maxGradNorm or set it to 0 (no bound)`,
    },
  },
  {
    keys: ['state.maxKeys', 'training.batchStreams'],
    check: (c, show) => c.state.maxKeys >= c.training.batchStreams ? null : {
      key: 'state.maxKeys',
      message: `must be ≥ ${show('training.batchStreams')}: a training window needs the state of batchStreams keys in memory at once`,
    },
  },
  {
    keys: ['output.maxBufferedRecords', 'training.batchStreams'],
    check: (c, show) => c.output.maxBufferedRecords >= c.training.batchStreams ? null : {
      key: 'output.maxBufferedRecords',
      message: `must be ≥ ${show('training.batchStreams')}, or partitions are paused before a full batch can be buffered`,
    },
  },
  {
    keys: ['truncation.diagnosticStreams', 'state.maxKeys'],
    check: (c, show) => c.truncation.diagnosticStreams <= c.state.maxKeys ? null : {
      key: 'truncation.diagnosticStreams',
      message: `must be ≤ ${show('state.maxKeys')}: a diagnostic samples keys held in memory`,
    },
  },
  {
    keys: ['checkpoint.dir', 'checkpoint.everyWindows', 'checkpoint.everySeconds'],
    check: (c, show) => c.checkpoint.dir === '' || c.checkpoint.everyWindows > 0 || c.checkpoint.everySeconds > 0 ? null : {
      key: 'checkpoint.everyWindows',
      message: `must be > 0 when ${show('checkpoint.everySeconds')} and ${show('checkpoint.dir')}, or no checkpoint is ever written; set everyWindows or everySeconds > 0, or set dir to "" to disable checkpoints`,
    },
  },
];

/** The keys every cross-field rule reads (for tests and documentation). */
export const CROSS_FIELD_KEYS: readonly (readonly string[])[] = RULES.map((r) => r.keys);

function valueAt(c: ServiceConfig, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], c);
}

/**
 * Checks the rules that relate several keys (kMin ≤ k0 ≤ kMax, tau < window, history ≥ 2·kMax − 1, ...).
 * Rules that read a key whose own value is invalid are skipped (its problem is already reported).
 * Each problem names the key to fix with its value and origin; the message shows the other keys' values and origins.
 */
export function crossFieldProblems(
  config: ServiceConfig,
  origins: ReadonlyMap<string, ConfigOrigin>,
  invalid: ReadonlySet<string>,
): ConfigProblem[] {
  const originOf = (path: string): ConfigOrigin => origins.get(path) ?? { kind: 'default' };
  const show: Show = (path) => {
    const o = originOf(path);
    return `${path} = ${showValue(valueAt(config, path))}${o.kind === 'default' ? ' (default)' : ` (${describeOrigin(o)})`}`;
  };
  const problems: ConfigProblem[] = [];
  for (const rule of RULES) {
    if (rule.keys.some((k) => invalid.has(k))) continue;
    const found = rule.check(config, show);
    if (found === null) continue;
    problems.push({ key: found.key, value: valueAt(config, found.key), origin: originOf(found.key), message: found.message });
  }
  return problems;
}
