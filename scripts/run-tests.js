#!/usr/bin/env node
'use strict';
// Runs every compiled test file under dist/test with node's built-in test runner.
// --skip-integration leaves out dist/test/integration (tests that start a real broker or Prometheus).
// A hung test fails the run instead of holding CI until its own limit: the run is stopped when the tests
// print nothing for TEST_IDLE_MINUTES (default 10; a test file whose tests have ended but which a failed
// test left with an open handle never exits, and prints nothing), and after TEST_TIMEOUT_MINUTES in all
// (default 60). Not --test-force-exit: with it, node 20's runner drops the last results of some files
// (nodejs/node#64833; seen here as 919 instead of 923 tests, at exit code 0).
const { readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { spawn } = require('node:child_process');

const skipIntegration = process.argv.includes('--skip-integration');
const root = join(__dirname, '..', 'dist', 'test');

function collect(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (skipIntegration && name === 'integration' && dir === root) continue;
      found.push(...collect(path));
    } else if (name.endsWith('.test.js')) {
      found.push(path);
    }
  }
  return found;
}

const files = collect(root);
if (files.length === 0) {
  console.error(`no test files under ${root}; run "npm run build" first`);
  process.exit(1);
}
const limitMinutes = Number(process.env.TEST_TIMEOUT_MINUTES ?? 60);
const started = Date.now();
// Own process group, so that the watchdog stops the runner together with the test files it started.
let timedOut = false;
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: ['inherit', 'pipe', 'pipe'], detached: true });
const idleMinutes = Number(process.env.TEST_IDLE_MINUTES ?? 10);
let lastOutput = '';
let idle;
const stillActive = () => {
  clearTimeout(idle);
  idle = setTimeout(() => {
    timedOut = true;
    console.error(`\nrun-tests: no test output for ${idleMinutes} minutes; a test file hangs (set TEST_IDLE_MINUTES to change the limit). Its last output:\n${lastOutput}`);
    stop();
  }, idleMinutes * 60_000);
};
for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
  from.on('data', (chunk) => {
    to.write(chunk);
    lastOutput = (lastOutput + chunk.toString()).slice(-2000);
    stillActive();
  });
}
stillActive();
const forward = (signal) => { try { process.kill(-child.pid, signal); } catch { /* already gone */ } };
process.on('SIGINT', () => forward('SIGINT'));
process.on('SIGTERM', () => forward('SIGTERM'));
const stop = () => {
  forward('SIGTERM');
  setTimeout(() => forward('SIGKILL'), 10_000).unref();
};
const watchdog = setTimeout(() => {
  timedOut = true;
  console.error(`\nrun-tests: the tests did not finish within ${limitMinutes} minutes; stopping them (set TEST_TIMEOUT_MINUTES to change the limit)`);
  stop();
}, limitMinutes * 60_000);
child.on('exit', (code, signal) => {
  clearTimeout(watchdog);
  clearTimeout(idle);
  if (timedOut) {
    console.error(`run-tests: stopped after ${((Date.now() - started) / 60_000).toFixed(1)} minutes; the run failed`);
    process.exit(1);
  }
  process.exit(code ?? (signal ? 1 : 0));
});
