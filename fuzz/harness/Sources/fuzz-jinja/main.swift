// libFuzzer driver (the toolchain's -sanitize=fuzzer); the target itself is in Harness.swift.
import FuzzSupport

writeSeeds()
runFuzzer(fuzz)
