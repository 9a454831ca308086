// The main job (`npm start` = `tbptt-stream demo`) as a user runs it: a subprocess that starts the embedded
// broker, produces the NAB demo stream and trains on it; Ctrl-C (SIGINT) stops everything with exit code 0
// and leaves no broker JVM behind. Without Java it says what to install.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'tbptt-stream.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves when `predicate` holds for the output so far; rejects after `ms` or when the process exits. */
function waitForOutput(child: ReturnType<typeof spawn>, output: () => string, predicate: (text: string) => boolean, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error(`timed out after ${ms} ms waiting for ${what}; output:\n${output()}`)); }, ms);
    const check = (): void => { if (predicate(output())) { cleanup(); resolve(); } };
    const exited = (): void => { cleanup(); reject(new Error(`demo exited while waiting for ${what}; output:\n${output()}`)); };
    const cleanup = (): void => { clearTimeout(timer); child.stderr?.off('data', check); child.off('exit', exited); };
    child.stderr?.on('data', check);
    child.once('exit', exited);
    check();
  });
}

describe('tbptt-stream demo', { timeout: 120_000 }, () => {
  it('trains on the demo stream and stops cleanly on Ctrl-C (exit 0, broker gone)', async () => {
    const child = spawn(process.execPath, [BIN, 'demo', '--progress-seconds', '1', '--metrics.port=0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TBPTT_CONFIG: '' }, detached: true });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let brokerPid: number | undefined;
    try {
      await waitForOutput(child, () => out, (t) => /embedded broker at 127\.0\.0\.1:\d+ \(java pid \d+\)/.test(t), 60_000, 'the broker');
      brokerPid = Number(/java pid (\d+)/.exec(out)![1]);
      assert.ok(alive(brokerPid));
      // A progress line reporting trained windows (windows/s > 0) with the consumer lag, on one line.
      await waitForOutput(child, () => out, (t) => /^records\/s \d+ \| windows\/s (?!0\.0 )\d+\.\d .*\| lag \d+ /m.test(t), 60_000, 'a progress line with trained windows');
      assert.match(out, /metrics: http:\/\/127\.0\.0\.1:\S+\/metrics/);
      assert.match(out, /producing nab \(4 keys\) to tbptt-input at 200 records\/s/);
      assert.doesNotMatch(out, /dead letters [1-9]/);
    } finally {
      // Ctrl-C in a terminal: SIGINT to the whole foreground process group (the demo is its group's leader).
      process.kill(-child.pid!, 'SIGINT');
    }
    const { code, signal } = await exit;
    assert.equal(signal, null, out);
    assert.equal(code, 0, out);
    assert.match(out, /producer stopped after \d+ records/);
    assert.match(out, /embedded broker stopped/);
    // The broker outlived the signal: the service could commit its offsets before the broker was stopped.
    assert.doesNotMatch(out, /final commit failed|ECONNREFUSED/);
    assert.ok(brokerPid !== undefined && !alive(brokerPid), `the broker JVM ${brokerPid} is still running`);
  });

  it('without Java says what to install', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-java-'));
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: empty, TBPTT_CONFIG: '' };
    delete env.JAVA_HOME;
    const child = spawn(process.execPath, [BIN, 'demo'], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 1, out);
    assert.match(out, /Java was not found/);
    assert.match(out, /apt-get install openjdk-17/);
  });
});
