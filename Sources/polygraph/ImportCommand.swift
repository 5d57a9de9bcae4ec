import ActivationStore
import ArgumentParser
import Capture
import Foundation
import Hooks

/// `polygraph import`: hidden states from another engine (.npy) + a CSV of texts and labels → activation file.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract:
            "Turn hidden states computed elsewhere (.npy [n,d] or [n,layers,d]) and a CSV of texts and labels into an activation file.",
        discussion: """
            The CSV needs a header with `statement,label` (label 1/0/true/false); other columns are kept under
            /examples/meta, and an `n_tokens` column, if present, fills /examples/n_tokens. Rows of the CSV and
            of the array must correspond one to one. Example:
              polygraph import --array hs.npy --csv cities.csv --out cities.h5 \\
                --model-name SmolLM2-135M-Instruct --model-sha256 <sha> --hf-hidden-states
            """)

    @Option(help: "The .npy array (<f4, <f8 or <f2, C order), shape [n, d] or [n, layers, d].")
    var array: String
    @Option(help: "CSV of the same n rows: statement,label[,other columns].")
    var csv: String
    @Option(help: "Output activation file (.h5).")
    var out: String
    @Option(help: "Model name stored in the file (e.g. SmolLM2-135M-Instruct).")
    var modelName: String
    @Option(help: "sha256 of the model's weights file (probes refuse activations of another model).")
    var modelSha256: String
    @Option(help: "Model architecture (llama, qwen2, gemma3...).")
    var modelArchitecture: String = "unknown"
    @Option(help: "Model depth for the n_layers attribute (default: from the array).")
    var nLayers: Int?
    @Option(help: "Comma-separated hook names, one per layer slice (default blocks.{l}.hook_resid_post).")
    var hooks: String?
    @Option(help: "For a 2-D array: the layer it was taken from.")
    var layer: Int?
    @Flag(help: "The layer axis is HF hidden_states: embeddings, then each block, the last after the final norm.")
    var hfHiddenStates = false
    @Option(help: "Position the states were taken at: last, mean, answer.")
    var position: CapturePosition = .last
    @Option(help: "How texts were wrapped before the forward pass (\"\" = raw).")
    var promptTemplate: String = ""
    @Option(help: "none or gzip-N (shuffle + deflate level N).")
    var compression: String = "gzip-1"
    @Flag(help: "Replace the output file if it exists.")
    var overwrite = false
    @Flag(help: "Print the summary as JSON on stdout.")
    var json = false

    func validate() throws {
        if let nLayers, !(1...100_000).contains(nLayers) {
            throw ValidationError("--n-layers must be 1...100000 (got \(nLayers))")
        }
        if let layer, layer < 0 { throw ValidationError("--layer must be 0 or more (got \(layer))") }
        if position == .all {
            throw ValidationError(
                "--position must be last, mean or answer (all needs token offsets, which import does not take)")
        }
    }

    func run() throws {
        var request = StoreImporter.Request(
            arrayPath: array, csvPath: csv, outPath: out, modelName: modelName,
            architecture: modelArchitecture, modelSHA256: modelSha256)
        request.nLayers = nLayers
        request.hooks = try hooks?.split(separator: ",").map {
            try HookName(parsing: $0.trimmingCharacters(in: .whitespaces))
        }
        request.layer = layer
        request.hfHiddenStates = hfHiddenStates
        request.position = position
        request.promptTemplate = promptTemplate
        request.compression = try StoreCompression(parsing: compression)
        request.overwrite = overwrite
        let progress = ProgressLine(label: "import", unit: "rows")
        let summary = try StoreImporter.run(request) { done, total in progress.update(done: done, total: total) }
        progress.update(done: summary.examples, total: summary.examples, force: true)
        progress.finish()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(
                String(
                    format: "imported %d examples x %d hooks (d=%d) into %@ in %.1f s (%.1f MB)", summary.examples,
                    summary.hooks.count, summary.dModel, summary.path, summary.seconds, Double(summary.fileBytes) / 1e6)
            )
        }
    }
}
