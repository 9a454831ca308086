import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** A configuration file's top-level mapping, or why it could not be read. */
export type ConfigFileContent =
  | { readonly ok: true; readonly data: Record<string, unknown> }
  | { readonly ok: false; readonly message: string };

/**
 * Reads a configuration file: JSON when the name ends in .json, otherwise YAML (1.2, which also reads
 * JSON). Duplicate keys are an error. An empty file is an empty mapping. Never throws.
 *
 * @param path absolute path.
 */
export function readConfigFile(path: string): ConfigFileContent {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'is not readable (permission denied)' : (e as Error).message;
    return { ok: false, message: `cannot read the configuration file: it ${why}; check the path given with --config or TBPTT_CONFIG` };
  }
  const json = extname(path).toLowerCase() === '.json';
  let data: unknown;
  try {
    data = json ? JSON.parse(text) : parseYaml(text, { uniqueKeys: true, prettyErrors: true });
  } catch (e) {
    let msg = (e as Error).message.replace(/\s+$/, '');
    const at = json ? /position (\d+)/.exec(msg) : null;
    if (at !== null) {
      const before = text.slice(0, Number(at[1])).split('\n');
      msg += ` (line ${before.length}, column ${before[before.length - 1].length + 1})`;
    }
    return { ok: false, message: `is not valid ${json ? 'JSON' : 'YAML'}: ${msg}` };
  }
  if (data === null || data === undefined) return { ok: true, data: {} };
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, message: `must hold a mapping of sections (e.g. "truncation: {kMax: 50}"), got ${Array.isArray(data) ? 'a list' : `the ${typeof data} ${JSON.stringify(data)}`}` };
  }
  return { ok: true, data: data as Record<string, unknown> };
}
