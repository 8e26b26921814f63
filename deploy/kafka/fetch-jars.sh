#!/usr/bin/env bash
# Ensures the Kafka broker jars are in deploy/kafka/target/lib (or $KAFKA_LIB_DIR) and prints
# that directory. Cheap when cached: the marker records a hash of pom.xml, so a version bump in
# the pom fetches again and a half-finished download (no marker) is retried.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pom="$here/pom.xml"
lib="${KAFKA_LIB_DIR:-$here/target/lib}"
marker="$lib/.fetched"
want="$(sha256sum "$pom" | cut -d' ' -f1)"

if [[ -f "$marker" && "$(cat "$marker")" == "$want" ]]; then
  echo "$lib"
  exit 0
fi

mkdir -p "$lib"
# Two test runs starting at once must not interleave half-copied jars.
exec 9>"$lib/.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
if [[ -f "$marker" && "$(cat "$marker")" == "$want" ]]; then
  echo "$lib"
  exit 0
fi

command -v mvn >/dev/null 2>&1 || { echo "fetch-jars: mvn is not installed (needs Maven 3.8+ and Java 17)" >&2; exit 1; }
echo "fetch-jars: downloading Kafka jars into $lib" >&2
# The class-data archive the test launcher keeps here is only valid for the jars it was made from.
rm -f "$lib"/*.jar "$lib"/*.jsa
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! mvn -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies -DoutputDirectory="$lib" >"$log" 2>&1; then
  tail -n 60 "$log" >&2
  echo "fetch-jars: mvn failed (Maven Central unreachable? see above)" >&2
  exit 1
fi
ls "$lib"/kafka_2.13-*.jar >/dev/null 2>&1 || { echo "fetch-jars: kafka_2.13 jar missing after download" >&2; exit 1; }
echo "$want" > "$marker"
echo "$lib"
