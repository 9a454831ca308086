import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { experimentCommand } from '../../src/cli/commands/experiment';
import { memoryIO } from '../support/memory-io';

/** The Tiny Shakespeare sample shipped in the package (the first 30 KB of the text). */
const SAMPLE = join(__dirname, '..', '..', '..', 'assets', 'text', 'tiny-shakespeare-sample.txt');

describe('tbptt-stream experiment text --quick (in-process, end to end)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'text-quick-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('trains every method on real text, writes CSVs, plots and a report in bits per character, and beats the uniform guess', async () => {
    const io = memoryIO('');
    const code = await experimentCommand.run(['text', '--file', SAMPLE, '--quick', '--engine', 'ts', '--out', dir], io);
    assert.equal(code, 0, io.err());
    assert.equal(io.out().trim(), join(dir, 'report.md'));
    assert.match(io.err(), /\[run 2\/2\] .* epoch 2\/2 .*ETA/);
    for (const f of ['report.md', 'results.json', 'valid-vs-epoch.svg', 'k-over-time.svg', 'runs/K10-seed1.csv', 'runs/delta0.5-seed1-diagnostics.csv']) {
      assert.ok(existsSync(join(dir, f)), `${f} is missing`);
    }
    const report = readFileSync(join(dir, 'report.md'), 'utf8');
    assert.match(report, /quick profile/);
    assert.match(report, /learning rate γ0·√K/, 'the report says how the rate follows K');
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as {
      results: Array<{ method: { label: string }; best: { validMetric: number } }>;
    };
    const vocabulary = Number(/vocabulary (\d+)/.exec(report)?.[1]);
    assert.ok(vocabulary > 30, `vocabulary ${vocabulary}`);
    assert.deepEqual(results.results.map((r) => r.method.label).sort(), ['K=10', 'δ=0.5']);
    for (const r of results.results) {
      // Bits per character: finite, and below log2(vocabulary), the cost of guessing uniformly.
      assert.ok(Number.isFinite(r.best.validMetric) && r.best.validMetric < Math.log2(vocabulary) - 1,
        `${r.method.label}: valid BPC ${r.best.validMetric} against a uniform ${Math.log2(vocabulary).toFixed(2)}`);
    }
  });
});
