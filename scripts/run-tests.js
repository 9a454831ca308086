#!/usr/bin/env node
'use strict';
// Runs every compiled test file under dist/test with node's built-in test runner.
// --skip-integration leaves out dist/test/integration (tests that start a real broker or Prometheus).
// Each test file's process exits when its tests end, even if a failed test left a handle open
// (--test-force-exit), and the whole run is stopped after TEST_TIMEOUT_MINUTES (default 60): a hung test
// fails the run instead of holding CI until its own limit.
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
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-force-exit', ...files], { stdio: 'inherit', detached: true });
const forward = (signal) => { try { process.kill(-child.pid, signal); } catch { /* already gone */ } };
process.on('SIGINT', () => forward('SIGINT'));
process.on('SIGTERM', () => forward('SIGTERM'));
let timedOut = false;
const watchdog = setTimeout(() => {
  timedOut = true;
  console.error(`\nrun-tests: the tests did not finish within ${limitMinutes} minutes; stopping them (set TEST_TIMEOUT_MINUTES to change the limit)`);
  forward('SIGTERM');
  setTimeout(() => forward('SIGKILL'), 10_000).unref();
}, limitMinutes * 60_000);
child.on('exit', (code, signal) => {
  clearTimeout(watchdog);
  if (timedOut) {
    console.error(`run-tests: stopped after ${((Date.now() - started) / 60_000).toFixed(1)} minutes; the run failed`);
    process.exit(1);
  }
  process.exit(code ?? (signal ? 1 : 0));
});
