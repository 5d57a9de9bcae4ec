import ActivationStore
import Foundation

/// Every evaluated row with its probe score, next to the model's own confidences (`polygraph eval --scores FILE`):
/// to read the answers a probe gets wrong, or to compute metrics of one's own on a benchmark's rows.
public struct EvaluationScores: Sendable {
    public struct Row: Sendable, Equatable {
        /// The activation file and the example's row in it (0-based, unlabeled rows included in the count).
        public var file: String
        public var row: Int
        /// `/examples/meta/id` and the evaluation's group (e.g. topic), when the file has them.
        public var id: String?
        public var group: String?
        public var text: String
        /// The generated or given answer (answer captures only).
        public var answer: String?
        public var label: Int
        public var raw: Double
        public var pTrue: Double
        public var flag: ProbeFlag
        /// The row's `/confidence` values, in `EvaluationScores.confidenceColumns` order (NaN: unknown).
        public var confidence: [Float]
    }

    public var rows: [Row]
    /// The `/confidence` columns every file has, in the baselines' order.
    public var confidenceColumns: [String]

    /// The rows of `data` (as `ActivationLoader.dataset` built it from `sources`: labeled rows of each file in
    /// order, a file without labeled rows skipped) with their scores `raw`.
    static func collect(
        sources: [ActivationLoader.Source], data: ProbeDataset, groupColumn: String?, raw: [Double],
        scorer: ProbeScorer
    ) throws -> EvaluationScores {
        let columns = ConfidenceBaselines.features.map(\.column).filter { column in
            sources.allSatisfy { $0.reader.confidenceColumns.contains(column) }
        }
        var rows: [Row] = []
        rows.reserveCapacity(data.count)
        for s in sources {
            let r = s.reader
            let labels = try r.labels().map(Int.init)
            // The loader's own rule (a file without labeled rows among several is skipped there too).
            guard let keep = try? ProbeDataset.labeledRows(labels) else { continue }
            let texts = try r.texts(), answers = try r.answers(), ids = try r.meta("id")
            let groups = try groupColumn.flatMap { try r.meta($0) }
            let confidence = try r.confidence() ?? [:]
            for i in keep {
                let k = rows.count
                guard k < raw.count else { break }
                let p = scorer.artifact.calibration.probability(raw[k])
                rows.append(
                    Row(
                        file: s.path, row: i, id: ids?[i], group: groups?[i], text: texts[i], answer: answers?[i],
                        label: labels[i], raw: raw[k], pTrue: p, flag: scorer.flag(pTrue: p),
                        confidence: columns.map { confidence[$0]?[i] ?? .nan }))
            }
        }
        guard rows.count == data.count, zip(rows, data.labels).allSatisfy({ $0.label == Int($1) }) else {
            throw ProbeError.unreadableActivations(
                path: sources.map(\.path).joined(separator: ", "),
                reason: "the labeled rows changed while the files were read (\(rows.count) rows against "
                    + "\(data.count) scored); run eval again when no capture is writing to them")
        }
        return EvaluationScores(rows: rows, confidenceColumns: columns)
    }

    /// RFC 4180 CSV with a header line: file, row, id, group, label, p_true, raw, flag, the confidence columns,
    /// text, answer (text last: the widest columns).
    public func csv() -> String {
        var out =
            (["file", "row", "id", "group", "label", "p_true", "raw", "flag"] + confidenceColumns + ["text", "answer"])
            .joined(separator: ",") + "\r\n"
        for r in rows {
            var fields = [
                r.file, String(r.row), r.id ?? "", r.group ?? "", String(r.label), Self.number(r.pTrue),
                Self.number(r.raw), r.flag.rawValue,
            ]
            fields += r.confidence.map { $0.isFinite ? Self.number(Double($0)) : "" }
            fields += [r.text, r.answer ?? ""]
            out += fields.map(Self.field).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func number(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "" }

    /// A field quoted when it holds a comma, a quote or a line break (quotes doubled), as RFC 4180 says.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
