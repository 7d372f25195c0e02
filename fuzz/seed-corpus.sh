#!/usr/bin/env bash
# fuzz/seed-corpus.sh TARGET: (re)writes fuzz/corpus/TARGET/ from the
# project's own inputs. The seeds are small and named by content (sha1), so
# running it again changes nothing unless the inputs changed.
#   scenario_parser: every scenario file and every bad-input case
#   device_ring: the hand-written ring programs of fuzz/device_ring.seeds
#   transport: the hand-written register programs of fuzz/transport.seeds
#   driver_ring: each configuration of fuzz/driver_ring.seeds with each of
#     its op programs
#   net_ctrl: the hand-written device programs of fuzz/net_ctrl.seeds
#   world: the hand-written world programs of fuzz/world.seeds
#   net_driver: the hand-written hostile device programs of
#     fuzz/net_driver.seeds
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
  device_ring | transport)
    mkdir -p "$out"
    sed -e 's/#.*//' -e '/^ *$/d' "fuzz/$target.seeds" | while read -r hex; do
      tmp=$(mktemp)
      printf '%s' "$hex" | xxd -r -p > "$tmp"
      chmod 644 "$tmp"
      mv "$tmp" "$out/$(sha1sum "$tmp" | cut -c1-16)"
    done ;;
  driver_ring)
    # every configuration of fuzz/driver_ring.seeds with every op program;
    # regress-* files (reproducers of fixed findings) are kept
    mkdir -p "$out"
    seeds=$(sed -e 's/#.*//' -e 's/ //g' -e 's/^\(cfg\|ops\)/\1 /' fuzz/driver_ring.seeds)
    for cfg in $(awk '$1 == "cfg" {print $2}' <<<"$seeds"); do
      for ops in $(awk '$1 == "ops" {print $2}' <<<"$seeds"); do
        tmp=$(mktemp)
        printf '%s%s' "$cfg" "$ops" | xxd -r -p > "$tmp"
        chmod 644 "$tmp"
        mv "$tmp" "$out/$(sha1sum "$tmp" | cut -c1-16)"
      done
    done ;;
  net_ctrl)
    # one input per line of fuzz/net_ctrl.seeds (hex; spaces ignored)
    mkdir -p "$out"
    sed -e 's/#.*//' -e 's/ //g' -e '/^$/d' fuzz/net_ctrl.seeds | while read -r hex; do
      tmp=$(mktemp)
      printf '%s' "$hex" | xxd -r -p > "$tmp"
      chmod 644 "$tmp"
      mv "$tmp" "$out/$(sha1sum "$tmp" | cut -c1-16)"
    done ;;
  world | net_driver)
    # one input per line of fuzz/TARGET.seeds (hex; spaces ignored);
    # regress-* files (reproducers of fixed findings) are kept
    mkdir -p "$out"
    sed -e 's/#.*//' -e 's/ //g' -e '/^$/d' "fuzz/$target.seeds" | while read -r hex; do
      tmp=$(mktemp)
      printf '%s' "$hex" | xxd -r -p > "$tmp"
      chmod 644 "$tmp"
      mv "$tmp" "$out/$(sha1sum "$tmp" | cut -c1-16)"
    done ;;
  *) echo "seed-corpus: no seed recipe for '$target'" >&2; exit 2 ;;
esac
echo "$out: $(ls "$out" | wc -l) inputs"
