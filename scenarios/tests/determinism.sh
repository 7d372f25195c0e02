#!/usr/bin/env bash
# scenario/determinism: DESIGN.md rule 1. Usage: determinism.sh VIOSIM SCENARIO_DIR
# Runs every scenario under SCENARIO_DIR twice with seed 7 and requires the
# two lists of (path, seed, ring format, trace hash) to be identical line by
# line; then
# once with seed 8 and requires a different hash for every scenario that
# moved frames (each frame crosses the wire with a seeded delay, so its trace
# must depend on the seed) and for at least one scenario overall.
set -u
viosim=$1
dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { # run SEED OUT: "path seed ring hash tx rx" per run line
  "$viosim" run "$dir" --seed "$1" >"$tmp/raw.$1.$2" 2>&1
  grep -E '^(PASS|FAIL) ' "$tmp/raw.$1.$2" |
    sed -E 's/^(PASS|FAIL) ([^ ]+) seed=([0-9]+) ring=([a-z]+) hash=([0-9a-f]+) .* frames_sent=([0-9]+) frames_received=([0-9]+).*/\2 \3 \4 \5 \6 \7/' \
      >"$tmp/$2"
}

run 7 a
run 7 b
run 8 c
n=$(wc -l <"$tmp/a")
if [ "$n" -eq 0 ]; then
  echo "determinism.sh: no run lines from viosim run $dir"
  cat "$tmp/raw.7.a"
  exit 1
fi
if ! diff -u "$tmp/a" "$tmp/b"; then
  echo "determinism.sh: two runs with seed 7 differ"
  exit 1
fi
failures=0
differ=0
while read -r path _ ring hash tx rx && read -r path2 _ ring2 hash2 _ _ <&3; do
  if [ "$path $ring" != "$path2 $ring2" ]; then
    echo "determinism.sh: scenario lists differ: $path ring=$ring vs $path2 ring=$ring2"
    exit 1
  fi
  if [ "$hash" != "$hash2" ]; then
    differ=$((differ + 1))
  elif [ "$tx" != 0 ] || [ "$rx" != 0 ]; then
    echo "determinism.sh: $path ring=$ring moved frames but has the same hash $hash with seeds 7 and 8"
    failures=$((failures + 1))
  fi
done <"$tmp/a" 3<"$tmp/c"
if [ "$differ" -eq 0 ]; then
  echo "determinism.sh: no scenario's hash depends on the seed"
  exit 1
fi
if [ "$failures" -ne 0 ]; then
  exit 1
fi
echo "determinism.sh: $n runs identical with seed 7; $differ of them differ with seed 8"
