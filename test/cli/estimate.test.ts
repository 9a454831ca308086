import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { CommandIO } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { repoRoot } from '../support/repo-paths';

/** Runs `tbptt-stream <argv>` in-process with `stdin` as input; returns the exit code and captured output. */
async function run(argv: string[], stdin: string): Promise<{ code: number; out: string; err: string }> {
  const sink = (): { stream: Writable; text: () => string } => {
    const chunks: Buffer[] = [];
    return {
      stream: new Writable({ write(c: Buffer, _e, done): void { chunks.push(Buffer.from(c)); done(); } }),
      text: () => Buffer.concat(chunks).toString('utf8'),
    };
  };
  const out = sink();
  const err = sink();
  const io: CommandIO = { stdin: Readable.from([Buffer.from(stdin)]), stdout: out.stream, stderr: err.stream };
  const code = await main(argv, io);
  return { code, out: out.text(), err: err.text() };
}

// The worked example of method.md section 2: W = 100, four columns φ̄_j = 0.9^j, C = cumulative sum, τ = 80.
function workedExample(): Record<string, unknown> {
  const gradNorms: number[][] = [];
  const cumNorms: number[] = [];
  let acc = 0;
  for (let j = 0; j < 100; j++) {
    const v = 0.9 ** j;
    gradNorms.push([v, v, v, v]);
    cumNorms.push((acc += v));
  }
  return { gradNorms, cumNorms, tau: 80, deltas: [0.9, 0.5, 0.1, 0.01], method: 'ols' };
}

interface Response {
  logBeta: number; K: number[]; Kclamped: number[]; logRelBias: (number | null)[]; logAbsBias: (number | null)[];
  logLowerBound: number | null; failure: string | null;
}

describe('tbptt-stream estimate', () => {
  for (const method of ['ols', 'ols-tail', 'max', 'quantile']) {
    it(`prints the worked example's estimates (${method})`, async () => {
      const r = await run(['estimate'], JSON.stringify({ ...workedExample(), method, kMin: 10, kMax: 30 }));
      assert.equal(r.code, 0, r.err);
      const res = JSON.parse(r.out) as Response;
      assert.ok(Math.abs(Math.exp(res.logBeta) - 0.9) < 1e-12);
      assert.deepEqual(res.K, [2, 7, 22, 44]);
      assert.deepEqual(res.Kclamped, [10, 10, 22, 30]);
      assert.equal(res.logRelBias.length, 100);
      assert.equal(res.logAbsBias.length, 100);
      assert.ok(Math.abs(Math.exp(res.logRelBias[6] as number) - 0.478346) < 1e-6);
      assert.ok(Math.abs(Math.exp(res.logAbsBias[0] as number) - 9.00022) < 1e-5);
      assert.ok(Math.abs(Math.exp(res.logLowerBound as number) - 9.99944) < 1e-5);
      assert.equal(res.failure, null);
    });
  }

  it('defaults: method ols, kMin 2, kMax 100; flat norms give null biases and K = W', async () => {
    const w = 20;
    const r = await run(['estimate'], JSON.stringify({
      gradNorms: Array.from({ length: w }, () => [1e20, 1e20]), cumNorms: Array.from({ length: w }, (_, j) => (j + 1) * 1e20),
      tau: 15, deltas: [0.1, 0.5],
    }));
    assert.equal(r.code, 0, r.err);
    const res = JSON.parse(r.out) as Response;
    assert.equal(res.logBeta, 0);
    assert.deepEqual(res.K, [20, 20]);
    assert.deepEqual(res.Kclamped, [20, 20]);
    assert.ok(res.logRelBias.every((v) => v === null));
    assert.ok(res.logAbsBias.every((v) => v === null));
    assert.equal(res.failure, 'beta-ge-1');
  });

  const bad: Array<[string, (req: Record<string, unknown>) => unknown, RegExp]> = [
    ['invalid JSON', () => '{"gradNorms": [', /not valid JSON/],
    ['not an object', () => [1, 2], /one JSON object/],
    ['unknown field', (q) => ({ ...q, delta: 0.1 }), /unknown field "delta"/],
    ['missing gradNorms', (q) => ({ ...q, gradNorms: undefined }), /gradNorms is missing/],
    ['ragged gradNorms', (q) => ({ ...q, gradNorms: (q.gradNorms as number[][]).map((r, j) => (j === 5 ? r.slice(1) : r)) }), /gradNorms is ragged: gradNorms\[5\] has 3 columns/],
    ['gradNorms row not an array', (q) => ({ ...q, gradNorms: (q.gradNorms as unknown[]).map((r, j) => (j === 2 ? 7 : r)) }), /gradNorms\[2\] must be an array/],
    ['non-finite norm', () => null, /gradNorms\[3\]\[1\] must be a finite number ≥ 0, got Infinity/],
    ['negative norm', (q) => ({ ...q, gradNorms: (q.gradNorms as number[][]).map((r, j) => (j === 4 ? [-1, ...r.slice(1)] : r)) }), /gradNorms\[4\]\[0\] must be a finite number ≥ 0, got -1/],
    ['string norm', (q) => ({ ...q, gradNorms: (q.gradNorms as unknown[][]).map((r, j) => (j === 4 ? ['1', ...r.slice(1)] : r)) }), /gradNorms\[4\]\[0\] must be a finite number ≥ 0, got "1"/],
    ['cumNorms too short', (q) => ({ ...q, cumNorms: (q.cumNorms as number[]).slice(1) }), /cumNorms has 99 values but gradNorms has W = 100 lags/],
    ['cumNorms null entry', (q) => ({ ...q, cumNorms: (q.cumNorms as unknown[]).map((v, j) => (j === 9 ? null : v)) }), /cumNorms\[9\] must be a finite number ≥ 0, got null/],
    ['tau ≥ W', (q) => ({ ...q, tau: 100 }), /tau \(100\) must be smaller than the window W \(100\)/],
    ['tau missing', (q) => ({ ...q, tau: undefined }), /tau is missing/],
    ['tau not an integer', (q) => ({ ...q, tau: 80.5 }), /tau must be an integer ≥ 0, got 80\.5/],
    ['tau too close to W for max', (q) => ({ ...q, method: 'max', tau: 99 }), /tau \(99\) must be ≤ W − 2 = 98/],
    ['unknown method', (q) => ({ ...q, method: 'median' }), /method must be one of "ols", "ols-tail", "max", "quantile", got "median"/],
    ['deltas empty', (q) => ({ ...q, deltas: [] }), /deltas must be a non-empty array/],
    ['deltas not an array', (q) => ({ ...q, deltas: 0.1 }), /deltas must be a non-empty array/],
    ['delta ≤ 0', (q) => ({ ...q, deltas: [0.1, 0] }), /deltas\[1\] must be a finite number > 0, got 0/],
    ['delta a string', (q) => ({ ...q, deltas: ['0.1'] }), /deltas\[0\] must be a finite number > 0, got "0.1"/],
    ['kMin > kMax', (q) => ({ ...q, kMin: 50, kMax: 10 }), /kMin \(50\) must be ≤ kMax \(10\)/],
    ['kMax not an integer', (q) => ({ ...q, kMax: 'big' }), /kMax must be an integer ≥ 1, got "big"/],
  ];
  for (const [name, edit, message] of bad) {
    it(`exits 2 naming the problem: ${name}`, async () => {
      const base = workedExample();
      const edited = edit(base);
      // JSON cannot hold Infinity; 1e999 parses to it.
      let text: string;
      if (edited === null) {
        (base.gradNorms as number[][])[3][1] = 12345.678;
        text = JSON.stringify(base).replace('12345.678', '1e999');
      } else {
        text = typeof edited === 'string' ? edited : JSON.stringify(edited);
      }
      const r = await run(['estimate'], text);
      assert.equal(r.code, 2, `exit code (stderr: ${r.err})`);
      assert.equal(r.out, '');
      assert.match(r.err, message);
      assert.match(r.err, /^estimate: /);
    });
  }

  it('rejects arguments and prints usage with --help', async () => {
    const r = await run(['estimate', '--tau', '3'], '{}');
    assert.equal(r.code, 2);
    assert.match(r.err, /takes no arguments/);
    const h = await run(['estimate', '--help'], '');
    assert.equal(h.code, 0);
    assert.match(h.out, /usage: tbptt-stream estimate/);
  });

  it('runs as a real process through bin/tbptt-stream.js', () => {
    const bin = join(repoRoot(), 'bin', 'tbptt-stream.js');
    const ok = spawnSync(process.execPath, [bin, 'estimate'], { input: JSON.stringify(workedExample()), encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual((JSON.parse(ok.stdout) as Response).K, [2, 7, 22, 44]);
    const bad = spawnSync(process.execPath, [bin, 'estimate'], { input: JSON.stringify({ ...workedExample(), tau: 100 }), encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /tau \(100\) must be smaller than the window W/);
  });
});
