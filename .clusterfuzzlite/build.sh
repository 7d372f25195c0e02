#!/bin/bash -eu
# .clusterfuzzlite/build.sh: builds every viosim fuzz target for
# ClusterFuzzLite or OSS-Fuzz, with the compiler, flags and fuzzing engine
# they pass: $CC and $CFLAGS (sanitizers and coverage instrumentation
# included), $LIB_FUZZING_ENGINE (linked instead of -fsanitize=fuzzer, through
# the CMake cache variable VIOSIM_FUZZ_ENGINE), $SRC (the source is
# $SRC/viosim, see the Dockerfile) and $OUT. $WORK holds the CMake build.
#
# For each target of fuzz/CMakeLists.txt (fuzz/campaign --list) it writes
# $OUT/fuzz_<target> (the libFuzzer binary), $OUT/fuzz_<target>_seed_corpus.zip
# (fuzz/corpus/<target>/) and, where there is one, $OUT/fuzz_<target>.dict.
#
# The sanitizers come from $CFLAGS only (VIOSIM_SANITIZE stays OFF), so that
# the address, undefined, memory and coverage builds each get theirs; and
# warnings are not errors here (VIOSIM_WERROR=OFF), as the base image's clang
# may be newer than the ones the project checks with.
src=$SRC/viosim
build=${WORK:-/tmp}/viosim-build

cmake -S "$src" -B "$build" \
  -DCMAKE_C_COMPILER="$CC" \
  -DCMAKE_BUILD_TYPE= \
  -DCMAKE_C_FLAGS="$CFLAGS" \
  -DVIOSIM_LIBFUZZER=ON \
  -DVIOSIM_SANITIZE=OFF \
  -DVIOSIM_WERROR=OFF \
  -DVIOSIM_FUZZ_ENGINE="$LIB_FUZZING_ENGINE"

targets=$(python3 "$src/fuzz/campaign" --list)
binaries=()
for t in $targets; do
  binaries+=("fuzz_${t}_libfuzzer")
done
cmake --build "$build" -j "$(nproc)" --target "${binaries[@]}"

for t in $targets; do
  cp "$build/fuzz/fuzz_${t}_libfuzzer" "$OUT/fuzz_$t"
  rm -f "$OUT/fuzz_${t}_seed_corpus.zip"
  if [ -d "$src/fuzz/corpus/$t" ] && [ -n "$(ls -A "$src/fuzz/corpus/$t")" ]; then
    (cd "$src/fuzz/corpus/$t" && zip -q -j "$OUT/fuzz_${t}_seed_corpus.zip" ./*)
  fi
  if [ -f "$src/fuzz/$t.dict" ]; then
    cp "$src/fuzz/$t.dict" "$OUT/fuzz_$t.dict"
  fi
done
echo "build.sh: $(wc -w <<<"$targets") targets in $OUT:" $targets
