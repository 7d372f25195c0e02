#!/usr/bin/env bash
# determinism.sh VIOSIM_A VIOSIM_B DIR: run every scenario in DIR under two
# builds (e.g. gcc -O2 and clang -O0) for three seeds each, on every ring
# format the scenario runs on, and require the same trace hash for every
# scenario, seed and ring format (DESIGN.md rule 1), and the same reports:
# results.tsv and conformance.json byte for byte (verdict details included).
set -euo pipefail
a=$1 b=$2 dir=$3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
extract() { # keep "path seed=N ring=R hash=H" of every result line
  grep -E '^(PASS|FAIL) ' |
    sed -E 's/^(PASS|FAIL) +([^ ]+) .*(seed=[0-9]+).*(ring=[a-z]+).*(hash=[0-9a-f]{16}).*/\2 \3 \4 \5/'
}
"$a" run "$dir" --seed 1 --seeds 3 --report "$out/report-a" | extract > "$out/a" || true
"$b" run "$dir" --seed 1 --seeds 3 --report "$out/report-b" | extract > "$out/b" || true
n=$(wc -l < "$out/a")
if [ "$n" -eq 0 ]; then
  echo "determinism: no scenario results from $a" >&2
  exit 1
fi
if ! diff -u "$out/a" "$out/b"; then
  echo "determinism: trace hashes differ between $a and $b" >&2
  exit 1
fi
for f in results.tsv conformance.json; do
  if ! cmp "$out/report-a/$f" "$out/report-b/$f"; then
    diff -u "$out/report-a/$f" "$out/report-b/$f" | head -40 >&2 || true
    echo "determinism: $f differs between $a and $b" >&2
    exit 1
  fi
done
echo "determinism: $n scenario runs, identical trace hashes and reports under both builds"
