import ActivationStore
import Foundation
import Hooks

/// Turns hidden states computed elsewhere (HF transformers, vLLM...) into an activation file with the
/// same schema as `polygraph capture`: a `.npy` array `[n, d]` or `[n, layers, d]` plus a CSV of the
/// texts and labels (`statement,label`, extra columns kept), streamed block by block.
public enum StoreImporter {
    /// What to import and how to describe it.
    public struct Request: Sendable {
        public var arrayPath: String
        public var csvPath: String
        public var outPath: String
        public var modelName: String
        public var architecture: String
        public var modelSHA256: String
        /// Model depth for the `n_layers` attribute; nil derives it from the array.
        public var nLayers: Int?
        /// One hook name per layer slice of the array; nil uses the defaults (see `hookNames`).
        public var hooks: [HookName]?
        /// For a 2-D array without `hooks`: the layer L it came from (`blocks.L.hook_resid_post`).
        public var layer: Int?
        /// The array's layer axis is HF `hidden_states` (embeddings first, final-norm output last).
        public var hfHiddenStates: Bool = false
        public var position: CapturePosition = .last
        public var promptTemplate: String = ""
        public var compression: StoreCompression = .default
        public var overwrite: Bool = false
        /// Rows read and written per step (memory is about rows x layers x d x 4 bytes, twice).
        public var blockRows: Int = 256

        public init(
            arrayPath: String, csvPath: String, outPath: String, modelName: String, architecture: String,
            modelSHA256: String
        ) {
            self.arrayPath = arrayPath
            self.csvPath = csvPath
            self.outPath = outPath
            self.modelName = modelName
            self.architecture = architecture
            self.modelSHA256 = modelSHA256
        }
    }

    /// The result, for the CLI's summary line or `--json`.
    public struct Summary: Codable, Sendable {
        public var path: String
        public var examples: Int
        public var hooks: [HookName]
        public var dModel: Int
        public var seconds: Double
        public var fileBytes: Int
    }

    /// Hook names for a layer axis of `count` slices: given names, HF hidden_states naming
    /// (`hook_embed`, `blocks.{i-1}.hook_resid_post`..., `ln_final.hook_normalized`), or `blocks.{l}.hook_resid_post`.
    public static func hookNames(count: Int, request: Request, twoDimensional: Bool) throws -> [HookName] {
        if let hooks = request.hooks {
            guard hooks.count == count else {
                throw StoreError.invalidArgument(
                    what: "--hooks",
                    detail:
                        "\(hooks.count) names given for an array with \(count) layer slice(s); give one name per slice")
            }
            return hooks
        }
        if twoDimensional {
            guard let layer = request.layer else {
                throw StoreError.invalidArgument(
                    what: "import of a 2-D array",
                    detail:
                        "say which layer it holds with --layer L (stored as blocks.L.hook_resid_post) or name it with --hooks"
                )
            }
            return [HookName.residPost(layer)]
        }
        if request.hfHiddenStates {
            guard count >= 2 else {
                throw StoreError.invalidArgument(
                    what: "--hf-hidden-states", detail: "needs at least 2 slices (embeddings and final norm)")
            }
            return [HookName.embed] + (1..<(count - 1)).map { HookName.residPost($0 - 1) } + [HookName.lnFinal]
        }
        return (0..<count).map { HookName.residPost($0) }
    }

    /// Runs the import. `progress(done, total)` is called after each block.
    public static func run(_ request: Request, progress: ((Int, Int) -> Void)? = nil) throws -> Summary {
        let started = Date()
        let array = try NpyReader(path: request.arrayPath)
        guard array.shape.count == 2 || array.shape.count == 3 else {
            throw StoreError.npy(
                path: request.arrayPath,
                message:
                    "shape \(array.shape) is not [n, d] or [n, layers, d]")
        }
        let table = try CSVReader.read(path: request.csvPath)
        guard table.examples.count == array.rowCount else {
            throw StoreError.invalidArgument(
                what: "import",
                detail:
                    "\(request.csvPath) has \(table.examples.count) rows but \(request.arrayPath) has \(array.rowCount); they must align row by row"
            )
        }
        let slices = array.shape.count == 3 ? array.shape[1] : 1
        let width = array.shape.last ?? 0
        let hooks = try hookNames(count: slices, request: request, twoDimensional: array.shape.count == 2)
        let nLayers = request.nLayers ?? (request.hfHiddenStates ? slices - 1 : slices)
        let header = StoreHeader(
            modelName: request.modelName, modelArchitecture: request.architecture,
            modelSHA256: request.modelSHA256, nLayers: nLayers, dModel: width,
            position: request.position, promptTemplate: request.promptTemplate, hooks: hooks)
        let writer = try ActivationWriter.create(
            path: request.outPath, header: header,
            options: .init(compression: request.compression, overwrite: request.overwrite))
        let source = URL(fileURLWithPath: request.csvPath).deletingPathExtension().lastPathComponent
        let block = max(1, request.blockRows)
        for start in stride(from: 0, to: array.rowCount, by: block) {
            let count = min(block, array.rowCount - start)
            let values = try array.rows(start, count)  // [count, slices, width]
            var batch = ActivationBatch(examples: [], activations: [:])
            for (slice, hook) in hooks.enumerated() {
                var column = [Float]()
                column.reserveCapacity(count * width)
                for row in 0..<count {
                    let base = (row * slices + slice) * width
                    column.append(contentsOf: values[base..<(base + width)])
                }
                batch.activations[hook] = column
            }
            batch.examples = table.examples[start..<(start + count)].map { example in
                var meta = example.meta
                let tokens = meta.removeValue(forKey: "n_tokens").flatMap { Int32($0) } ?? 0
                return ExampleRecord(
                    text: example.text, label: example.label ?? -1, source: source, nTokens: tokens, meta: meta)
            }
            try writer.append(batch)
            progress?(start + count, array.rowCount)
        }
        try writer.close()
        let bytes = (try? FileManager.default.attributesOfItem(atPath: request.outPath)[.size] as? Int) ?? 0
        return Summary(
            path: request.outPath, examples: array.rowCount, hooks: hooks, dModel: width,
            seconds: Date().timeIntervalSince(started), fileBytes: bytes)
    }
}
