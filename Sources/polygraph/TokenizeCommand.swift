// `polygraph tokenize`: show how a model's tokenizer cuts text, or measure its speed on a file of lines.
import ArgumentParser
import Foundation
import GGUF
import Tokenization

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize text with a GGUF model's tokenizer (ids and pieces), or time it on a file of lines.")

    @Option(help: "GGUF model file.")
    var model = ModelOptions.defaultPath

    @Option(help: "Text to tokenize.")
    var text: String?

    @Option(help: "File to tokenize line by line (JSON lines with a \"text\" field, or plain text).")
    var file: String?

    @Flag(help: "Treat special-token text such as <|im_start|> as plain characters.")
    var noParseSpecial = false

    @Flag(help: "Print a speed line (lines/s, MB/s, tokens/s) instead of the ids.")
    var bench = false

    func validate() throws {
        if (text == nil) == (file == nil) { throw ValidationError("give exactly one of --text or --file") }
    }

    func run() throws {
        let start = Date()
        let tokenizer = try makeTokenizer(from: try GGUFFile(path: model))
        let loadSeconds = Date().timeIntervalSince(start)
        let lines = try text.map { [$0] } ?? Self.readLines(file ?? "")
        if bench {
            let bytes = lines.reduce(0) { $0 + $1.utf8.count }
            var tokens = 0
            for round in 0..<2 {  // the first round fills the word cache, the second shows the warm speed
                let t0 = Date()
                tokens = lines.reduce(0) { $0 + tokenizer.encode($1, parseSpecial: !noParseSpecial).count }
                let s = Date().timeIntervalSince(t0)
                print(
                    String(
                        format: "%@: %d lines, %d bytes, %d tokens in %.3f s = %.0f lines/s, %.2f MB/s, %.0f tokens/s",
                        round == 0 ? "cold" : "warm", lines.count, bytes, tokens, s,
                        Double(lines.count) / s, Double(bytes) / s / 1e6, Double(tokens) / s))
            }
            print(String(format: "tokenizer load: %.3f s", loadSeconds))
            return
        }
        for line in lines {
            let ids = tokenizer.encode(line, parseSpecial: !noParseSpecial)
            print(ids.map(String.init).joined(separator: " "))
            print(
                ids.map { String(decoding: tokenizer.bytes(for: $0), as: UTF8.self).debugDescription }.joined(
                    separator: " "))
        }
    }

    /// Lines of `path`; a JSON-lines file contributes each object's `text`.
    static func readLines(_ path: String) throws -> [String] {
        // Foundation's own errors read "Error Domain=NSCocoaErrorDomain Code=259 …".
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandError("\(path): cannot be read (no such file, a directory, or no permission)")
        }
        guard let content = String(data: data, encoding: .utf8) else {
            throw CommandError("\(path): is not valid UTF-8; convert the file (e.g. iconv -f latin1 -t utf-8)")
        }
        return content.split(separator: "\n").map { line in
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let text = object["text"] as? String
            {
                return text
            }
            return String(line)
        }
    }
}
