#!/usr/bin/env bash
# determinism.sh VIOSIM_A VIOSIM_B DIR: run every scenario in DIR under two
# builds (e.g. gcc -O2 and clang -O0) for three seeds each and require the
# same trace hash for every scenario and seed (DESIGN.md rule 1).
set -euo pipefail
a=$1 b=$2 dir=$3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
extract() { # keep "path seed=N hash=H" of every result line
  grep -E '^(PASS|FAIL) ' | sed -E 's/^(PASS|FAIL) +([^ ]+) .*(seed=[0-9]+).*(hash=[0-9a-f]{16}).*/\2 \3 \4/'
}
"$a" run "$dir" --seed 1 --seeds 3 | extract > "$out/a" || true
"$b" run "$dir" --seed 1 --seeds 3 | extract > "$out/b" || true
n=$(wc -l < "$out/a")
if [ "$n" -eq 0 ]; then
  echo "determinism: no scenario results from $a" >&2
  exit 1
fi
if ! diff -u "$out/a" "$out/b"; then
  echo "determinism: trace hashes differ between $a and $b" >&2
  exit 1
fi
echo "determinism: $n scenario runs, identical trace hashes under both builds"
