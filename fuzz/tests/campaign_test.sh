#!/usr/bin/env bash
# fuzz/campaign-args: fuzz/campaign's answers to its arguments, and its
# `regress` command, on a temporary copy of the script (no libFuzzer needed).
# Usage: campaign_test.sh SOURCE_DIR
#  - --list prints exactly the targets of fuzz/CMakeLists.txt, in order;
#  - bad arguments (unknown target or option, bad time or jobs, a missing
#    file or directory, a build that is not a libFuzzer build) exit 2 with a
#    message and the usage on stderr;
#  - regress copies the input to fuzz/corpus/TARGET/regress-NAME byte for
#    byte, says what to do next, accepts the same input again, refuses to
#    overwrite another one; --scenario (world) writes scenarios/fuzz/NAME.vsc
#    from what fuzz_world_scenario prints, and fails (exit 3) without it.
set -u
src=$1
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "campaign_test.sh: $*"; failures=$((failures + 1)); }

# the copy: the script and the target list, a corpus with one seed per target
root=$tmp/root
mkdir -p "$root/fuzz"
cp "$src/fuzz/campaign" "$src/fuzz/CMakeLists.txt" "$root/fuzz/"
# the world target's --scenario path is tested even before fuzz_world exists
grep -q '^viosim_fuzz_target(world ' "$root/fuzz/CMakeLists.txt" ||
  echo 'viosim_fuzz_target(world scenarios)' >>"$root/fuzz/CMakeLists.txt"
targets=$(sed -n 's/^[[:space:]]*viosim_fuzz_target(\([A-Za-z0-9_]*\).*/\1/p' "$root/fuzz/CMakeLists.txt")
campaign=$root/fuzz/campaign
first=$(head -n 1 <<<"$targets")
mkdir -p "$root/fuzz/corpus/$first"
printf 'seed' >"$root/fuzz/corpus/$first/0123456789abcdef"

# expect_run STATUS PATTERN ARGS...: exit status and a fixed string in stdout+stderr.
expect_run() {
  local want_status=$1 pattern=$2
  shift 2
  "$campaign" "$@" >"$tmp/out" 2>"$tmp/err"
  local status=$?
  if [ "$status" -ne "$want_status" ]; then
    fail "campaign $*: exit $status, want $want_status"
    sed 's/^/  | /' "$tmp/out" "$tmp/err"
    return
  fi
  if ! cat "$tmp/out" "$tmp/err" | grep -qF -- "$pattern"; then
    fail "campaign $*: output lacks: $pattern"
    sed 's/^/  | /' "$tmp/out" "$tmp/err"
  fi
}

# expect_usage PATTERN ARGS...: exit 2, the message and the usage on stderr.
expect_usage() {
  expect_run 2 "$@"
  grep -qF "usage: fuzz/campaign" "$tmp/err" || fail "campaign ${*:2}: usage not on stderr"
}

# --list: every target of fuzz/CMakeLists.txt, nothing else
"$campaign" --list >"$tmp/list" 2>&1 || fail "--list: exit $?"
[ "$(cat "$tmp/list")" = "$targets" ] || fail "--list: got '$(tr '\n' ' ' <"$tmp/list")', want '$(tr '\n' ' ' <<<"$targets")'"
[ "$(wc -l <"$tmp/list")" -ge 5 ] || fail "--list: fewer than 5 targets"
expect_run 0 "fuzz/README.md" --help

# bad arguments, before anything is built or run
nobuild=$tmp/nobuild
mkdir -p "$nobuild"
expect_usage "unknown target 'no_such_target'" no_such_target
expect_usage "unknown target 'no_such_target'" "$first" no_such_target
expect_usage "unknown option '--frobnicate'" --frobnicate
expect_usage "--time 'abc': not a number of seconds" --time abc
expect_usage "--time '-5': not a number of seconds" --time -5
expect_usage "--time 0: must be at least one second" --time 0
expect_usage "--time '10x': not a number of seconds" --time 10x
expect_usage "--time needs a value" --time
expect_usage "--jobs '0': not a positive whole number" --jobs 0
expect_usage "--jobs 'two': not a positive whole number" --jobs two
expect_usage "--timeout 'soon': not a number of seconds" --timeout soon
ntargets=$(wc -l <<<"$targets")
expect_usage "is less than one second for each of the $ntargets targets" --time $((ntargets - 1))
expect_usage "--corpus $tmp/none: no such directory" --corpus "$tmp/none" "$first"
expect_usage "--no-build: not built:" --no-build --build "$nobuild" --time 5 "$first"
printf 'VIOSIM_LIBFUZZER:BOOL=OFF\n' >"$nobuild/CMakeCache.txt"
expect_usage "is not a libFuzzer build" --build "$nobuild" --time 5 "$first" --out "$tmp/o"

# regress: argument errors
input=$tmp/crash-0000000000000000000000000000000000000000
printf 'the input\001\002' >"$input"
expect_usage "regress needs TARGET and FILE" regress
expect_usage "regress needs TARGET and FILE" regress "$first"
expect_usage "unknown target 'no_such_target'" regress no_such_target "$input"
expect_usage "regress: $tmp/missing: no such file" regress "$first" "$tmp/missing"
expect_usage "regress: $tmp: no such file" regress "$first" "$tmp"
expect_usage "--name 'a/b': use letters" regress "$first" "$input" --name a/b
expect_usage "--name '.hidden': use letters" regress "$first" "$input" --name .hidden
expect_usage "--name needs a value" regress "$first" "$input" --name
expect_usage "regress: unknown option '--force'" regress "$first" "$input" --force
expect_usage "--scenario is for the world target only" regress "$first" "$input" --scenario
[ -z "$(find "$root/fuzz/corpus" -name 'regress-*')" ] || fail "a refused regress wrote a file"

# regress: the input lands byte for byte, named after its kind and content
sha=$(sha1sum "$input" | cut -c1-16)
dest=$root/fuzz/corpus/$first/regress-crash-$sha
expect_run 0 "fuzz/corpus/$first/regress-crash-$sha written" regress "$first" "$input"
cmp -s "$input" "$dest" || fail "regress: $dest is not a copy of the input"
grep -qF "build/asan/fuzz/fuzz_$first fuzz/corpus/$first/regress-crash-$sha" "$tmp/out" ||
  fail "regress: no replay command in: $(cat "$tmp/out")"
grep -qF "ctest --test-dir build/asan" "$tmp/out" ||
  fail "regress: no ctest command in: $(cat "$tmp/out")"
[ "$(stat -c %a "$dest")" = 644 ] || fail "regress: $dest mode $(stat -c %a "$dest")"
[ -f "$root/fuzz/corpus/$first/0123456789abcdef" ] || fail "regress: the seed is gone"
expect_run 0 "is already there, unchanged" regress "$first" "$input"

# --name, with or without the regress- prefix; no overwriting another input
expect_run 0 "regress-short-name written" regress "$first" "$input" --name short-name
expect_run 0 "is already there, unchanged" regress "$first" "$input" --name regress-short-name
[ ! -e "$root/fuzz/corpus/$first/regress-regress-short-name" ] || fail "regress: prefix doubled"
other=$tmp/other
printf 'another input' >"$other"
expect_usage "exists with other content: choose another --name" regress "$first" "$other" --name short-name
cmp -s "$input" "$root/fuzz/corpus/$first/regress-short-name" || fail "regress: overwrote an input"
plain_sha=$(sha1sum "$other" | cut -c1-16)
expect_run 0 "regress-$plain_sha written" regress "$first" "$other"

# --scenario: from the program's output, with a header; exit 3 without it
fake=$tmp/fakebuild
mkdir -p "$fake/fuzz"
cat >"$fake/fuzz/fuzz_world_scenario" <<'EOF'
#!/usr/bin/env bash
[ "$#" -eq 1 ] && [ -f "$1" ] || exit 9
echo "seeds 1"
echo "init"
echo "# input of $(wc -c <"$1") bytes"
EOF
chmod +x "$fake/fuzz/fuzz_world_scenario"
vsc=$root/scenarios/fuzz/hang-1.vsc
expect_run 0 "scenarios/fuzz/hang-1.vsc written" regress world "$input" --scenario --name hang-1 --build "$fake"
if [ -f "$vsc" ]; then
  sed -n '1p' "$vsc" | grep -q '^# Regression scenario of the fuzz target world' || fail "--scenario: no header"
  [ "$(sed -n '3,$p' "$vsc")" = "$(printf 'seeds 1\ninit\n# input of 11 bytes')" ] ||
    fail "--scenario: body is not the program's output: $(cat "$vsc")"
fi
[ -z "$(find "$root/fuzz/corpus" -name 'regress-hang-1')" ] || fail "--scenario also wrote a corpus file"
expect_run 3 "fuzz_world_scenario is not built in" regress world "$input" --scenario --build "$nobuild"
printf '#!/bin/sh\necho broken >&2\nexit 1\n' >"$fake/fuzz/fuzz_world_scenario"
expect_run 3 "fuzz_world_scenario failed (status 1)" regress world "$input" --scenario --name hang-2 --build "$fake"
[ ! -e "$root/scenarios/fuzz/hang-2.vsc" ] || fail "--scenario wrote a file from a failed program"

if [ "$failures" -ne 0 ]; then
  echo "campaign_test.sh: $failures failure(s)"
  exit 1
fi
echo "campaign_test.sh: all checks passed"
