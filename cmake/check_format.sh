#!/usr/bin/env bash
# Checks that every C source and header is formatted as .clang-format says.
# Usage: check_format.sh CLANG_FORMAT PROJECT_ROOT. Lists offenders, exit 1.
set -u
clang_format=$1
root=$2
cd "$root" || exit 2
bad=0
while IFS= read -r -d '' f; do
  if ! "$clang_format" --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "format: $f is not clang-formatted (run: clang-format -i $f)"
    bad=1
  fi
done < <(find model sim frontend backend scenarios fuzz reports bench -name '*.[ch]' -print0 2>/dev/null | sort -z)
exit $bad
