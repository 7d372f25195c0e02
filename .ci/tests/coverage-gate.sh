#!/usr/bin/env bash
# coverage-gate.sh ROOT: tests of the coverage report's module table
# (cmake/coverage.py modules) and of the CI gate (.ci/coverage-gate) with
# fake files: every outcome of the gate (pass, each floor, a drop past the
# allowance and one just within it, a rise, --update, bad input) happens
# once. No coverage build is needed.
set -u
root=$1
gate=(python3 "$root/.ci/coverage-gate")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

fail() {
  echo "FAIL: $*"
  failed=1
}

# run NAME WANT_STATUS CMD...: run CMD, keep stdout+stderr in $tmp/out, and
# check the exit status.
run() {
  local name=$1 want=$2
  shift 2
  "$@" >"$tmp/out" 2>&1
  local got=$?
  if [ "$got" -ne "$want" ]; then
    fail "$name: exit $got, want $want"
    sed 's/^/  | /' "$tmp/out"
  fi
}

# expect NAME TEXT: the last run's output contains TEXT.
expect() {
  if ! grep -qF -- "$2" "$tmp/out"; then
    fail "$1: output lacks '$2'"
    sed 's/^/  | /' "$tmp/out"
  fi
}

header=$'module\tlines_covered\tlines_total\tline_pct\tbranches_covered\tbranches_total\tbranch_pct'

# modules FILE LINE...: a modules.tsv with the header and the given lines
# (fields separated by spaces here, tabs in the file).
modules() {
  local f=$1
  shift
  { echo "$header"; for l in "$@"; do echo "$l"; done; } | tr ' ' '\t' >"$f"
}

ratchet() {
  local f=$1
  shift
  { echo "# a test ratchet"; for l in "$@"; do echo "$l"; done; } | tr ' ' '\t' >"$f"
}

# --- cmake/coverage.py: per-file gcovr summary to modules.tsv -----------
cat >"$tmp/files.json" <<'JSON'
{"files": [
 {"filename": "sim/bus.c", "line_covered": 190, "line_total": 200, "branch_covered": 170, "branch_total": 207},
 {"filename": "model/ring.c", "line_covered": 2, "line_total": 3, "branch_covered": 0, "branch_total": 0},
 {"filename": "sim/nic.c", "line_covered": 10, "line_total": 10, "branch_covered": 9, "branch_total": 10},
 {"filename": "reports/text.c", "line_covered": 5, "line_total": 8, "branch_covered": 1, "branch_total": 3},
 {"filename": "backend/dev.c", "line_covered": 1, "line_total": 1, "branch_covered": 1, "branch_total": 1},
 {"filename": "frontend/drv.c", "line_covered": 999, "line_total": 1000, "branch_covered": 5, "branch_total": 6},
 {"filename": "fuzz/fail.c", "line_covered": 0, "line_total": 4, "branch_covered": 0, "branch_total": 2}
]}
JSON
{
  echo "$header"
  printf 'model\t2\t3\t66.66\t0\t0\t100.00\n'
  printf 'sim\t200\t210\t95.23\t179\t217\t82.48\n'
  printf 'frontend\t999\t1000\t99.90\t5\t6\t83.33\n'
  printf 'backend\t1\t1\t100.00\t1\t1\t100.00\n'
  printf 'gated\t1202\t1214\t99.01\t185\t224\t82.58\n'
  printf 'fuzz\t0\t4\t0.00\t0\t2\t0.00\n'
  printf 'reports\t5\t8\t62.50\t1\t3\t33.33\n'
} >"$tmp/want.tsv"
run "coverage.py modules" 0 python3 "$root/cmake/coverage.py" modules "$tmp/files.json"
if ! diff -u "$tmp/want.tsv" "$tmp/out"; then
  fail "coverage.py modules: sums, order or percentages differ"
fi
# The table it writes is one the gate reads (the floors fail, the input is good).
cp "$tmp/out" "$tmp/from-json.tsv"
ratchet "$tmp/r0" "model 0.00 0.00" "sim 0.00 0.00" "frontend 0.00 0.00" "backend 0.00 0.00"
run "gate reads coverage.py's table" 1 "${gate[@]}" --ratchet "$tmp/r0" "$tmp/from-json.tsv"
expect "gate reads coverage.py's table" "model: lines coverage 66.66% is below the floor of 95%"
expect "gate reads coverage.py's table" "sim: branches coverage 82.48% is below the floor of 85%"

# --- the gate ------------------------------------------------------------
# A passing table: model 96.00/87.00, sim 97.00/88.00, frontend 95.00/85.00
# (exactly on both floors), backend 99.00/90.00.
good=("model 960 1000 96.00 870 1000 87.00"
  "sim 970 1000 97.00 880 1000 88.00"
  "frontend 950 1000 95.00 850 1000 85.00"
  "backend 990 1000 99.00 900 1000 90.00"
  "gated 3870 4000 96.75 3500 4000 87.50")
modules "$tmp/good.tsv" "${good[@]}"
ratchet "$tmp/same" "model 96.00 87.00" "sim 97.00 88.00" "frontend 95.00 85.00" "backend 99.00 90.00"

run "pass" 0 "${gate[@]}" --ratchet "$tmp/same" "$tmp/good.tsv"
expect "pass" "coverage-gate: ok"
expect "pass" "frontend lines 95.00% (recorded 95.00%), branches 85.00% (recorded 85.00%)"

# Just below a floor: 949 of 1000 lines, 849 of 1000 branches.
modules "$tmp/low-lines.tsv" "model 960 1000 96.00 870 1000 87.00" \
  "sim 970 1000 97.00 880 1000 88.00" "frontend 949 1000 94.90 850 1000 85.00" \
  "backend 990 1000 99.00 900 1000 90.00"
ratchet "$tmp/low" "model 96.00 87.00" "sim 97.00 88.00" "frontend 95.00 84.00" "backend 99.00 90.00"
run "line floor" 1 "${gate[@]}" --ratchet "$tmp/low" "$tmp/low-lines.tsv"
expect "line floor" "FAIL frontend: lines coverage 94.90% is below the floor of 95%"
modules "$tmp/low-branches.tsv" "model 960 1000 96.00 870 1000 87.00" \
  "sim 970 1000 97.00 880 1000 88.00" "frontend 950 1000 95.00 849 1000 84.90" \
  "backend 990 1000 99.00 900 1000 90.00"
run "branch floor" 1 "${gate[@]}" --ratchet "$tmp/low" "$tmp/low-branches.tsv"
expect "branch floor" "FAIL frontend: branches coverage 84.90% is below the floor of 85%"
# A floor is exact: 94.999...% (18999 of 20000 = 94.995%) fails although
# two decimals would round it to 95.00.
modules "$tmp/hair.tsv" "model 960 1000 96.00 870 1000 87.00" \
  "sim 970 1000 97.00 880 1000 88.00" "frontend 18999 20000 94.99 850 1000 85.00" \
  "backend 990 1000 99.00 900 1000 90.00"
run "floor is exact" 1 "${gate[@]}" --ratchet "$tmp/low" "$tmp/hair.tsv"
expect "floor is exact" "frontend: lines coverage 94.99% is below the floor of 95%"

# A drop of exactly 0.5 point passes; 0.51 fails, naming the recorded figure.
ratchet "$tmp/half" "model 96.50 87.00" "sim 97.00 88.00" "frontend 95.00 85.00" "backend 99.00 90.00"
run "drop 0.5" 0 "${gate[@]}" --ratchet "$tmp/half" "$tmp/good.tsv"
expect "drop 0.5" "coverage-gate: ok"
ratchet "$tmp/drop" "model 96.00 87.00" "sim 97.00 88.51" "frontend 95.00 85.00" "backend 99.00 90.00"
run "drop 0.51" 1 "${gate[@]}" --ratchet "$tmp/drop" "$tmp/good.tsv"
expect "drop 0.51" "FAIL sim: branches coverage 88.00% is 0.51 points below its recorded 88.51% ($tmp/drop:3); at most 0.50 allowed"

# A rise passes and says how to record it; the ratchet is left alone.
ratchet "$tmp/rise" "model 96.00 87.00" "sim 96.20 88.00" "frontend 95.00 85.00" "backend 99.00 89.10"
cp "$tmp/rise" "$tmp/rise.orig"
run "rise" 0 "${gate[@]}" --ratchet "$tmp/rise" "$tmp/good.tsv"
expect "rise" "sim: lines coverage rose to 97.00% from its recorded 96.20%"
expect "rise" "backend: branches coverage rose to 90.00% from its recorded 89.10%"
expect "rise" "--update $tmp/good.tsv"
cmp -s "$tmp/rise" "$tmp/rise.orig" || fail "rise: the ratchet changed without --update"

# --update records what rose and keeps a figure that fell within the
# allowance (model lines 96.00 now, 96.30 recorded), then nothing is left
# to record.
ratchet "$tmp/upd" "model 96.30 87.00" "sim 96.20 88.00" "frontend 95.00 85.00" "backend 99.00 89.10"
run "update" 0 "${gate[@]}" --ratchet "$tmp/upd" --update "$tmp/good.tsv"
expect "update" "recorded the new figures in $tmp/upd"
grep -v '^#' "$tmp/upd" >"$tmp/upd.rows"
printf 'model\t96.30\t87.00\nsim\t97.00\t88.00\nfrontend\t95.00\t85.00\nbackend\t99.00\t90.00\n' >"$tmp/upd.want"
diff -u "$tmp/upd.want" "$tmp/upd.rows" || fail "update: ratchet rows differ"
grep -q '^# .*--update' "$tmp/upd" || fail "update: the ratchet lost its header comment"
run "update again" 0 "${gate[@]}" --ratchet "$tmp/upd" --update "$tmp/good.tsv"
expect "update again" "nothing rose"
# Measured figures are floored when recorded: 2 of 3 is 66.66, never 66.67.
modules "$tmp/third.tsv" "model 960 1000 96.00 870 1000 87.00" \
  "sim 29 30 96.66 880 1000 88.00" "frontend 950 1000 95.00 850 1000 85.00" \
  "backend 990 1000 99.00 900 1000 90.00"
run "update floors" 0 "${gate[@]}" --ratchet "$tmp/upd" --update "$tmp/third.tsv"
grep -q $'^sim\t97.00\t88.00$' "$tmp/upd" || fail "update floors: sim changed though 96.66 < 97.00"
ratchet "$tmp/upd2" "model 96.00 87.00" "sim 96.00 88.00" "frontend 95.00 85.00" "backend 99.00 90.00"
run "update floors 2" 0 "${gate[@]}" --ratchet "$tmp/upd2" --update "$tmp/third.tsv"
grep -q $'^sim\t96.66\t88.00$' "$tmp/upd2" || fail "update floors 2: sim not recorded as 96.66"

# --update records a rise even when the gate fails (it only ever raises a
# figure) and still exits 1; with nothing risen it writes nothing.
ratchet "$tmp/nofail" "model 90.00 87.00" "sim 97.00 88.00" "frontend 95.00 84.00" "backend 99.00 90.00"
run "update when failing" 1 "${gate[@]}" --ratchet "$tmp/nofail" --update "$tmp/low-lines.tsv"
expect "update when failing" "FAIL frontend: lines coverage 94.90% is below the floor of 95%"
expect "update when failing" "recorded the new figures in $tmp/nofail"
grep -v '^#' "$tmp/nofail" >"$tmp/nofail.rows"
printf 'model\t96.00\t87.00\nsim\t97.00\t88.00\nfrontend\t95.00\t85.00\nbackend\t99.00\t90.00\n' \
  >"$tmp/nofail.want"
diff -u "$tmp/nofail.want" "$tmp/nofail.rows" || fail "update when failing: ratchet rows differ"
cp "$tmp/nofail" "$tmp/nofail.orig"
run "update when failing, nothing rose" 1 "${gate[@]}" --ratchet "$tmp/nofail" --update "$tmp/low-lines.tsv"
expect "update when failing, nothing rose" "nothing rose"
cmp -s "$tmp/nofail" "$tmp/nofail.orig" || fail "update when failing, nothing rose: the ratchet changed"

# --- bad input: exit 2, the file and line named -------------------------
run "missing modules" 2 "${gate[@]}" --ratchet "$tmp/same" "$tmp/nope.tsv"
expect "missing modules" "coverage-gate: $tmp/nope.tsv: cannot read: No such file or directory"
run "missing ratchet" 2 "${gate[@]}" --ratchet "$tmp/nope" "$tmp/good.tsv"
expect "missing ratchet" "coverage-gate: $tmp/nope: cannot read"

bad_modules() { # NAME WANT_MESSAGE LINE...: a modules.tsv with these rows fails
  local name=$1 want=$2
  shift 2
  modules "$tmp/bad.tsv" "$@"
  run "$name" 2 "${gate[@]}" --ratchet "$tmp/same" "$tmp/bad.tsv"
  expect "$name" "$want"
}
rest=("sim 970 1000 97.00 880 1000 88.00" "frontend 950 1000 95.00 850 1000 85.00"
  "backend 990 1000 99.00 900 1000 90.00")
bad_modules "short line" "$tmp/bad.tsv:3: want 7 tab-separated fields, got 4" \
  "model 960 1000 96.00 870 1000 87.00" "sim 970 1000 97.00"
bad_modules "not a count" "$tmp/bad.tsv:2: lines counts must be unsigned integers, got '-1' and '1000'" \
  "model -1 1000 96.00 870 1000 87.00" "${rest[@]}"
bad_modules "covered over total" "$tmp/bad.tsv:2: branches covered 1001 is more than the total 1000" \
  "model 960 1000 96.00 1001 1000 100.00" "${rest[@]}"
bad_modules "percentage mismatch" "$tmp/bad.tsv:2: lines percentage 97.00 does not match 960 of 1000 (96.00)" \
  "model 960 1000 97.00 870 1000 87.00" "${rest[@]}"
bad_modules "percentage format" "$tmp/bad.tsv:2: lines percentage '96' is not a number with two decimals" \
  "model 960 1000 96 870 1000 87.00" "${rest[@]}"
bad_modules "no lines" "$tmp/bad.tsv:2: module model has no lines" \
  "model 0 0 100.00 0 0 100.00" "${rest[@]}"
bad_modules "twice" "$tmp/bad.tsv:3: module model appears twice" \
  "model 960 1000 96.00 870 1000 87.00" "model 960 1000 96.00 870 1000 87.00" "${rest[@]}"
bad_modules "gated module missing" "$tmp/bad.tsv: no line for gated module model" "${rest[@]}"
printf 'module\tlines\n' >"$tmp/bad.tsv"
run "bad header" 2 "${gate[@]}" --ratchet "$tmp/same" "$tmp/bad.tsv"
expect "bad header" "$tmp/bad.tsv:1: not a modules.tsv header"

bad_ratchet() { # NAME WANT_MESSAGE LINE...: a ratchet with these rows fails
  local name=$1 want=$2
  shift 2
  ratchet "$tmp/badr" "$@"
  run "$name" 2 "${gate[@]}" --ratchet "$tmp/badr" "$tmp/good.tsv"
  expect "$name" "$want"
}
bad_ratchet "ratchet short line" "$tmp/badr:3: want MODULE<tab>LINE_PCT<tab>BRANCH_PCT, got 2 fields" \
  "model 96.00 87.00" "sim 97.00"
bad_ratchet "ratchet unknown module" "$tmp/badr:2: 'scenarios' is not a gated module" \
  "scenarios 96.00 87.00"
bad_ratchet "ratchet figure" "$tmp/badr:2: branches figure '87.5' is not a percentage with two decimals" \
  "model 96.00 87.5"
bad_ratchet "ratchet over 100" "$tmp/badr:2: lines figure '100.50' is not a percentage with two decimals" \
  "model 100.50 87.00"
bad_ratchet "ratchet twice" "$tmp/badr:3: module model appears twice" "model 96.00 87.00" "model 96.00 87.00"
bad_ratchet "ratchet missing module" "$tmp/badr: no line for gated module backend" \
  "model 96.00 87.00" "sim 97.00 88.00" "frontend 95.00 85.00"

# The committed ratchet is one the gate reads.
run "committed ratchet" 1 "${gate[@]}" --ratchet "$root/.ci/coverage-ratchet.tsv" "$tmp/from-json.tsv"
expect "committed ratchet" "coverage-gate: FAIL model"

if [ "$failed" -ne 0 ]; then
  exit 1
fi
echo "coverage-gate: all cases pass"
