#!/usr/bin/env bash
# Debian packages: python3-torch (PyTorch CPU, reference gradients and benchmarks) with OpenBLAS
# (without it Debian's torch falls back to the reference BLAS, 5-10x slower: an unfair baseline),
# prometheus (with promtool, for the observability tests). Needs root (or sudo) on a machine without them.
set -euo pipefail
need=()
/usr/bin/python3 -c 'import torch' 2>/dev/null || need+=(python3-torch)
dpkg -s libopenblas0-pthread >/dev/null 2>&1 || need+=(libopenblas0-pthread)
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || need+=(prometheus)
if [ ${#need[@]} -eq 0 ]; then echo "debian packages present"; exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
# Debian starts a prometheus service when it can; the tests run their own.
($SUDO systemctl stop prometheus 2>/dev/null || $SUDO service prometheus stop 2>/dev/null || pkill -x prometheus || true) >/dev/null 2>&1
