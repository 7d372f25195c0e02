#!/usr/bin/env bash
# report/html: conformance.html renders in headless Chromium without script
# errors. Usage: html.sh VIOSIM SCENARIO_DIR
# The page's script sets document.body.dataset.ready = "1" once it has run:
# the dumped DOM must carry data-ready="1", and Chromium's log (stderr, with
# --enable-logging=stderr --v=0) must hold no "Uncaught" error. Needs Debian's
# chromium; without it the test is skipped (exit 77), except in CI ($CI
# set), where it fails.
set -u
viosim=$1 scenarios=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

chromium=
for candidate in chromium chromium-browser; do
  if command -v "$candidate" >/dev/null 2>&1; then
    chromium=$candidate
    break
  fi
done
if [ -z "$chromium" ]; then
  if [ -n "${CI:-}" ]; then
    echo "html.sh: chromium is required in CI (apt-get install chromium)"
    exit 1
  fi
  echo "html.sh: SKIP: no chromium (apt-get install chromium)"
  exit 77
fi

set -- "$scenarios/negotiation/default-set.vsc" "$scenarios/net/loopback.vsc"
for f in $(ls "$scenarios"/monitor/*/*.vsc 2>/dev/null | head -n 2); do
  set -- "$@" "$f"
done
"$viosim" run "$@" --quiet --report "$tmp/out" >"$tmp/stdout" 2>"$tmp/stderr"
status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ] || [ ! -s "$tmp/out/conformance.html" ]; then
  echo "html.sh: viosim run exited $status without conformance.html"
  cat "$tmp/stdout" "$tmp/stderr"
  exit 1
fi

# Self-contained: no reference to anything outside the file.
if grep -nE '(src|href)=|https?:|@import|url\(' "$tmp/out/conformance.html"; then
  echo "html.sh: conformance.html refers to an external resource"
  exit 1
fi

mkdir "$tmp/profile"
# --disable-dev-shm-usage: containers often have a tiny /dev/shm.
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --no-first-run --disable-sync --disable-dev-shm-usage \
  --user-data-dir="$tmp/profile" \
  --enable-logging=stderr --v=0 --dump-dom "file://$tmp/out/conformance.html" \
  >"$tmp/dom" 2>"$tmp/log"
status=$?
if [ "$status" -ne 0 ]; then
  echo "html.sh: chromium exited $status"
  tail -n 20 "$tmp/log"
  exit 1
fi
if grep -n 'Uncaught' "$tmp/log"; then
  echo "html.sh: script error in conformance.html"
  exit 1
fi
if ! grep -q 'data-ready="1"' "$tmp/dom"; then
  echo "html.sh: the page's script did not run to its end (no data-ready=\"1\" in the DOM)"
  tail -n 20 "$tmp/log"
  exit 1
fi
# The script filled the live count it owns.
if ! grep -qE 'id="f-shown">showing [0-9]+ of [0-9]+ statements<' "$tmp/dom"; then
  echo "html.sh: the statement count was not filled in"
  exit 1
fi
echo "html.sh: conformance.html rendered in $chromium without script errors"
