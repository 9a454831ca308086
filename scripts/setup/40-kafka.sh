#!/usr/bin/env bash
# The local Apache Kafka broker: Java 17 (Debian's openjdk-17-jre-headless) and Maven to run and fetch it,
# then the broker jars from Maven Central into .cache/kafka/<version>/libs (a no-op when already cached).
set -euo pipefail
cd "$(dirname "$0")/../.."
need=()
java_major() { java -version 2>&1 | sed -n '1s/.*version "\(1\.\)\{0,1\}\([0-9]*\).*/\2/p'; }
if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ] 2>/dev/null; then need+=(openjdk-17-jre-headless); fi
command -v mvn >/dev/null 2>&1 || need+=(maven)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
echo "java: $(java -version 2>&1 | head -1)"
node scripts/kafka/kafka.js fetch
