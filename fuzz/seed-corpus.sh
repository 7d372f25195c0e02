#!/usr/bin/env bash
# fuzz/seed-corpus.sh TARGET: (re)writes fuzz/corpus/TARGET/ from the
# project's own inputs. The seeds are small and named by content (sha1), so
# running it again changes nothing unless the inputs changed.
#   scenario_parser: every scenario file and every bad-input case
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz/seed-corpus.sh TARGET}
out=fuzz/corpus/$target
case $target in
  scenario_parser)
    mkdir -p "$out"
    find scenarios -name '*.vsc' -o -name '*.bad' | sort | while read -r f; do
      cp "$f" "$out/$(sha1sum "$f" | cut -c1-16)"
    done ;;
  *) echo "seed-corpus: no seed recipe for '$target'" >&2; exit 2 ;;
esac
echo "$out: $(ls "$out" | wc -l) inputs"
