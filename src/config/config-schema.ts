/**
 * The service configuration: one typed, documented defaults object. Loading (defaults ← file ←
 * environment ← CLI flags), validation and freezing live in load-config.ts. Every key here is documented
 * in the README's configuration table, which is generated from the `doc` strings below.
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
  /** Skip an update whose loss or gradient is not finite, or whose gradient norm exceeds this (0 = no bound). */
  readonly maxGradNorm: number;
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
}

export interface OutputConfig {
  /** Classes reported per softmax prediction. */
  readonly topK: number;
  /** Training windows in flight before partitions are paused (backpressure). */
  readonly maxInFlightWindows: number;
  /** Records buffered (decoded, not yet trained) before partitions are paused. */
  readonly maxBufferedRecords: number;
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
  input: { format: 'json', keyFrom: 'message-key', textUnit: 'char', alphabet: '', maxMessageBytes: 1 << 20 },
  model: {
    cell: 'lstm', layers: 1, inputSize: 0, embedSize: 0, hiddenSize: 64, outputSize: 0,
    head: 'softmax', init: 'paper', seed: 1,
  },
  training: {
    scheme: 'paper', batchStreams: 16, flushAfterMs: 200, optimizer: 'sgd', learningRate: 0.1,
    lrScaling: 'sqrt', momentum: 0, weightDecay: 1e-5, clipNorm: 1, engine: 'auto', maxGradNorm: 0,
  },
  truncation: {
    mode: 'adaptive', k0: 15, delta: 0.1, window: 100, tau: 90, kMin: 2, kMax: 100, method: 'ols',
    repeats: 5, everyWindows: 200, everySeconds: 0, diagnosticStreams: 8,
  },
  state: { historySteps: 200, maxKeys: 100000 },
  checkpoint: { dir: '', everyWindows: 500, everySeconds: 60, keep: 3 },
  output: { topK: 3, maxInFlightWindows: 4, maxBufferedRecords: 50000 },
  metrics: { port: 9464, host: '0.0.0.0' },
  logLevel: 'info',
};
