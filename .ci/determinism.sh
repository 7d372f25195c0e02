#!/usr/bin/env bash
# determinism.sh VIOSIM_A VIOSIM_B DIR: run every scenario in DIR under two
# builds (e.g. gcc -O2 and clang -O0) for three seeds each, on every ring
# format the scenario runs on, and require the same trace hash for every
# scenario, seed and ring format (DESIGN.md rule 1).
set -euo pipefail
a=$1 b=$2 dir=$3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
extract() { # keep "path seed=N ring=R hash=H" of every result line
  grep -E '^(PASS|FAIL) ' |
    sed -E 's/^(PASS|FAIL) +([^ ]+) .*(seed=[0-9]+).*(ring=[a-z]+).*(hash=[0-9a-f]{16}).*/\2 \3 \4 \5/'
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
