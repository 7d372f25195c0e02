#!/usr/bin/env bash
# Enforces DESIGN.md's include rules: which module may include which.
# Usage: check_layering.sh PROJECT_ROOT. Exit 1 with a list of offenders.
set -u
root=${1:-.}
cd "$root" || exit 2
allowed() { # module -> space-separated modules it may include
  case $1 in
    model) echo "model" ;;
    sim) echo "model sim" ;;
    frontend) echo "model sim frontend" ;;
    backend) echo "model sim backend" ;;
    reports) echo "model reports" ;;
    scenarios) echo "model sim frontend backend reports scenarios" ;;
    fuzz) echo "model sim frontend backend scenarios fuzz" ;;
    bench) echo "model sim frontend backend scenarios bench" ;;
  esac
}
bad=0
for mod in model sim frontend backend reports scenarios fuzz bench; do
  [ -d "$mod" ] || continue
  ok=$(allowed "$mod")
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(printf '%s' "$line" | sed -E 's/.*#[[:space:]]*include[[:space:]]+"([^"]+)".*/\1/')
    top=${inc%%/*}
    [ "$top" = "$inc" ] && continue # same-folder include
    case " $ok " in *" $top "*) ;; *)
      echo "layering: $file includes \"$inc\": $mod may include only: $ok"
      bad=1 ;;
    esac
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"' "$mod" --include='*.c' --include='*.h' 2>/dev/null)
done
# The halves reach sim/ only through its bus interface. Their unit tests may
# build a whole world around the half under test.
for mod in frontend backend; do
  [ -d "$mod" ] || continue
  if grep -rnE '#[[:space:]]*include[[:space:]]+"sim/(world|trace|fault|hash)\.h"' "$mod" \
       --include='*.c' --include='*.h' --exclude-dir=tests; then
    echo "layering: $mod may use only sim/'s bus interface (bus.h, sched.h, prng.h, nic.h)"
    bad=1
  fi
done
exit $bad
