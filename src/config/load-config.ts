import { isAbsolute, resolve } from 'node:path';
import { type ConfigOrigin, type ConfigProblem, ConfigError } from '../errors';
import { defaultConfig, type ServiceConfig } from './config-schema';
import { checkConfigValue } from './check-config-value';
import {
  CONFIG_FILE_ENV, CONFIG_KEYS, CONFIG_SECTIONS, ENV_PREFIX, NON_KEY_ENV_VARS, keyByEnvVar, keyByPath, type ConfigKey,
} from './config-keys';
import { crossFieldProblems } from './cross-field-rules';
import { deepFreeze } from './deep-freeze';
import { closestMatch, didYouMean } from './did-you-mean';
import { parseConfigArgs } from './parse-config-args';
import { parseConfigText } from './parse-config-text';
import { readConfigFile } from './read-config-file';

/** Where `loadConfig` reads from. Injected so that tests and commands do not depend on the process. */
export interface ConfigInputs {
  /** Command-line arguments after the command name: `--config PATH`, `--section.key=value`, ... */
  readonly argv: readonly string[];
  /** Environment variables (`TBPTT_CONFIG`, `TBPTT_<SECTION>_<KEY>`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory a relative config file path is resolved against. */
  readonly cwd: string;
}

/** The outcome of resolving a configuration: the merged values, each key's origin, and every problem. */
export interface ResolvedConfig {
  /** Deep-frozen; meaningful only when `problems` is empty. */
  readonly config: ServiceConfig;
  /** Origin of each key's final value, by dotted path. */
  readonly origins: ReadonlyMap<string, ConfigOrigin>;
  /** The configuration file read, if any (absolute path). */
  readonly file: string | undefined;
  readonly problems: readonly ConfigProblem[];
}

/**
 * Loads the service configuration: defaults ← file ← environment ← CLI flags, each value coerced to its
 * key's type, then validated (per key and across keys). The file is `--config PATH` or else `TBPTT_CONFIG`
 * (YAML, or JSON for *.json). Environment variables are `TBPTT_<SECTION>_<KEY>` (e.g.
 * `TBPTT_TRUNCATION_K_MAX`, underscores inside the key optional), flags `--section.key=value`.
 *
 * @returns the deep-frozen configuration.
 * @throws ConfigError listing every problem, each with where the value came from and how to fix it.
 */
export function loadConfig(inputs: ConfigInputs): ServiceConfig {
  const resolved = resolveConfig(inputs);
  if (resolved.problems.length > 0) throw new ConfigError(resolved.problems);
  return resolved.config;
}

/** Like `loadConfig`, but returns the problems and the origin of every value instead of throwing. */
export function resolveConfig({ argv, env, cwd }: ConfigInputs): ResolvedConfig {
  const problems: ConfigProblem[] = [];
  const config = structuredClone(defaultConfig) as unknown as Record<string, Record<string, unknown> | unknown>;
  const origins = new Map<string, ConfigOrigin>(CONFIG_KEYS.map((k) => [k.path, { kind: 'default' }]));
  /** Keys whose latest value was rejected; cross-field rules reading them are skipped. */
  const invalid = new Set<string>();

  const set = (key: ConfigKey, value: unknown, origin: ConfigOrigin): void => {
    const message = checkConfigValue(key.spec, value, key.defaultValue);
    if (message !== null) {
      problems.push({ key: key.path, origin, message });
      invalid.add(key.path);
      return;
    }
    if (key.section === null) config[key.name] = value;
    else (config[key.section] as Record<string, unknown>)[key.name] = value;
    origins.set(key.path, origin);
    invalid.delete(key.path);
  };
  const setText = (key: ConfigKey, text: string, origin: ConfigOrigin): void => {
    const parsed = parseConfigText(key.spec, text);
    if (parsed.ok) set(key, parsed.value, origin);
    else {
      problems.push({ key: key.path, origin, message: parsed.message });
      invalid.add(key.path);
    }
  };

  // --- 1. Command line (parsed first: it may name the file) -------------------------------------------
  const args = parseConfigArgs(argv);
  const flagProblems: ConfigProblem[] = args.problems.map((p) => ({ key: '', origin: { kind: 'flag', flag: p.arg }, message: p.message }));

  // --- 2. File -------------------------------------------------------------------------------------------
  const fileText = args.configPath ?? (env[CONFIG_FILE_ENV] === '' ? undefined : env[CONFIG_FILE_ENV]);
  const file = fileText === undefined ? undefined : isAbsolute(fileText) ? fileText : resolve(cwd, fileText);
  if (file !== undefined) {
    const fileOrigin: ConfigOrigin = { kind: 'file', path: file };
    const content = readConfigFile(file);
    if (!content.ok) problems.push({ key: '', origin: fileOrigin, message: content.message });
    else applyFile(content.data, fileOrigin, set, problems);
  }

  // --- 3. Environment --------------------------------------------------------------------------------------
  const envByKey = new Map<string, string>();
  for (const name of Object.keys(env).sort()) {
    const text = env[name];
    if (!name.startsWith(ENV_PREFIX) || NON_KEY_ENV_VARS.has(name) || text === undefined) continue;
    const origin: ConfigOrigin = { kind: 'env', name };
    const key = keyByEnvVar(name);
    if (key === undefined) {
      const hint = didYouMean(name, CONFIG_KEYS.map((k) => k.envVar));
      problems.push({ key: '', origin, message: `is not a configuration key.${hint} Unset it, or see the README's configuration table for the names` });
      continue;
    }
    const other = envByKey.get(key.path);
    if (other !== undefined) {
      problems.push({ key: key.path, origin, message: `is also set by ${other}; set it once` });
      continue;
    }
    envByKey.set(key.path, name);
    setText(key, text, origin);
  }

  // --- 4. Flags --------------------------------------------------------------------------------------------
  problems.push(...flagProblems);
  for (const s of args.settings) setText(s.key, s.text, { kind: 'flag', flag: s.flag });

  // --- 5. Rules across keys ------------------------------------------------------------------------------
  const typed = config as unknown as ServiceConfig;
  problems.push(...crossFieldProblems(typed, origins, invalid));
  return { config: deepFreeze(typed), origins, file, problems };
}

/** Applies a file's nested mapping; reports unknown sections and keys with suggestions, and non-mapping sections. */
function applyFile(
  data: Record<string, unknown>,
  origin: ConfigOrigin,
  set: (key: ConfigKey, value: unknown, origin: ConfigOrigin) => void,
  problems: ConfigProblem[],
): void {
  const allPaths = CONFIG_KEYS.map((k) => k.path);
  const topNames = [...CONFIG_SECTIONS, ...CONFIG_KEYS.filter((k) => k.section === null).map((k) => k.name)];
  for (const [top, value] of Object.entries(data)) {
    const topKey = keyByPath(top);
    if (topKey !== undefined && topKey.section === null) {
      set(topKey, value, origin);
      continue;
    }
    if (!CONFIG_SECTIONS.includes(top)) {
      // A key placed at the top level instead of in its section, or a misspelt section.
      const moved = CONFIG_KEYS.find((k) => k.name === top);
      const dotted = keyByPath(top);
      const hint = dotted !== undefined
        ? ` Files nest keys in their section: write it as "${dotted.section}: {${dotted.name}: ...}"`
        : moved !== undefined
        ? ` ${top} belongs in the section ${moved.section}: write it as "${moved.section}: {${top}: ...}"`
        : didYouMean(top, topNames);
      problems.push({ key: top, origin, message: `is not a configuration section or key.${hint}` });
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ key: top, origin, message: `must be a mapping of keys (e.g. "${top}: {${CONFIG_KEYS.find((k) => k.section === top)!.name}: ...}"), got ${Array.isArray(value) ? 'a list' : JSON.stringify(value)}` });
      continue;
    }
    for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
      const key = keyByPath(`${top}.${name}`);
      if (key !== undefined) {
        set(key, v, origin);
        continue;
      }
      const sameSection = CONFIG_KEYS.filter((k) => k.section === top).map((k) => k.name);
      const near = closestMatch(name, sameSection);
      const elsewhereName = near === undefined ? closestMatch(name, CONFIG_KEYS.map((k) => k.name)) : undefined;
      const elsewhere = CONFIG_KEYS.find((k) => k.name === elsewhereName);
      const hint = near !== undefined
        ? ` Did you mean ${top}.${near}?`
        : elsewhere !== undefined ? ` Did you mean ${elsewhere.path}?` : didYouMean(`${top}.${name}`, allPaths);
      problems.push({ key: `${top}.${name}`, origin, message: `is not a configuration key.${hint} The keys of ${top} are: ${sameSection.join(', ')}` });
    }
  }
}
