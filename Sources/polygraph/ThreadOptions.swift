import ArgumentParser
import Inference

/// `--threads`, shared by the commands that run a model.
struct ThreadOptions: ParsableArguments {
    @Option(
        help:
            "Threads for the forward pass (decode pool and OpenBLAS). Default: the available cores (or POLYGRAPH_THREADS)."
    )
    var threads: Int?

    func validate() throws {
        if let threads, !(1...ComputeThreads.maximum).contains(threads) {
            throw ValidationError("--threads must be between 1 and \(ComputeThreads.maximum)")
        }
    }

    /// Applies `--threads` (before the model is loaded).
    func apply() throws {
        if let threads { try ComputeThreads.set(threads) }
    }
}
