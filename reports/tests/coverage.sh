#!/usr/bin/env bash
# report/coverage: the "Code coverage" section from the command line. Usage:
# coverage.sh VIOSIM SCENARIO_DIR
#  - `viosim run ... --report DIR --coverage FILE` puts FILE's modules into
#    conformance.md, .html and .json (not junit.xml, not results.tsv);
#  - `viosim report DIR/results.tsv --out DIR2 --coverage FILE` writes the
#    same files, byte for byte; without --coverage there is no section;
#  - a missing or malformed coverage file: exit 2, "file:line: message",
#    and nothing is written (not even the directory); --coverage without
#    --report is bad usage.
set -u
viosim=$1 scenarios=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "coverage.sh: $*"; failures=$((failures + 1)); }

scenario="$scenarios/net/loopback.vsc"
{
  printf 'module\tlines_covered\tlines_total\tline_pct\tbranches_covered\tbranches_total\tbranch_pct\n'
  printf 'model\t1736\t1820\t95.38\t1820\t2239\t81.28\n'
  printf 'sim\t628\t669\t93.87\t558\t669\t83.40\n'
} >"$tmp/modules.tsv"

"$viosim" run "$scenario" --quiet --report "$tmp/run" --coverage "$tmp/modules.tsv" >"$tmp/out" 2>&1
status=$?
[ "$status" -le 1 ] || fail "viosim run --coverage exited $status: $(cat "$tmp/out")"
grep -qF '## Code coverage' "$tmp/run/conformance.md" || fail "conformance.md has no coverage section"
grep -qF '| model | 95.38% (1736 of 1820) | 81.28% (1820 of 2239) |' "$tmp/run/conformance.md" ||
  fail "conformance.md lacks the model row"
grep -qF '| sim | 93.87% (628 of 669) | 83.40% (558 of 669) |' "$tmp/run/conformance.md" ||
  fail "conformance.md lacks the sim row"
grep -qF '<h2 id="coverage">Code coverage</h2>' "$tmp/run/conformance.html" ||
  fail "conformance.html has no coverage section"
grep -qF '{"module": "sim", "lines_covered": 628, "lines_total": 669, "line_pct": 93.87,' \
  "$tmp/run/conformance.json" || fail "conformance.json lacks the sim module"
grep -qi 'coverage' "$tmp/run/junit.xml" "$tmp/run/results.tsv" &&
  fail "junit.xml or results.tsv mention coverage"

"$viosim" report "$tmp/run/results.tsv" --coverage "$tmp/modules.tsv" --out "$tmp/again" >"$tmp/out" 2>&1
[ $? -le 1 ] || fail "viosim report --coverage failed: $(cat "$tmp/out")"
for f in conformance.md conformance.html conformance.json junit.xml results.tsv; do
  cmp -s "$tmp/run/$f" "$tmp/again/$f" || fail "$f differs between the run and viosim report"
done
"$viosim" report "$tmp/run/results.tsv" --out "$tmp/plain" >"$tmp/out" 2>&1
[ $? -le 1 ] || fail "viosim report failed: $(cat "$tmp/out")"
grep -qF 'Code coverage' "$tmp/plain/conformance.md" && fail "a section without --coverage"
grep -qF '"coverage": null' "$tmp/plain/conformance.json" || fail "conformance.json: coverage not null"

# Bad input: exit 2, a message naming file and line, nothing written.
expect() { # expect STATUS TEXT DIR ARGS...: DIR must not exist afterwards
  local want=$1 text=$2 dir=$3
  shift 3
  "$viosim" "$@" >"$tmp/o" 2>"$tmp/e"
  local status=$?
  [ "$status" -eq "$want" ] || fail "viosim $*: exit $status, want $want"
  grep -qF -- "$text" "$tmp/o" "$tmp/e" || fail "viosim $*: no '$text' in: $(cat "$tmp/o" "$tmp/e")"
  [ ! -e "$dir" ] || fail "viosim $*: $dir was written"
  grep -qE '^(PASS|FAIL) ' "$tmp/o" && fail "viosim $*: scenarios ran"
}
sed '3s/93.87/93.88/' "$tmp/modules.tsv" >"$tmp/bad.tsv"
expect 2 "viosim: $tmp/bad.tsv:3: lines percentage '93.88' does not match 628 of 669 (93.87)" \
  "$tmp/x" run "$scenario" --report "$tmp/x" --coverage "$tmp/bad.tsv"
expect 2 "viosim: $tmp/bad.tsv:3: lines percentage" \
  "$tmp/y" report "$tmp/run/results.tsv" --out "$tmp/y" --coverage "$tmp/bad.tsv"
printf 'module\tlines\n' >"$tmp/bad2.tsv"
expect 2 "$tmp/bad2.tsv:1: not a modules.tsv header" \
  "$tmp/x" run "$scenario" --report "$tmp/x" --coverage="$tmp/bad2.tsv"
expect 2 "viosim: $tmp/missing.tsv: No such file or directory" \
  "$tmp/x" run "$scenario" --report "$tmp/x" --coverage "$tmp/missing.tsv"
expect 2 "--coverage needs --report DIR" "$tmp/x" run "$scenario" --coverage "$tmp/modules.tsv"
expect 2 "--coverage needs a file name" "$tmp/x" run "$scenario" --report "$tmp/x" --coverage

if [ "$failures" -ne 0 ]; then
  exit 1
fi
echo "coverage.sh: the coverage section is written from --coverage, and bad files are refused"
