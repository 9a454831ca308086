import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { experimentCommand } from '../../src/cli/commands/experiment';
import { EXIT_BAD_INPUT } from '../../src/cli/command';
import { memoryIO } from '../support/memory-io';

interface Saved { config: { epochs: number; learningRate: number; lrScaling: string }; results: Array<{ method: { label: string }; seed: number; epochs: Array<{ relBias: number | string }>; best: { validMetric: number } }> }

describe('tbptt-stream experiment --merge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'merge-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const run = async (args: string[]) => {
    const io = memoryIO('');
    const code = await experimentCommand.run(args, io);
    return { code, out: io.out(), err: io.err() };
  };

  it('combines runs of single methods into one report with every method, as one run of both would', async () => {
    for (const m of ['K=10', 'delta=0.5']) {
      const r = await run(['copy', '--quick', '--methods', m, '--out', join(dir, m)]);
      assert.equal(r.code, 0, r.err);
    }
    const merged = join(dir, 'merged');
    const r = await run(['copy', '--quick', '--merge', `${join(dir, 'K=10')},${join(dir, 'delta=0.5')}`, '--out', merged]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trim(), join(merged, 'report.md'));
    assert.doesNotMatch(r.err, /epoch/, 'merging trains nothing');
    const report = readFileSync(join(merged, 'report.md'), 'utf8');
    for (const label of ['K=10', 'δ=0.5']) assert.match(report, new RegExp(`^\\| ${label} \\| 1 \\| \\d`, 'm'), `no table row for ${label}`);
    assert.match(report, /merged from 2 runs/);
    const chart = readFileSync(join(merged, 'valid-vs-epoch.svg'), 'utf8');
    assert.ok(chart.includes('K=10') && chart.includes('δ=0.5'), 'both methods on one plot');
    // Results survive the round trip, non-finite numbers included (fixed K has no δ̂ before its first diagnostic).
    const parts = ['K=10', 'delta=0.5'].map((m) => JSON.parse(readFileSync(join(dir, m, 'results.json'), 'utf8')) as Saved);
    const all = JSON.parse(readFileSync(join(merged, 'results.json'), 'utf8')) as Saved;
    assert.deepEqual(all.results, [...parts[0].results, ...parts[1].results]);
  });

  it('refuses a run twice, another configuration, and a directory without results, saying which', async () => {
    const k10 = join(dir, 'K=10');
    let r = await run(['copy', '--quick', '--merge', `${k10},${k10}`, '--out', join(dir, 'x')]);
    assert.equal(r.code, EXIT_BAD_INPUT);
    assert.match(r.err, /K=10 seed 1 appears twice/);

    const other = join(dir, 'other');
    mkdirSync(other);
    const saved = JSON.parse(readFileSync(join(k10, 'results.json'), 'utf8')) as Saved;
    saved.config.epochs = 99;
    writeFileSync(join(other, 'results.json'), JSON.stringify(saved));
    r = await run(['copy', '--quick', '--merge', other, '--out', join(dir, 'y')]);
    assert.equal(r.code, EXIT_BAD_INPUT);
    assert.match(r.err, /another configuration/);

    // Another learning-rate base and scaling: accepted only for fixed-K runs with the same rate at their K
    // (the copy task's rate is 1.0·√K; unscaled √10 is the same at K = 10, unscaled 1.0 is not).
    const rewrite = (from: string, to: string, learningRate: number) => {
      mkdirSync(join(dir, to));
      const s = JSON.parse(readFileSync(join(dir, from, 'results.json'), 'utf8')) as Saved;
      s.config.learningRate = learningRate;
      s.config.lrScaling = 'none';
      writeFileSync(join(dir, to, 'results.json'), JSON.stringify(s));
    };
    rewrite('K=10', 'same-rate', Math.sqrt(10));
    rewrite('K=10', 'other-rate', 1.0);
    rewrite('delta=0.5', 'adaptive-rate', Math.sqrt(10));
    r = await run(['copy', '--quick', '--merge', `${join(dir, 'same-rate')},${join(dir, 'delta=0.5')}`, '--out', join(dir, 'rates')]);
    assert.equal(r.code, 0, r.err);
    assert.match(readFileSync(join(dir, 'rates', 'report.md'), 'utf8'), /same-rate \(K=10\) was run with learning rate 3\.16\d* and scaling none: the same rate at its K/);
    for (const bad of ['other-rate', 'adaptive-rate']) {
      r = await run(['copy', '--quick', '--merge', join(dir, bad), '--out', join(dir, `x-${bad}`)]);
      assert.equal(r.code, EXIT_BAD_INPUT, bad);
      assert.match(r.err, /another configuration/);
    }

    r = await run(['copy', '--quick', '--merge', join(dir, 'missing'), '--out', join(dir, 'z')]);
    assert.equal(r.code, EXIT_BAD_INPUT);
    assert.match(r.err, /cannot read .*results\.json \(ENOENT\)/);
  });
});
