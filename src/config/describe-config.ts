import type { AnyKeySpec } from './config-schema';
import { CONFIG_FILE_ENV, CONFIG_KEYS } from './config-keys';

/** The README markers between which `npm run docs:config` writes the configuration table. */
export const CONFIG_DOCS_START = '<!-- config:start -->';
export const CONFIG_DOCS_END = '<!-- config:end -->';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string): string => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);

/** The type column: `integer ≥ 1`, enum values, `list (≥ 1 item), each host:port ...`, ... */
function typeText(spec: AnyKeySpec): string {
  switch (spec.type) {
    case 'boolean': return 'boolean';
    case 'integer':
    case 'number': {
      const bounds = [
        spec.min === undefined ? '' : `${spec.minExclusive ? '>' : '≥'} ${spec.min}`,
        spec.max === undefined ? '' : `${spec.maxExclusive ? '<' : '≤'} ${spec.max}`,
      ].filter(Boolean);
      return [spec.type, bounds.join(', ')].filter(Boolean).join(' ');
    }
    case 'string': return spec.pattern ? `string: ${spec.pattern.hint}` : spec.nonEmpty ? 'string, non-empty' : 'string';
    case 'string[]': {
      const count = spec.minItems ? ` (≥ ${spec.minItems} item${spec.minItems === 1 ? '' : 's'})` : '';
      return `list${count}${spec.item ? `, each ${spec.item.hint}` : ' of strings'}`;
    }
    case 'enum': return spec.values.map(code).join(' | ');
  }
}

/** The default column, as a user would write it in YAML. */
function defaultText(v: unknown): string {
  if (Array.isArray(v)) return code(`[${v.join(', ')}]`);
  if (v === '') return code('""');
  return code(String(v));
}

/**
 * The markdown table of every configuration key (key, type and allowed values, default, environment
 * variable, description), generated from `configSpec` and `defaultConfig`.
 */
export function describeConfig(): string {
  const rows = [
    '| Key | Type | Default | Environment | Description |',
    '| --- | --- | --- | --- | --- |',
    ...CONFIG_KEYS.map((k) =>
      `| ${code(k.path)} | ${cell(typeText(k.spec))} | ${cell(defaultText(k.defaultValue))} | ${code(k.envVar)} | ${cell(k.spec.doc)} |`),
  ];
  return rows.join('\n') + '\n';
}

/** The whole generated block written between the README markers (a note on regeneration, then the table). */
export function configDocsBlock(): string {
  return [
    `<!-- generated from src/config/config-schema.ts by \`npm run docs:config\`; do not edit by hand -->`,
    '',
    `The file is given with \`--config PATH\` or \`${CONFIG_FILE_ENV}=PATH\`.`,
    '',
    describeConfig(),
  ].join('\n');
}

/**
 * Replaces what lies between the markers in `readme` by `block`.
 *
 * @throws Error when the markers are missing, repeated or out of order.
 */
export function spliceConfigDocs(readme: string, block: string): string {
  const start = readme.indexOf(CONFIG_DOCS_START);
  const end = readme.indexOf(CONFIG_DOCS_END);
  if (start < 0 || end < 0 || end < start || readme.indexOf(CONFIG_DOCS_START, start + 1) >= 0 || readme.indexOf(CONFIG_DOCS_END, end + 1) >= 0) {
    throw new Error(`README must contain ${CONFIG_DOCS_START} and then ${CONFIG_DOCS_END}, once each`);
  }
  return readme.slice(0, start + CONFIG_DOCS_START.length) + '\n' + block + readme.slice(end);
}

/** The text currently between the markers (for the up-to-date test), or undefined without markers. */
export function currentConfigDocs(readme: string): string | undefined {
  const start = readme.indexOf(CONFIG_DOCS_START);
  const end = readme.indexOf(CONFIG_DOCS_END);
  if (start < 0 || end < start) return undefined;
  return readme.slice(start + CONFIG_DOCS_START.length + 1, end);
}
