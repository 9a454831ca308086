#!/usr/bin/env node
'use strict';
// Writes the configuration table (generated from src/config/config-schema.ts) into README.md between
// <!-- config:start --> and <!-- config:end -->. Run through `npm run docs:config`, which builds first.
// With --check, changes nothing and exits 1 when the README is out of date.
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { configDocsBlock, spliceConfigDocs } = require('../dist/src/config/describe-config.js');

const readmePath = join(__dirname, '..', 'README.md');
const before = readFileSync(readmePath, 'utf8');
const after = spliceConfigDocs(before, configDocsBlock());
if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error('README.md configuration table is out of date; run: npm run docs:config');
    process.exit(1);
  }
  console.log('README.md configuration table is up to date');
} else if (after !== before) {
  writeFileSync(readmePath, after);
  console.log('README.md configuration table updated');
} else {
  console.log('README.md configuration table already up to date');
}
