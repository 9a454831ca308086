#!/usr/bin/env bash
# npm packages from the lock file. Optional dependencies (tfjs-node) may fail to install offline;
# 30-tfjs-node.sh builds that one from source when its prebuilt download is unreachable.
set -euo pipefail
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
