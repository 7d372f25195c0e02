#!/usr/bin/env bash
# report/reproduce: saved results make the same report. Usage:
# reproduce.sh VIOSIM SCENARIO_DIR
#  - `viosim report DIR/results.tsv` writes the same five files, byte for
#    byte, as the `viosim run ... --report DIR` that saved it;
#  - the reports of two separate runs, merged with `viosim report A B`, are
#    the report of one run over both scenario lists;
#  - bad input to `viosim report`: exit 2 with a precise message.
set -u
viosim=$1 scenarios=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "reproduce.sh: $*"; failures=$((failures + 1)); }

first=("$scenarios/negotiation/default-set.vsc" "$scenarios/negotiation/rejected-unoffered.vsc")
second=("$scenarios/net/loopback.vsc")
run() { # run OUT PATH...: viosim run with --report, exit 0 or 1 accepted
  local out=$1
  shift
  "$viosim" run "$@" --quiet --report "$out" >"$tmp/stdout" 2>&1
  local status=$?
  if [ "$status" -gt 1 ]; then
    fail "viosim run $* --report $out exited $status"
    cat "$tmp/stdout"
  fi
}

run "$tmp/all" "${first[@]}" "${second[@]}"
"$viosim" report "$tmp/all/results.tsv" --out "$tmp/again" >"$tmp/stdout" 2>&1
status=$?
[ "$status" -le 1 ] || fail "viosim report exited $status: $(cat "$tmp/stdout")"
for f in conformance.md conformance.html conformance.json junit.xml results.tsv; do
  cmp -s "$tmp/all/$f" "$tmp/again/$f" || fail "$f differs between the run and viosim report"
done

run "$tmp/a" "${first[@]}"
run "$tmp/b" "${second[@]}"
"$viosim" report "$tmp/a/results.tsv" --out "$tmp/merged" "$tmp/b/results.tsv" >"$tmp/stdout" 2>&1
[ $? -le 1 ] || fail "viosim report A --out DIR B failed: $(cat "$tmp/stdout")"
cmp -s "$tmp/all/conformance.json" "$tmp/merged/conformance.json" ||
  fail "merged conformance.json differs from the one of a single run"
grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$tmp/stdout" || fail "viosim report prints no summary"

# Bad input: exit 2 and a message naming the problem.
expect() { # expect STATUS TEXT ARGS...
  local want=$1 text=$2
  shift 2
  "$viosim" "$@" >"$tmp/out" 2>"$tmp/err"
  local status=$?
  [ "$status" -eq "$want" ] || fail "viosim $*: exit $status, want $want"
  grep -qF -- "$text" "$tmp/out" "$tmp/err" || fail "viosim $*: no '$text' in: $(cat "$tmp/out" "$tmp/err")"
}
printf 'viosim-results 1\nrun\ta.vsc\t1\tpass\tnormal\t0000000000000001\tnope\n' >"$tmp/bad.tsv"
expect 2 "$tmp/bad.tsv:2: bad feature set 'nope'" report "$tmp/bad.tsv" --out "$tmp/x"
expect 2 "missing.tsv: No such file or directory" report "$tmp/missing.tsv" --out "$tmp/x"
expect 2 "--out DIR is needed" report "$tmp/all/results.tsv"
expect 2 "no results file given" report --out "$tmp/x"
expect 2 "--report needs a directory" run "${second[@]}" --report
touch "$tmp/file"
expect 2 "cannot write the report: $tmp/file" run "${second[@]}" --report "$tmp/file"

if [ "$failures" -ne 0 ]; then
  exit 1
fi
echo "reproduce.sh: viosim report reproduces and merges reports byte for byte"
