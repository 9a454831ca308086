#!/usr/bin/env bash
# Sets up a fresh machine for tbptt-stream: npm packages, Debian packages (PyTorch for reference
# fixtures and benchmarks, Prometheus for the observability tests), the TensorFlow native runtime
# for tfjs-node, and the Apache Kafka broker jars. Safe to run again: each step skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
for step in scripts/setup/[0-9]*.sh; do
  echo "== setup: $(basename "$step")"
  bash "$step"
done
echo "== setup: done"
