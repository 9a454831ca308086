import { configSpec, defaultConfig, type AnyKeySpec } from './config-schema';

/** One configuration key, flattened from `configSpec` with its default and the names users write it with. */
export interface ConfigKey {
  /** Dotted path, e.g. `truncation.kMax`, or `logLevel` for a top-level key. */
  readonly path: string;
  /** Section name (`truncation`), or null for a top-level key. */
  readonly section: string | null;
  /** Key name within its section (`kMax`). */
  readonly name: string;
  readonly spec: AnyKeySpec;
  readonly defaultValue: unknown;
  /** Canonical environment variable, e.g. `TBPTT_TRUNCATION_K_MAX` (underscores inside the key are optional). */
  readonly envVar: string;
  /** Command-line flag, e.g. `--truncation.kMax`. */
  readonly flag: string;
}

/** Prefix of every configuration environment variable. */
export const ENV_PREFIX = 'TBPTT_';

/** The environment variable naming the configuration file (like `--config PATH`). */
export const CONFIG_FILE_ENV = 'TBPTT_CONFIG';

/**
 * `TBPTT_*` variables that are not configuration keys and are therefore not reported as unknown:
 * the config file variable and the local-broker scripts' settings (scripts/kafka/).
 */
export const NON_KEY_ENV_VARS: ReadonlySet<string> = new Set([
  CONFIG_FILE_ENV,
  'TBPTT_KAFKA_CACHE',
  'TBPTT_KAFKA_HEAP',
  'TBPTT_KAFKA_MAVEN_REPO',
  'TBPTT_KAFKA_RUN_DIR',
  'TBPTT_KAFKA_VERSION',
]);

/** `sessionTimeoutMs` → `SESSION_TIMEOUT_MS`, `kMax` → `K_MAX`, `k0` → `K0`. */
export function screamingSnake(camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The form env names are matched in: no prefix, no underscores, upper case (`TRUNCATIONKMAX`). */
export function envMatchForm(nameWithoutPrefix: string): string {
  return nameWithoutPrefix.replace(/_/g, '').toUpperCase();
}

function isKeySpec(x: unknown): x is AnyKeySpec {
  return typeof x === 'object' && x !== null && typeof (x as { type?: unknown }).type === 'string';
}

function flatten(): ConfigKey[] {
  const keys: ConfigKey[] = [];
  const defaults = defaultConfig as unknown as Record<string, unknown>;
  for (const [top, entry] of Object.entries(configSpec as unknown as Record<string, unknown>)) {
    if (isKeySpec(entry)) {
      keys.push({ path: top, section: null, name: top, spec: entry, defaultValue: defaults[top], envVar: ENV_PREFIX + screamingSnake(top), flag: `--${top}` });
      continue;
    }
    const sectionDefaults = defaults[top] as Record<string, unknown>;
    for (const [name, spec] of Object.entries(entry as Record<string, AnyKeySpec>)) {
      keys.push({
        path: `${top}.${name}`, section: top, name, spec, defaultValue: sectionDefaults[name],
        envVar: `${ENV_PREFIX}${screamingSnake(top)}_${screamingSnake(name)}`, flag: `--${top}.${name}`,
      });
    }
  }
  return keys;
}

/** Every key, in schema order. */
export const CONFIG_KEYS: readonly ConfigKey[] = Object.freeze(flatten());

/** Section names (keys of ServiceConfig whose values are objects). */
export const CONFIG_SECTIONS: readonly string[] = Object.freeze([...new Set(CONFIG_KEYS.flatMap((k) => (k.section === null ? [] : [k.section])))]);

const byPath = new Map(CONFIG_KEYS.map((k) => [k.path, k]));
const byEnv = new Map<string, ConfigKey>();
for (const k of CONFIG_KEYS) {
  const form = envMatchForm(k.envVar.slice(ENV_PREFIX.length));
  const clash = byEnv.get(form);
  if (clash) throw new Error(`config keys ${clash.path} and ${k.path} have the same environment variable form ${form}`);
  byEnv.set(form, k);
}

/** The key with this dotted path, if any. */
export function keyByPath(path: string): ConfigKey | undefined {
  return byPath.get(path);
}

/** The key an environment variable sets (`TBPTT_TRUNCATION_KMAX` or `TBPTT_TRUNCATION_K_MAX`), if any. */
export function keyByEnvVar(name: string): ConfigKey | undefined {
  if (!name.startsWith(ENV_PREFIX)) return undefined;
  return byEnv.get(envMatchForm(name.slice(ENV_PREFIX.length)));
}
