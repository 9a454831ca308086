import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CONFIG_KEYS } from '../../src/config/config-keys';
import { defaultConfig } from '../../src/config/config-schema';
import {
  CONFIG_DOCS_END, CONFIG_DOCS_START, configDocsBlock, currentConfigDocs, describeConfig, spliceConfigDocs,
} from '../../src/config/describe-config';
import { repoRoot } from '../support/repo-paths';

/** Splits a markdown table row into its cells, honouring escaped pipes. */
function cells(row: string): string[] {
  return row.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
}

describe('describeConfig', () => {
  const rows = describeConfig().trim().split('\n');

  it('has a header, a separator and one five-column row per key of defaultConfig', () => {
    const leafPaths = Object.entries(defaultConfig).flatMap(([k, v]) =>
      typeof v === 'object' && !Array.isArray(v) ? Object.keys(v).map((n) => `${k}.${n}`) : [k]);
    assert.equal(rows.length, 2 + leafPaths.length);
    assert.deepEqual(cells(rows[0]), ['Key', 'Type', 'Default', 'Environment', 'Description']);
    const keysInTable = rows.slice(2).map((r) => cells(r)[0].replace(/`/g, ''));
    assert.deepEqual(keysInTable, leafPaths);
    for (const r of rows.slice(2)) assert.equal(cells(r).length, 5, r);
  });

  it('shows defaults, allowed values, ranges and env names users can copy', () => {
    const row = (key: string): string[] => cells(rows.find((r) => r.startsWith(`| \`${key}\` `))!);
    assert.deepEqual(row('truncation.kMax').slice(1, 4), ['integer ≥ 1', '`100`', '`TBPTT_TRUNCATION_K_MAX`']);
    assert.deepEqual(row('model.cell').slice(1, 3), ['`lstm` \\| `gru` \\| `rnn`', '`lstm`']);
    assert.deepEqual(row('truncation.delta').slice(1, 3), ['number > 0, < 1', '`0.1`']);
    assert.deepEqual(row('kafka.brokers').slice(2, 4), ['`[embedded]`', '`TBPTT_KAFKA_BROKERS`']);
    assert.deepEqual(row('input.alphabet').slice(2, 3), ['`""`']);
    assert.deepEqual(row('logLevel').slice(2, 4), ['`info`', '`TBPTT_LOG_LEVEL`']);
    for (const k of CONFIG_KEYS) assert.ok(k.spec.doc.length > 10, `${k.path} has a doc string`);
  });
});

describe('spliceConfigDocs', () => {
  it('replaces only what lies between the markers', () => {
    const readme = `# T\nintro\n${CONFIG_DOCS_START}\nold table\n${CONFIG_DOCS_END}\ntail\n`;
    assert.equal(spliceConfigDocs(readme, 'NEW\n'), `# T\nintro\n${CONFIG_DOCS_START}\nNEW\n${CONFIG_DOCS_END}\ntail\n`);
    assert.equal(currentConfigDocs(spliceConfigDocs(readme, 'NEW\n')), 'NEW\n');
  });
  it('refuses a README without markers, or with them repeated or reversed', () => {
    assert.throws(() => spliceConfigDocs('# T\n', 'x'), /must contain/);
    assert.throws(() => spliceConfigDocs(`${CONFIG_DOCS_END}\n${CONFIG_DOCS_START}\n`, 'x'), /must contain/);
    assert.throws(() => spliceConfigDocs(`${CONFIG_DOCS_START}${CONFIG_DOCS_START}${CONFIG_DOCS_END}`, 'x'), /must contain/);
  });
});

describe('README.md configuration table', () => {
  it('is up to date with the schema (run `npm run docs:config` when this fails)', () => {
    const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
    const current = currentConfigDocs(readme);
    assert.notEqual(current, undefined, `README.md lacks the ${CONFIG_DOCS_START} / ${CONFIG_DOCS_END} markers`);
    assert.equal(current, configDocsBlock(), 'README.md configuration table is out of date: run `npm run docs:config`');
  });
});
