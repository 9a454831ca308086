#!/usr/bin/env bash
# @tensorflow/tfjs-node (the 'tfjs-node' engine). Leaves `require('@tensorflow/tfjs-node')` working.
#
# With internet, `npm ci` (10-npm.sh) already did the normal install: the package's install script
# downloads libtensorflow 2.9.1 and a prebuilt addon from a CDN, and this script only checks that it loads.
# Where that CDN is unreachable, the install script fails, and npm removes the optional dependency
# (and the packages only it needs). This script then:
#   1. puts the package files back without running install scripts (the lock file pins the versions);
#   2. takes the TensorFlow C library and headers from the tensorflow-cpu wheel on PyPI
#      (libtensorflow_cc.so.2 + libtensorflow_framework.so.2 + include/tensorflow/c/...), cached under
#      .cache/tfjs-node/;
#   3. builds the addon from source with node-pre-gyp / node-gyp against them (Node's own headers, so
#      node-gyp downloads nothing).
# TF 2.12.1 is the oldest tensorflow-cpu wheel that ships libtensorflow_cc.so.2 with the C API (2.9–2.11
# put it inside the Python extension module, which needs libpython); its C API is a superset of the
# 2.9.1 one tfjs-node 4.22 was written against. Safe to run again: each step skips what is there.
set -euo pipefail
cd "$(dirname "$0")/../.."

TFJS_NODE_VERSION=4.22.0
TF_WHEEL_VERSION=2.12.1
PKG=node_modules/@tensorflow/tfjs-node
CACHE=.cache/tfjs-node
TF_DIR="$CACHE/tensorflow-cpu-$TF_WHEEL_VERSION"

loads() { TF_CPP_MIN_LOG_LEVEL=2 node -e "require('@tensorflow/tfjs-node')" >/dev/null 2>&1; }
if loads; then echo "tfjs-node loads"; exit 0; fi

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "tfjs-node: no offline build route on $(uname -s)-$(uname -m); the tfjs-node engine is unavailable" >&2
  exit 0
fi

# 1. Package files (npm removed them if the install script failed).
if [ ! -f "$PKG/package.json" ] || [ ! -d node_modules/@mapbox/node-pre-gyp ] || [ ! -d node_modules/@tensorflow/tfjs ]; then
  echo "tfjs-node: restoring package files from the lock file (install scripts skipped)"
  npm install --ignore-scripts --no-save --no-audit --no-fund
fi
installed=$(node -p "require('./$PKG/package.json').version")
if [ "$installed" != "$TFJS_NODE_VERSION" ]; then
  echo "tfjs-node: expected version $TFJS_NODE_VERSION, found $installed (update this script with the lock file)" >&2
  exit 1
fi

# 2. The normal install (prebuilt download) when the CDN answers; offline it fails at once (DNS).
echo "tfjs-node: trying the normal install"
if (cd "$PKG" && timeout 180 node scripts/install.js) >/dev/null 2>&1 && loads; then
  echo "tfjs-node: normal install worked"; exit 0
fi
echo "tfjs-node: normal install unavailable; building the addon from source against tensorflow-cpu $TF_WHEEL_VERSION"

# 3. TensorFlow C library and headers from the PyPI wheel (cached, extracted once).
if [ ! -f "$TF_DIR/.complete" ]; then
  mkdir -p "$CACHE"
  pip=(python3 -m pip)
  "${pip[@]}" --version >/dev/null 2>&1 || pip=(/usr/bin/python3 -m pip)
  "${pip[@]}" download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
    --platform manylinux2014_x86_64 "tensorflow-cpu==$TF_WHEEL_VERSION" -d "$CACHE"
  wheel=$(ls "$CACHE"/tensorflow_cpu-"$TF_WHEEL_VERSION"-*.whl | head -n 1)
  rm -rf "$TF_DIR" && mkdir -p "$TF_DIR"
  unzip -q -o "$wheel" -d "$TF_DIR" \
    'tensorflow/libtensorflow_cc.so.2' 'tensorflow/libtensorflow_framework.so.2' \
    'tensorflow/include/tensorflow/c/*' 'tensorflow/include/tensorflow/core/platform/*' \
    'tensorflow/include/tensorflow/tsl/c/*' 'tensorflow/include/tensorflow/tsl/platform/*'
  rm -f "$wheel"
  touch "$TF_DIR/.complete"
fi

# 4. deps/ as binding.gyp expects it: -ltensorflow -ltensorflow_framework from deps/lib (the addon's
#    rpath), headers from deps/include. libtensorflow.so.2.9.1 is the file install.js checks before
#    it decides to download, so a later `npm rebuild` builds from source too.
rm -rf "$PKG/deps" "$PKG/build" "$PKG/lib"
mkdir -p "$PKG/deps/lib" "$PKG/deps/include"
for f in libtensorflow_cc.so.2 libtensorflow_framework.so.2; do
  cp -l "$TF_DIR/tensorflow/$f" "$PKG/deps/lib/$f" 2>/dev/null || cp "$TF_DIR/tensorflow/$f" "$PKG/deps/lib/$f"
done
ln -s libtensorflow_cc.so.2 "$PKG/deps/lib/libtensorflow.so"
ln -s libtensorflow_cc.so.2 "$PKG/deps/lib/libtensorflow.so.2.9.1"
ln -s libtensorflow_framework.so.2 "$PKG/deps/lib/libtensorflow_framework.so"
cp -r "$TF_DIR/tensorflow/include/tensorflow" "$PKG/deps/include/"

# 5. Build the addon (only the N-API version this Node loads). Node's headers come from its install
#    prefix, so node-gyp downloads nothing.
nodedir=$(node -p "require('path').resolve(process.execPath, '..', '..')")
if [ ! -f "$nodedir/include/node/node_api.h" ]; then
  echo "tfjs-node: Node headers not found under $nodedir/include/node" >&2; exit 1
fi
(cd "$PKG" && npm_config_nodedir="$nodedir" ../../.bin/node-pre-gyp rebuild --build-from-source \
  --build-latest-napi-version-only) > "$CACHE/build.log" 2>&1 \
  || { tail -n 40 "$CACHE/build.log" >&2; echo "tfjs-node: addon build failed (log: $CACHE/build.log)" >&2; exit 1; }

if ! TF_CPP_MIN_LOG_LEVEL=2 node -e "require('@tensorflow/tfjs-node')"; then
  echo "tfjs-node: built, but require('@tensorflow/tfjs-node') fails" >&2; exit 1
fi
echo "tfjs-node: built from source and loads"
