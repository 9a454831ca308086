/** Parsed flags shared by `tbptt-stream produce` and `tbptt-stream demo`. */
export interface ProduceArgs {
  /** copy, text, nab or a file path. */
  readonly dataset: string | undefined;
  readonly topic: string | undefined;
  /** host:port list or ["embedded"]. */
  readonly brokers: readonly string[] | undefined;
  /** Messages per second; undefined with maxRate. */
  readonly rate: number | undefined;
  readonly maxRate: boolean;
  readonly keys: number | undefined;
  readonly limit: number | undefined;
  readonly loop: boolean;
  readonly help: boolean;
  /** Arguments that are not produce flags, in order (the demo passes them on as configuration flags). */
  readonly rest: readonly string[];
}

const VALUE_FLAGS = ['--dataset', '--topic', '--brokers', '--rate', '--keys', '--limit'] as const;

/**
 * Reads produce flags (`--flag value` or `--flag=value`); other arguments are returned in `rest`.
 * @throws Error with a message naming the flag when a value is missing or malformed.
 */
export function parseProduceArgs(args: readonly string[]): ProduceArgs {
  const values = new Map<string, string>();
  const rest: string[] = [];
  let maxRate = false;
  let loop = false;
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const flag = eq >= 0 ? a.slice(0, eq) : a;
    if ((VALUE_FLAGS as readonly string[]).includes(flag)) {
      const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined || v === '' || (eq < 0 && v.startsWith('--'))) throw new Error(`${flag} needs a value`);
      if (values.has(flag)) throw new Error(`${flag} is given twice`);
      values.set(flag, v);
    } else if (a === '--max-rate') maxRate = true;
    else if (a === '--loop') loop = true;
    else if (a === '--help' || a === '-h') help = true;
    else rest.push(a);
  }
  const int = (flag: string): number | undefined => {
    const v = values.get(flag);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got ${JSON.stringify(v)}`);
    return n;
  };
  let rate: number | undefined;
  const rateText = values.get('--rate');
  if (rateText !== undefined) {
    rate = Number(rateText.replace(/\/s$/, ''));
    if (!Number.isFinite(rate) || rate <= 0) throw new Error(`--rate must be a positive number of records per second (e.g. 200 or 200/s), got ${JSON.stringify(rateText)}`);
    if (maxRate) throw new Error('--rate and --max-rate exclude each other');
  }
  const brokers = values.get('--brokers')?.split(',').map((b) => b.trim()).filter((b) => b !== '');
  if (brokers !== undefined && (brokers.length === 0 || (brokers.includes('embedded') && brokers.length > 1) || brokers.some((b) => b !== 'embedded' && !/^[^:\s]+:\d+$/.test(b)))) {
    throw new Error(`--brokers must be host:port[,host:port...] or embedded, got ${JSON.stringify(values.get('--brokers'))}`);
  }
  return {
    dataset: values.get('--dataset'), topic: values.get('--topic'), brokers, rate, maxRate,
    keys: int('--keys'), limit: int('--limit'), loop, help, rest,
  };
}
