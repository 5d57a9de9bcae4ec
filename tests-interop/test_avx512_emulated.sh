#!/usr/bin/env bash
# The AVX-512 VNNI kernels checked on any x86-64 CPU: Sources/CKernels is compiled against SIMDe's portable
# intrinsics (Debian libsimde-dev; avx512-emulated/shim.h adds the few it lacks), with the CPU checks forced to
# "AVX-512 VNNI present", and avx512-emulated/driver.c runs every 32-value and K-quant format with an integer
# kernel through the int8, 24-bit-digit, batched, GEMM and packed paths (see driver.c). On a CPU without AVX-512 the
# Swift suites never reach these paths; this does, in a few seconds. Needs a C compiler (clang from the Swift
# toolchain) and libsimde-dev (installed here when missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f /usr/include/simde/x86/avx512.h ]; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsimde-dev >/dev/null 2>&1 \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsimde-dev >/dev/null; }
  else
    if [ -n "${CI:-}" ]; then echo "FAIL: libsimde-dev missing in CI" >&2; exit 1; fi
    echo "skipped: libsimde-dev is not installed (sudo apt-get install libsimde-dev)"; exit 0
  fi
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp Sources/CKernels/*.c Sources/CKernels/*.h Sources/CKernels/include/*.h tests-interop/avx512-emulated/shim.h "$WORK/"
rm "$WORK/sha256_ni.c"  # (SHA-NI, not under test)
# Portable intrinsics instead of the compiler's, no per-function ISA attributes, and every AVX-512 check true.
sed -i 's|#include <immintrin.h>|#include "shim.h"|; /#pragma clang attribute push/d; /#pragma clang attribute pop/d;
        s|__builtin_cpu_supports("avx512[a-z]*")|1|g' "$WORK"/*.c "$WORK"/*.h
# The build's baseline flags (Package.swift): SIMDe then fuses its emulated FMAs as the hardware does (without -mfma
# they are a multiply and an add, two roundings, and the float tile's bits would differ from the FMA chain's).
"${CC:-clang}" -O1 -w -mavx2 -mfma -mf16c -I"$WORK" tests-interop/avx512-emulated/driver.c "$WORK"/*.c -lm -lpthread -o "$WORK/driver"
env -u POLYGRAPH_NO_AVX512 "$WORK/driver"  # (the checks force AVX-512 on; the variable would turn it off again)
