#!/usr/bin/env bash
# scenario/errors: viosim's answers to bad input. Usage: errors.sh VIOSIM BAD_DIR
#  - each BAD_DIR/*.bad fixture starts with "# error: <text>": viosim must exit
#    1 and print "<fixture path><text>" (a file:line message);
#  - a missing path, a directory without scenarios, bad options and a missing
#    command exit 2 with a message and the usage on stderr;
#  - --help and --version exit 0.
set -u
viosim=$1
bad=$2
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "errors.sh: $*"; failures=$((failures + 1)); }

# expect_run STATUS PATTERN ARGS...: exit status and a fixed string in stdout+stderr.
expect_run() {
  local want_status=$1 pattern=$2
  shift 2
  "$viosim" "$@" >"$tmp/out" 2>"$tmp/err"
  local status=$?
  if [ "$status" -ne "$want_status" ]; then
    fail "viosim $*: exit $status, want $want_status"
    sed 's/^/  | /' "$tmp/out" "$tmp/err"
    return
  fi
  if ! cat "$tmp/out" "$tmp/err" | grep -qF -- "$pattern"; then
    fail "viosim $*: output lacks: $pattern"
    sed 's/^/  | /' "$tmp/out" "$tmp/err"
  fi
}

# expect_usage ARGS...: exit 2 with the usage text on stderr.
expect_usage() {
  expect_run 2 "usage: viosim run PATH..." "$@"
  if ! grep -qF "usage: viosim run PATH..." "$tmp/err"; then
    fail "viosim $*: usage not on stderr"
  fi
}

count=0
for fixture in "$bad"/*.bad; do
  want=$(sed -n '1s/^# error: //p' "$fixture")
  if [ -z "$want" ]; then
    fail "$fixture: first line is not '# error: ...'"
    continue
  fi
  expect_run 1 "$fixture$want" run "$fixture"
  count=$((count + 1))
done
[ "$count" -ge 8 ] || fail "only $count fixtures in $bad"

# a failing run prints the replay command (with its ring format) and the summary
expect_run 1 "replay: viosim run $bad/failing_expect.bad --seed 1 --ring split" run "$bad/failing_expect.bad"
expect_run 1 "0 passed, 1 failed" run "$bad/failing_expect.bad" --ring split
expect_run 1 "replay: viosim run $bad/failing_expect.bad --seed 42 --ring packed" run "$bad/failing_expect.bad" --seed 42 --ring packed
expect_run 1 "FAIL $bad/failing_expect.bad seed=42 ring=packed hash=" run "$bad/failing_expect.bad" --seed 42 --ring=packed

# a scenario runs on both ring formats unless pinned; --ring skips the other pin
printf 'ring packed\ninit\n' >"$tmp/pinned.vsc"
expect_run 0 "0 passed, 0 failed, 1 skipped" run "$tmp/pinned.vsc" --ring split
expect_run 0 "SKIP $tmp/pinned.vsc ring=packed (its line 1 pins it; --ring leaves it out)" run "$tmp/pinned.vsc" --ring split
printf 'init\n' >"$tmp/both.vsc"
expect_run 0 "PASS $tmp/both.vsc seed=1 ring=split hash=" run "$tmp/both.vsc" --ring split
expect_run 0 "1 passed, 0 failed" run "$tmp/both.vsc" --ring split

# paths
expect_usage run /nonexistent/viosim/scenario.vsc
expect_run 2 "/nonexistent/viosim/scenario.vsc: No such file or directory" run /nonexistent/viosim/scenario.vsc
mkdir "$tmp/empty"
expect_usage run "$tmp/empty"
expect_run 2 "$tmp/empty: no scenario files (*.vsc) in this directory" run "$tmp/empty"

# options
expect_usage run "$bad/failing_expect.bad" --bogus
expect_run 2 "unknown option '--bogus'" run "$bad/failing_expect.bad" --bogus
expect_run 2 "bad seed 'abc'" run "$bad/failing_expect.bad" --seed abc
expect_run 2 "--seed needs a value" run "$bad/failing_expect.bad" --seed
expect_run 2 "bad seed count '0' (1..1000000)" run "$bad/failing_expect.bad" --seeds 0
expect_run 2 "no scenario path given" run --seed 3
expect_usage run "$bad/failing_expect.bad" --ring round
expect_run 2 "bad ring format 'round' (split or packed)" run "$bad/failing_expect.bad" --ring round
expect_run 2 "bad ring format 'both' (split or packed)" run "$bad/failing_expect.bad" --ring=both
expect_run 2 "--ring needs a value" run "$bad/failing_expect.bad" --ring
expect_usage
expect_usage frobnicate
expect_run 2 "unknown command 'frobnicate'" frobnicate
expect_usage --bogus

# help and version
expect_run 0 "usage: viosim run PATH..." --help
expect_run 0 "viosim " --version

if [ "$failures" -ne 0 ]; then
  echo "errors.sh: $failures failure(s)"
  exit 1
fi
echo "errors.sh: all checks passed ($count fixtures)"
