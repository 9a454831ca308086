import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { experimentCommand } from '../../src/cli/commands/experiment';
import { EXIT_BAD_INPUT } from '../../src/cli/command';
import { memoryIO } from '../support/memory-io';

/** Parses a CSV written by the experiment (no quoted commas in these files). */
function readCsv(path: string): Array<Record<string, string>> {
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n').map((l) => l.split(','));
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

describe('tbptt-stream experiment copy --quick (in-process, end to end)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'copy-quick-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('trains every method, writes CSVs, plots and a report, and learns well below the uniform guess', async () => {
    const io = memoryIO('');
    const code = await experimentCommand.run(['copy', '--quick', '--out', dir], io);
    assert.equal(code, 0, io.err());
    assert.equal(io.out().trim(), join(dir, 'report.md'));
    assert.match(io.err(), /\[run 2\/2\] .* epoch 3\/3 .*ETA/);

    for (const f of ['report.md', 'results.json', 'valid-vs-epoch.svg', 'valid-vs-seconds.svg', 'k-over-time.svg',
      'bias-over-time.svg', 'runs/K10-seed1.csv', 'runs/delta0.5-seed1.csv', 'runs/delta0.5-seed1-diagnostics.csv']) {
      assert.ok(existsSync(join(dir, f)), `${f} is missing`);
    }
    const report = readFileSync(join(dir, 'report.md'), 'utf8');
    for (const label of ['K=10', 'δ=0.5']) assert.match(report, new RegExp(`^\\| ${label} \\| 1 \\| \\d`, 'm'), `no table row for ${label}`);
    assert.match(report, /quick profile/);
    assert.match(report, /epochs: 3/);

    const epochs = readCsv(join(dir, 'runs/delta0.5-seed1.csv'));
    assert.deepEqual(epochs.map((r) => Number(r.epoch)), [0, 1, 2, 3]);
    for (const r of epochs.slice(1)) {
      assert.ok(Number(r.k) >= 2 && Number(r.k) <= 100, `K ${r.k}`);
      // The first diagnostic comes after 1.25 epochs at K0 (as the reference): no δ̂ before it.
      if (Number(r.epoch) >= 2) assert.ok(Number(r.rel_bias) > 0, `δ̂ ${r.rel_bias} at epoch ${r.epoch}`);
      else assert.ok(Number.isNaN(Number(r.rel_bias)) || r.rel_bias === '', `no δ̂ before the first diagnostic, got ${r.rel_bias}`);
      assert.ok(Number(r.train_seconds) > 0 && Number(r.total_seconds) >= Number(r.train_seconds));
    }
    const diags = readCsv(join(dir, 'runs/delta0.5-seed1-diagnostics.csv'));
    assert.ok(diags.length >= 2, `${diags.length} diagnostics`);
    for (const d of diags) {
      assert.ok(Number.isInteger(Number(d.k)) && Number.isFinite(Number(d.log_beta)));
      // The adaptive run applies the estimator's K: the K in force is its K̂ clamped to [2, 100] (R = 1).
      assert.equal(Number(d.k), Math.min(100, Math.max(2, Number(d.k_hat))));
    }
    assert.equal(readCsv(join(dir, 'runs/K10-seed1-diagnostics.csv')).every((d) => d.k === '10'), true, 'fixed K stays');

    // Learning check: the uniform guess over 6 symbols has perplexity 6; a model that learned the blank
    // phase and the marker statistics is far below.
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { results: Array<{ best: { validMetric: number } }> };
    const bestValid = Math.min(...results.results.map((r) => r.best.validMetric));
    assert.ok(bestValid < 3, `best validation perplexity ${bestValid} is not clearly below 6`);
    assert.ok(Math.abs(Number(epochs[0].valid_metric) - 6) < 0.5, 'before training the model is close to the uniform guess');
  });

  it('rejects bad arguments with exit code 2 and a message naming the problem', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['nope'], /unknown experiment "nope"/],
      [['copy', '--seeds', '0'], /--seeds must be a positive integer/],
      [['copy', '--epochs'], /--epochs needs a value/],
      [['copy', '--engine', 'gpu'], /--engine must be one of/],
      [['copy', '--bogus'], /unknown option "--bogus"/],
      [['text'], /needs --file/],
      [['text', '--file', join(dir, 'missing.txt'), '--quick'], /ENOENT|no such file/],
    ];
    for (const [args, message] of cases) {
      const io = memoryIO('');
      assert.equal(await experimentCommand.run(args, io), EXIT_BAD_INPUT, args.join(' '));
      assert.match(io.err(), message);
    }
  });
});
