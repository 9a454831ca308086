/**
 * The service configuration: one typed, documented defaults object. Loading (defaults ← file ←
 * environment ← CLI flags), validation and freezing live in load-config.ts. Every key here is documented
 * in the README's configuration table, which is generated from the `doc` strings of `configSpec` below
 * (`npm run docs:config`); keys, types, allowed values, ranges and defaults are defined only in this file.
 */

/** Where sequence records come from and where results go. */
export interface KafkaConfig {
  /** Bootstrap servers, or ["embedded"] to start the local single-node broker (the demo default). */
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly inputTopics: readonly string[];
  readonly predictionsTopic: string;
  readonly deadLetterTopic: string;
  /** Start from the earliest offset when the group has no committed offset. */
  readonly fromBeginning: boolean;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** Create missing topics at startup with this many partitions (0 = do not create). */
  readonly createTopicsPartitions: number;
}

export interface InputConfig {
  /** json: {"x": ..., "y"?: ...}; text: each message a string of tokens; csv: a line of numbers. */
  readonly format: 'json' | 'text' | 'csv';
  /** Sequence key: "message-key" or the name of a JSON field. */
  readonly keyFrom: string;
  /** For text: "char" (tokens are characters of `alphabet`) or "byte" (tokens are bytes 0..255). */
  readonly textUnit: 'char' | 'byte';
  /** For text with textUnit "char": the characters, in token-id order. Empty = printable ASCII. */
  readonly alphabet: string;
  /** Largest accepted message, in bytes; larger ones are dead-lettered. */
  readonly maxMessageBytes: number;
  /** For json: x is a dense vector (or one number), or a token (an integer id or a one-character string). */
  readonly values: 'dense' | 'tokens';
  /** next-step: y_t = x_{t+1} (records carry only x); explicit: every record carries its y. Text is always next-step. */
  readonly target: 'next-step' | 'explicit';
}

export interface ModelConfig {
  readonly cell: 'lstm' | 'gru' | 'rnn';
  readonly layers: number;
  /** Features per step (dense) or vocabulary size (tokens). 0 = derived from the input format. */
  readonly inputSize: number;
  /** Encoder size; 0 = no encoder. */
  readonly embedSize: number;
  readonly hiddenSize: number;
  /** Classes (softmax) or target dimension (mse). 0 = derived from the input format. */
  readonly outputSize: number;
  readonly head: 'softmax' | 'mse';
  readonly init: 'paper' | 'pytorch';
  readonly seed: number;
}

export interface TrainingConfig {
  /** paper: k1 = K, k2 = 2K−1, losses on the last K steps; classic: k1 = k2 = K. */
  readonly scheme: 'paper' | 'classic';
  /** Streams (keys) per training window (B). */
  readonly batchStreams: number;
  /** Train a partial batch of ready keys after this many milliseconds without a full batch. */
  readonly flushAfterMs: number;
  /**
   * When no record has arrived for this many milliseconds, train every waiting step in shorter windows
   * (keys with fewer than k1 steps), so that a quiet stream is fully trained and its offsets committed. 0 = never.
   */
  readonly idleFlushMs: number;
  readonly optimizer: 'sgd' | 'adam';
  /** Base learning rate γ0. */
  readonly learningRate: number;
  /** How the learning rate follows K: none, sqrt (γ0·√K), linear (γ0·K). */
  readonly lrScaling: 'none' | 'sqrt' | 'linear';
  readonly momentum: number;
  readonly weightDecay: number;
  /** Global gradient-norm clip on the summed window loss (the reference's 1.0; = clip/K on the mean). 0 = off. */
  readonly clipNorm: number;
  /** Compute engine: auto (chosen by model size and what is installed), ts, tfjs-node, tfjs-wasm. */
  readonly engine: 'auto' | 'ts' | 'tfjs-node' | 'tfjs-wasm';
  /** Where windows train: a worker thread (overlapping consuming, decoding and publishing) or the event loop's thread. */
  readonly thread: 'worker' | 'main';
  /** Skip an update whose loss or gradient is not finite, or whose gradient norm exceeds this (0 = no bound). */
  readonly maxGradNorm: number;
  /** After this many skipped updates in a row, roll the model back to the newest checkpoint (0 = never). */
  readonly rollbackAfterSkips: number;
}

export interface TruncationConfig {
  /** adaptive: K follows the bias estimate; fixed: K = k0 always (δ̂ is still reported). */
  readonly mode: 'adaptive' | 'fixed';
  /** Initial (or fixed) truncation length K. */
  readonly k0: number;
  /** Tolerated relative gradient bias δ. */
  readonly delta: number;
  /** Diagnostic window W (lags measured). */
  readonly window: number;
  /** τ: lag from which geometric decay is assumed (< window). */
  readonly tau: number;
  readonly kMin: number;
  readonly kMax: number;
  /** Decay-rate estimator: ols (all lags, the reference's), ols-tail (lags ≥ τ), max, quantile. */
  readonly method: 'ols' | 'ols-tail' | 'max' | 'quantile';
  /** Smoothing: K = floor(mean of the last R estimates). */
  readonly repeats: number;
  /** Run a diagnostic every this many training windows (0 = not by count). */
  readonly everyWindows: number;
  /** ... or every this many seconds of wall time (0 = not by time). */
  readonly everySeconds: number;
  /** Streams (keys with ≥ window steps of history) sampled per diagnostic (S). */
  readonly diagnosticStreams: number;
}

export interface StateConfig {
  /** Steps of history retained per key; must be ≥ max(truncation.window, 2·truncation.kMax − 1). */
  readonly historySteps: number;
  /** Keys whose state is kept in memory (LRU); evicted keys are persisted and restored on demand. */
  readonly maxKeys: number;
}

export interface CheckpointConfig {
  /** Directory for checkpoints; empty = no checkpoints (offsets then follow trained records only). */
  readonly dir: string;
  readonly everyWindows: number;
  readonly everySeconds: number;
  /** Checkpoints kept on disk. */
  readonly keep: number;
  /** This instance's name under dir/instances/ (empty = the host name); unique per instance of a group. */
  readonly instance: string;
}

export interface OutputConfig {
  /** Classes reported per softmax prediction. */
  readonly topK: number;
  /** Training windows in flight before partitions are paused (backpressure). */
  readonly maxInFlightWindows: number;
  /** Records buffered (decoded, not yet trained) before partitions are paused. */
  readonly maxBufferedRecords: number;
  /** Encode and send predictions and dead letters on a thread of their own: auto (with more than two cores), on, off. */
  readonly publishThread: 'auto' | 'on' | 'off';
}

export interface MetricsConfig {
  /** HTTP port for /metrics, /healthz, /readyz (0 = any free port). */
  readonly port: number;
  readonly host: string;
}

export interface ServiceConfig {
  readonly kafka: KafkaConfig;
  readonly input: InputConfig;
  readonly model: ModelConfig;
  readonly training: TrainingConfig;
  readonly truncation: TruncationConfig;
  readonly state: StateConfig;
  readonly checkpoint: CheckpointConfig;
  readonly output: OutputConfig;
  readonly metrics: MetricsConfig;
  /** Log level: debug, info, warn, error. */
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** Documented defaults. The demo (`npm start`) runs with these against the embedded broker. */
export const defaultConfig: ServiceConfig = {
  kafka: {
    brokers: ['embedded'],
    clientId: 'tbptt-stream',
    groupId: 'tbptt-stream',
    inputTopics: ['tbptt-input'],
    predictionsTopic: 'tbptt-predictions',
    deadLetterTopic: 'tbptt-dead-letters',
    fromBeginning: true,
    sessionTimeoutMs: 30000,
    heartbeatIntervalMs: 3000,
    createTopicsPartitions: 4,
  },
  input: {
    format: 'json', keyFrom: 'message-key', textUnit: 'char', alphabet: '', maxMessageBytes: 1 << 20,
    values: 'dense', target: 'next-step',
  },
  model: {
    cell: 'lstm', layers: 1, inputSize: 1, embedSize: 0, hiddenSize: 64, outputSize: 0,
    head: 'mse', init: 'paper', seed: 1,
  },
  training: {
    scheme: 'paper', batchStreams: 16, flushAfterMs: 200, idleFlushMs: 2000, optimizer: 'sgd', learningRate: 0.1,
    lrScaling: 'sqrt', momentum: 0, weightDecay: 1e-5, clipNorm: 1, engine: 'auto', thread: 'worker', maxGradNorm: 0, rollbackAfterSkips: 3,
  },
  truncation: {
    mode: 'adaptive', k0: 15, delta: 0.1, window: 100, tau: 90, kMin: 2, kMax: 100, method: 'ols',
    repeats: 5, everyWindows: 200, everySeconds: 0, diagnosticStreams: 8,
  },
  state: { historySteps: 200, maxKeys: 100000 },
  checkpoint: { dir: '', everyWindows: 500, everySeconds: 60, keep: 3, instance: '' },
  output: { topK: 3, maxInFlightWindows: 256, maxBufferedRecords: 50000, publishThread: 'auto' },
  metrics: { port: 9464, host: '0.0.0.0' },
  logLevel: 'info',
};

// ---------------------------------------------------------------------------------------------------------
// Machine-readable description of every key: type, allowed values or range, and the README's doc string.
// The mapped types below make the compiler reject a key that is missing here or typed differently.
// ---------------------------------------------------------------------------------------------------------

interface KeySpecBase {
  /** One or two sentences for the README table and error messages; says the unit where there is one. */
  readonly doc: string;
}

/** A true/false key. From text (env, flags): true/false, 1/0, yes/no, on/off. */
export interface BooleanKeySpec extends KeySpecBase {
  readonly type: 'boolean';
}

/** A finite number; `integer` keys also reject fractions. Bounds are inclusive unless marked exclusive. */
export interface NumberKeySpec extends KeySpecBase {
  readonly type: 'integer' | 'number';
  readonly min?: number;
  readonly max?: number;
  /** The value must be strictly greater than `min`. */
  readonly minExclusive?: boolean;
  /** The value must be strictly smaller than `max`. */
  readonly maxExclusive?: boolean;
}

/** A rule a string (or each item of a list) must match, with what to write instead. */
export interface StringPattern {
  readonly regex: RegExp;
  /** What a valid value looks like, e.g. "host:port". */
  readonly hint: string;
}

/** A free string. */
export interface StringKeySpec extends KeySpecBase {
  readonly type: 'string';
  /** The empty string is not allowed. */
  readonly nonEmpty?: boolean;
  readonly pattern?: StringPattern;
}

/** A list of strings. From text (env, flags): comma-separated, e.g. `host1:9092,host2:9092`. */
export interface StringListKeySpec extends KeySpecBase {
  readonly type: 'string[]';
  readonly minItems?: number;
  /** Every item must match. */
  readonly item?: StringPattern;
  /** Items must be distinct. */
  readonly unique?: boolean;
}

/** One of a fixed set of strings (case-sensitive). */
export interface EnumKeySpec<T extends string> extends KeySpecBase {
  readonly type: 'enum';
  readonly values: readonly T[];
}

/** The spec type for a key whose value type is T. */
export type KeySpec<T> = [T] extends [boolean]
  ? BooleanKeySpec
  : [T] extends [number]
    ? NumberKeySpec
    : [T] extends [readonly string[]]
      ? StringListKeySpec
      : [T] extends [string]
        ? string extends T
          ? StringKeySpec
          : EnumKeySpec<T>
        : never;

/** Any key's spec. */
export type AnyKeySpec = BooleanKeySpec | NumberKeySpec | StringKeySpec | StringListKeySpec | EnumKeySpec<string>;

/** Specs for every key of one section. */
export type SectionSpec<S> = { readonly [K in keyof S]-?: KeySpec<S[K]> };

/** Specs for the whole configuration: sections of keys, plus top-level keys such as `logLevel`. */
export type ConfigSpec = {
  readonly [K in keyof ServiceConfig]-?: ServiceConfig[K] extends string ? KeySpec<ServiceConfig[K]> : SectionSpec<ServiceConfig[K]>;
};

/** Kafka's legal topic names: 1..249 of [a-zA-Z0-9._-]. */
const TOPIC: StringPattern = { regex: /^(?!\.{1,2}$)[a-zA-Z0-9._-]{1,249}$/, hint: 'a Kafka topic name (1 to 249 characters from a-z A-Z 0-9 . _ -)' };

/** Types, allowed values, ranges and documentation of every key; defaults are in `defaultConfig`. */
export const configSpec: ConfigSpec = {
  kafka: {
    brokers: {
      type: 'string[]', minItems: 1, unique: true,
      item: { regex: /^(embedded|[^\s:,[\]]+:\d{1,5}|\[[0-9a-fA-F:.]+\]:\d{1,5})$/, hint: 'host:port (e.g. kafka-1:9092), or the single word embedded' },
      doc: 'Bootstrap servers as host:port, or `embedded` alone to start the local single-node broker (the demo default).',
    },
    clientId: { type: 'string', nonEmpty: true, doc: 'Kafka client id, shown in broker logs and quotas.' },
    groupId: { type: 'string', nonEmpty: true, doc: 'Consumer group; instances with the same group split the input partitions.' },
    inputTopics: {
      type: 'string[]', minItems: 1, unique: true, item: TOPIC,
      doc: 'Topics the sequence records are read from.',
    },
    predictionsTopic: { type: 'string', pattern: TOPIC, doc: 'Topic the per-step predictions are written to.' },
    deadLetterTopic: { type: 'string', pattern: TOPIC, doc: 'Topic invalid records go to, with the original bytes and the reason in headers.' },
    fromBeginning: { type: 'boolean', doc: 'Start from the earliest offset when the group has no committed offset (false: only new records).' },
    sessionTimeoutMs: {
      type: 'integer', min: 1000, max: 3_600_000,
      doc: 'Consumer session timeout in milliseconds; the broker must allow it (group.min/max.session.timeout.ms).',
    },
    heartbeatIntervalMs: {
      type: 'integer', min: 1,
      doc: 'Consumer heartbeat interval in milliseconds; must be below sessionTimeoutMs (at most a third of it is advised).',
    },
    createTopicsPartitions: {
      type: 'integer', min: 0, max: 10_000,
      doc: 'Create missing topics at startup with this many partitions (0 = do not create).',
    },
  },
  input: {
    format: {
      type: 'enum', values: ['json', 'text', 'csv'],
      doc: 'Record format: json `{"x": number[] | number | token, "y"?: ...}` (no y = next-step prediction); text (each message a string of tokens); csv (a line of numbers).',
    },
    keyFrom: {
      type: 'string', nonEmpty: true,
      doc: 'Sequence key: `message-key` (the Kafka message key) or the name of a field of the JSON record.',
    },
    textUnit: {
      type: 'enum', values: ['char', 'byte'],
      doc: 'Text tokens: char (characters of `alphabet`) or byte (bytes 0..255).',
    },
    alphabet: {
      type: 'string',
      doc: 'For textUnit char: the characters, in token-id order, each once. Empty = printable ASCII.',
    },
    maxMessageBytes: {
      type: 'integer', min: 1,
      doc: 'Largest accepted message in bytes; larger ones are dead-lettered.',
    },
    values: {
      type: 'enum', values: ['dense', 'tokens'],
      doc: 'For json: x is a dense vector (or one number), or a token (an integer id < model.inputSize, or a one-character string of `alphabet`).',
    },
    target: {
      type: 'enum', values: ['next-step', 'explicit'],
      doc: 'next-step: the target of step t is x of step t+1 (records carry only x); explicit: every record carries its y. Text is always next-step.',
    },
  },
  model: {
    cell: { type: 'enum', values: ['lstm', 'gru', 'rnn'], doc: 'Recurrent cell: lstm, gru, or rnn (tanh).' },
    layers: { type: 'integer', min: 1, max: 64, doc: 'Stacked recurrent layers.' },
    inputSize: {
      type: 'integer', min: 0,
      doc: 'Features per step (dense input) or vocabulary size (tokens). 0 = derived from the input format.',
    },
    embedSize: { type: 'integer', min: 0, doc: 'Size of the input encoder (embedding or dense projection); 0 = no encoder.' },
    hiddenSize: { type: 'integer', min: 1, doc: 'Hidden units per layer.' },
    outputSize: {
      type: 'integer', min: 0,
      doc: 'Classes (softmax head) or target dimension (mse head). 0 = derived from the input format.',
    },
    head: { type: 'enum', values: ['softmax', 'mse'], doc: 'Output head and loss: softmax (cross-entropy over classes) or mse (squared error).' },
    init: {
      type: 'enum', values: ['paper', 'pytorch'],
      doc: 'Parameter initialisation: paper (the reference implementation\'s) or pytorch (torch.nn defaults).',
    },
    seed: { type: 'integer', min: 0, max: 4_294_967_295, doc: 'Seed of the parameter initialisation (32-bit unsigned).' },
  },
  training: {
    scheme: {
      type: 'enum', values: ['paper', 'classic'],
      doc: 'paper: k1 = K new steps, backpropagate k2 = 2K−1 steps, losses on the last K; classic: k1 = k2 = K.',
    },
    batchStreams: { type: 'integer', min: 1, doc: 'Streams (keys) per training window (B).' },
    flushAfterMs: {
      type: 'integer', min: 0,
      doc: 'Train a partial batch of ready keys after this many milliseconds without a full batch (0 = at once).',
    },
    idleFlushMs: {
      type: 'integer', min: 0,
      doc: 'When no record has arrived for this many milliseconds, train every waiting step in shorter windows so that a quiet stream is fully trained and committed (0 = never).',
    },
    optimizer: { type: 'enum', values: ['sgd', 'adam'], doc: 'Optimizer: sgd (with optional momentum) or adam.' },
    learningRate: { type: 'number', min: 0, minExclusive: true, doc: 'Base learning rate γ0 (> 0).' },
    lrScaling: {
      type: 'enum', values: ['none', 'sqrt', 'linear'],
      doc: 'How the learning rate follows K: none (γ0), sqrt (γ0·√K) or linear (γ0·K).',
    },
    momentum: { type: 'number', min: 0, max: 1, maxExclusive: true, doc: 'SGD momentum in [0, 1); 0 = plain SGD. Not used by adam.' },
    weightDecay: { type: 'number', min: 0, doc: 'L2 weight decay (≥ 0).' },
    clipNorm: {
      type: 'number', min: 0,
      doc: 'Global gradient-norm clip on the summed window loss (the reference\'s 1.0; = clip/K on the mean). 0 = off.',
    },
    engine: {
      type: 'enum', values: ['auto', 'ts', 'tfjs-node', 'tfjs-wasm'],
      doc: 'Compute engine: auto (chosen by model size and what is installed), ts (pure TypeScript), tfjs-node, tfjs-wasm.',
    },
    thread: {
      type: 'enum', values: ['worker', 'main'],
      doc: 'Where windows train: worker (a worker thread, while the event loop consumes, decodes and publishes) or main (the event loop\'s thread).',
    },
    maxGradNorm: {
      type: 'number', min: 0,
      doc: 'Skip an update whose gradient norm exceeds this (0 = no bound); updates with a non-finite loss or gradient are always skipped.',
    },
    rollbackAfterSkips: {
      type: 'integer', min: 0,
      doc: 'After this many skipped updates in a row, roll the model (parameters, optimizer, estimator) back to the newest checkpoint and reset non-finite hidden states (0 = never; needs checkpoint.dir).',
    },
  },
  truncation: {
    mode: {
      type: 'enum', values: ['adaptive', 'fixed'],
      doc: 'adaptive: K follows the gradient-bias estimate; fixed: K = k0 always (δ̂ is still reported).',
    },
    k0: { type: 'integer', min: 1, doc: 'Initial (or fixed) truncation length K; kMin ≤ k0 ≤ kMax.' },
    delta: {
      type: 'number', min: 0, minExclusive: true, max: 1, maxExclusive: true,
      doc: 'Tolerated relative gradient bias δ, in (0, 1).',
    },
    window: { type: 'integer', min: 2, doc: 'Diagnostic window W: lags measured per diagnostic.' },
    tau: {
      type: 'integer', min: 0,
      doc: 'τ: lag from which geometric decay is assumed; < window (≤ window − 2 for ols-tail, max, quantile).',
    },
    kMin: { type: 'integer', min: 1, doc: 'Smallest K ever used.' },
    kMax: { type: 'integer', min: 1, doc: 'Largest K ever used; state.historySteps must be ≥ 2·kMax − 1.' },
    method: {
      type: 'enum', values: ['ols', 'ols-tail', 'max', 'quantile'],
      doc: 'Decay-rate estimator: ols (all lags, the reference\'s), ols-tail (lags ≥ τ), max, quantile.',
    },
    repeats: { type: 'integer', min: 1, doc: 'Smoothing: K = floor(mean of the last R estimates).' },
    everyWindows: { type: 'integer', min: 0, doc: 'Run a diagnostic every this many training windows (0 = not by count).' },
    everySeconds: { type: 'number', min: 0, doc: '... or every this many seconds of wall time (0 = not by time).' },
    diagnosticStreams: { type: 'integer', min: 1, doc: 'Streams (keys with ≥ window steps of history) sampled per diagnostic (S).' },
  },
  state: {
    historySteps: {
      type: 'integer', min: 2,
      doc: 'Steps of history retained per key; must be ≥ max(truncation.window, 2·truncation.kMax − 1).',
    },
    maxKeys: {
      type: 'integer', min: 1,
      doc: 'Keys whose state is kept in memory (LRU); evicted keys are persisted and restored on demand.',
    },
  },
  checkpoint: {
    dir: {
      type: 'string',
      doc: 'Directory for checkpoints (relative to the working directory); empty = no checkpoints (offsets then follow trained records only).',
    },
    everyWindows: { type: 'integer', min: 0, doc: 'Checkpoint every this many training windows (0 = not by count).' },
    everySeconds: { type: 'number', min: 0, doc: 'Checkpoint every this many seconds of wall time (0 = not by time).' },
    keep: { type: 'integer', min: 1, doc: 'Checkpoints kept on disk (≥ 1).' },
    instance: {
      type: 'string', pattern: { regex: /^$|^[A-Za-z0-9._-]+$/, hint: 'empty or letters, digits, ".", "_" and "-"' },
      doc: 'Name of this instance\'s checkpoint folder under dir/instances/ (empty = the host name); unique per instance. Instances of one group share dir, so a partition\'s keys move to their new owner with their state.',
    },
  },
  output: {
    topK: { type: 'integer', min: 1, doc: 'Classes reported per softmax prediction.' },
    maxInFlightWindows: { type: 'integer', min: 1, doc: 'Trained windows whose predictions the broker has not acknowledged yet, before partitions are paused (backpressure). Each pause costs up to one fetch wait (250 ms), so keep it well above the windows one fetch yields.' },
    maxBufferedRecords: {
      type: 'integer', min: 1,
      doc: 'Records buffered (decoded, not yet trained), and messages not yet acknowledged by the broker, before partitions are paused; ≥ training.batchStreams. Each partition may buffer a share in proportion to its keys that have untrained records; a partition above its share is paused alone (resumed at half of it), so the others keep filling batches; all are paused once the whole buffer is full.',
    },
    publishThread: {
      type: 'enum', values: ['auto', 'on', 'off'],
      doc: 'Encode and send predictions and dead letters on a thread of their own (a kafkajs producer there): on, off (on the event loop, which also consumes, decodes and batches), or auto: on when the machine has more than two cores. The thread halves the event loop\'s CPU per record (B = 16: 13–16 against 23–27 µs), which matters where cores are spare; on two cores the work competes with training wherever it runs, and copying the messages cost B = 1 about 7 %.',
    },
  },
  metrics: {
    port: { type: 'integer', min: 0, max: 65535, doc: 'HTTP port for /metrics, /healthz, /readyz (0 = any free port).' },
    host: { type: 'string', nonEmpty: true, doc: 'Address the metrics server listens on (0.0.0.0 = all interfaces).' },
  },
  logLevel: { type: 'enum', values: ['debug', 'info', 'warn', 'error'], doc: 'Log level: debug, info, warn or error.' },
};
