import { CONFIG_KEYS, keyByPath, type ConfigKey } from './config-keys';
import { didYouMean } from './did-you-mean';

/** One `--section.key value` setting from the command line, still as text (true for a bare boolean flag). */
export interface FlagSetting {
  readonly key: ConfigKey;
  /** The flag as the user wrote it (without `=value`). */
  readonly flag: string;
  readonly text: string;
}

/** A command-line problem, before any value is checked. */
export interface ArgProblem {
  /** The flag or argument as written. */
  readonly arg: string;
  readonly message: string;
}

/** What `parseConfigArgs` found. */
export interface ConfigArgs {
  /** `--config PATH` / `--config=PATH`, if given. */
  readonly configPath: string | undefined;
  readonly settings: readonly FlagSetting[];
  readonly problems: readonly ArgProblem[];
}

/**
 * Reads configuration flags: `--config PATH`, `--section.key=value`, `--section.key value`, and a bare
 * `--section.key` for a boolean key (true). The value after a space may start with a single dash (`-1`)
 * but not with `--`. Every problem is collected (unknown flags with a suggestion, missing values,
 * positional arguments, a flag given twice).
 */
export function parseConfigArgs(argv: readonly string[]): ConfigArgs {
  const settings: FlagSetting[] = [];
  const problems: ArgProblem[] = [];
  let configPath: string | undefined;
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--') || arg === '--') {
      problems.push({ arg, message: 'unexpected argument; configuration flags look like --section.key=value (e.g. --truncation.kMax=50)' });
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    let text: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const name = flag.slice(2);
    const key = name === 'config' ? undefined : keyByPath(name);
    if (name !== 'config' && key === undefined) {
      problems.push({ arg: flag, message: `unknown flag.${didYouMean(flag, ['--config', ...CONFIG_KEYS.map((k) => k.flag)])} Run "tbptt-stream config --help" for the list of keys` });
      if (text === undefined && i + 1 < argv.length && !argv[i + 1].startsWith('--')) i++;
      continue;
    }
    if (text === undefined) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--') && (key?.spec.type !== 'boolean' || /^(true|false|1|0|yes|no|on|off)$/i.test(next))) {
        text = next;
        i++;
      } else if (key?.spec.type === 'boolean') {
        text = 'true';
      } else {
        const example = name === 'config' ? '--config service.yaml' : `${flag}=${String(key!.defaultValue)}`;
        problems.push({ arg: flag, message: `needs a value, e.g. ${example}` });
        continue;
      }
    }
    if (seen.has(name)) {
      problems.push({ arg: flag, message: 'is given more than once; give it once' });
      continue;
    }
    seen.add(name);
    if (name === 'config') {
      if (text === '') problems.push({ arg: flag, message: 'needs a file path, e.g. --config service.yaml' });
      else configPath = text;
    } else {
      settings.push({ key: key!, flag, text });
    }
  }
  return { configPath, settings, problems };
}
