#!/usr/bin/env bash
# fuzz/campaign-run: a real ten-second campaign on one target, in a libFuzzer
# build (VIOSIM_LIBFUZZER=ON), on a temporary copy of its corpus.
# Usage: campaign_run_test.sh SOURCE_DIR BUILD_DIR [TARGET]
#  - exit 0 (a clean target), the summary table with the target and its
#    execs, summary.txt, one log per step;
#  - the merge only adds: every seed stays, byte for byte, and every new
#    input is named by the first 16 hex digits of its sha1;
#  - the source tree's corpus is not touched.
set -u
src=$1
build=$2
target=${3:-transport}
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "campaign_run_test.sh: $*"; failures=$((failures + 1)); }

mkdir -p "$tmp/corpus"
cp -r "$src/fuzz/corpus/$target" "$tmp/corpus/"
(cd "$src/fuzz/corpus/$target" && sha1sum -- *) >"$tmp/seeds.sha1"
before=$(wc -l <"$tmp/seeds.sha1")

"$src/fuzz/campaign" --time 10 --jobs 2 --no-build --build "$build" --corpus "$tmp/corpus" \
  --out "$tmp/out" --progress 2 "$target" >"$tmp/log" 2>&1
status=$?
[ "$status" -eq 0 ] || fail "exit $status, want 0"

# the summary row: target, time, execs > 0, ..., corpus before -> after
row=$(grep -E "^$target +[0-9]+s +[0-9]+ " "$tmp/log")
[ -n "$row" ] || fail "no summary row for $target"
execs=$(awk '{print $3}' <<<"$row")
[ "${execs:-0}" -gt 0 ] || fail "no executions in: $row"
grep -qE "$target .* $before -> [0-9]+ +0\$" <<<"$row" || fail "corpus or crashes wrong in: $row"
grep -qF "campaign: [0 done, 1 running, 0 pending] $target " "$tmp/log" || fail "no progress line"
grep -qF "no crash, leak or timeout" "$tmp/log" || fail "no verdict line"
[ -s "$tmp/out/summary.txt" ] || fail "no summary.txt"
[ -s "$tmp/out/log/$target.log" ] || fail "no libFuzzer log"

# seeds intact; new files named by content
(cd "$tmp/corpus/$target" && sha1sum -c --quiet "$tmp/seeds.sha1") || fail "a seed changed or went"
after=$(find "$tmp/corpus/$target" -type f | wc -l)
grep -qE "$before -> $after " <<<"$row" || fail "summary says '$row', corpus has $after files"
for f in "$tmp/corpus/$target"/*; do
  name=$(basename "$f")
  grep -qF " $name" "$tmp/seeds.sha1" && continue
  [ "$name" = "$(sha1sum "$f" | cut -c1-16)" ] || fail "new input $name is not named by its sha1"
done
[ "$(cd "$src/fuzz/corpus/$target" && sha1sum -- * | cmp - "$tmp/seeds.sha1" && echo same)" = same ] ||
  fail "the source corpus changed"

if [ "$failures" -ne 0 ]; then
  sed 's/^/  | /' "$tmp/log"
  echo "campaign_run_test.sh: $failures failure(s)"
  exit 1
fi
echo "campaign_run_test.sh: $target: $execs execs, corpus $before -> $after, all checks passed"
