#!/usr/bin/env node
'use strict';
// Runs every compiled test file under dist/test with node's built-in test runner.
// --skip-integration leaves out dist/test/integration (tests that start a real broker or Prometheus).
const { readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

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
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
