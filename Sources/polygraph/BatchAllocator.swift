/// Allocator tuning for batch commands that allocate and free many multi-megabyte arrays (one layer's activations,
/// their standardised copy, splits) in a loop.
enum BatchAllocator {
    /// By default glibc serves blocks over its mmap threshold with fresh mappings and unmaps them on free, so every
    /// layer's arrays are page-faulted and zeroed by the kernel again (in a 30-layer sweep that was ~40% of the run).
    /// Raising the mmap and trim thresholds keeps freed memory in the heap for the next layer. Process-wide: call it
    /// only from short-lived batch commands (sweep, train, eval), not from `serve`.
    static func keepFreedMemory() {
        #if os(Linux)
            // <malloc.h> is not part of Swift's Glibc module; these are its M_TRIM_THRESHOLD and M_MMAP_THRESHOLD.
            _ = glibcMallopt(-1, 1 << 30)
            _ = glibcMallopt(-3, 512 << 20)
        #endif
    }
}

#if os(Linux)
    @_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
