/** Log levels, least to most severe. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Extra structured fields of one log line (must be JSON-serialisable; Errors are expanded). */
export type LogFields = Readonly<Record<string, unknown>>;

/** A small levelled logger writing one line per event. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. `{ component: 'source' }`). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Lines below this level are dropped. */
  readonly level: LogLevel;
  /** json: one JSON object per line ({time, level, msg, ...fields}); pretty: `time LEVEL msg key=value`. */
  readonly format?: 'json' | 'pretty';
  /** Where lines go (e.g. process.stderr). */
  readonly stream: { write(chunk: string): unknown };
  /** Wall clock in milliseconds (default Date.now). */
  readonly now?: () => number;
}

/** Creates a logger. No dependencies; writes synchronously to the injected stream. */
export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level);
  if (threshold < 0) throw new RangeError(`unknown log level ${String(options.level)}; use one of ${LOG_LEVELS.join(', ')}`);
  const now = options.now ?? Date.now;
  const write = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const all = { ...bound, ...fields };
    const time = new Date(now()).toISOString();
    options.stream.write(options.format === 'pretty'
      ? `${time} ${level.toUpperCase().padEnd(5)} ${message}${prettyFields(all)}\n`
      : `${JSON.stringify({ time, level, msg: message, ...all }, replacer)}\n`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

function prettyFields(fields: LogFields): string {
  return Object.entries(fields)
    .map(([k, v]) => ` ${k}=${typeof v === 'string' ? (/[\s"=]/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v, replacer)}`)
    .join('');
}
