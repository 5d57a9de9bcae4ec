import ActivationStore
import Foundation

/// Reads statement datasets: CSV (RFC 4180: quoted fields, "" escapes, newlines inside quotes, LF or CRLF)
/// with a header that names `statement` and `label` (1/0/true/false); other columns are kept as metadata.
public enum CSVReader {
    /// Parses `path`. Errors carry the 1-based line of the offending record.
    public static func read(path: String) throws -> (examples: [DatasetExample], metaColumns: [String]) {
        if let problem = RegularFile.problem(path) {  // it used to say "no such file"
            throw StoreError.csv(path: path, line: 1, message: "\(problem), not a CSV file")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw StoreError.fileNotFound(path: path)
        }
        return try parse([UInt8](data), path: path)
    }

    /// Parses CSV bytes (`path` only names the source in errors).
    public static func parse(_ bytes: [UInt8], path: String) throws -> (
        examples: [DatasetExample], metaColumns: [String]
    ) {
        var records = try records(bytes, path: path)
        guard !records.isEmpty else {
            throw StoreError.csv(path: path, line: 1, message: "empty file; expected a header line `statement,label`")
        }
        let header = records.removeFirst().fields.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let textColumn = header.firstIndex(where: { $0.lowercased() == "statement" }),
            let labelColumn = header.firstIndex(where: { $0.lowercased() == "label" })
        else {
            throw StoreError.csv(
                path: path, line: 1,
                message:
                    "header must name the columns `statement` and `label` (found: \(listed(header))). "
                    + "A header line is required.")
        }
        let metaColumns = header.indices.filter { $0 != textColumn && $0 != labelColumn }
        var examples: [DatasetExample] = []
        examples.reserveCapacity(records.count)
        for record in records {
            guard record.fields.count == header.count else {
                throw StoreError.csv(
                    path: path, line: record.line,
                    message:
                        "expected \(header.count) fields as in the header, found \(record.fields.count)"
                        + " (quote fields that contain commas: \"a, b\")")
            }
            let rawLabel = record.fields[labelColumn].trimmingCharacters(in: .whitespaces)
            guard let label = parseLabel(rawLabel) else {
                throw StoreError.csv(
                    path: path, line: record.line,
                    message:
                        "label '\(clipped(rawLabel))' is not one of 1, 0, true, false (or 1.0, 0.0)")
            }
            var meta: [String: String] = [:]
            for column in metaColumns { meta[header[column]] = record.fields[column] }
            examples.append(
                DatasetExample(text: record.fields[textColumn], label: label, meta: meta, line: record.line))
        }
        // A header and nothing else (or blank lines) used to give a capture of 0 examples that reported success.
        guard !examples.isEmpty else {
            throw StoreError.csv(path: path, line: 2, message: "holds no statements after the header line")
        }
        return (examples, metaColumns.map { header[$0] })
    }

    /// A field quoted in an error message, cut to `limit` characters: a hostile file may hold a megabyte-long field.
    static func clipped(_ text: String, _ limit: Int = 60) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "… (\(text.count) characters)"
    }

    /// Header names for an error message: the first eight, each clipped, and how many there are.
    static func listed(_ names: [String]) -> String {
        let shown = names.prefix(8).map { clipped($0, 40) }.joined(separator: ", ")
        return names.count > 8 ? "\(shown), … \(names.count) columns in all" : shown
    }

    /// 1/0/true/false (any case) → 1/0; also 1 and 0 in any float spelling (`1.0`, `0.00`, `1e0`), as pandas writes
    /// an integer column that had a missing value (hardening defect 17).
    static func parseLabel(_ text: String) -> Int8? {
        switch text.lowercased() {
        case "1", "true": return 1
        case "0", "false": return 0
        default:
            guard let value = Double(text), value.isFinite else { return nil }
            return value == 1 ? 1 : (value == 0 ? 0 : nil)
        }
    }

    /// Refuses a NUL byte (the stored text would be cut there while the model saw all of it) and bytes that are
    /// not UTF-8 (e.g. Latin-1, which used to become U+FFFD silently), naming the line (hardening defect 11).
    static func checkText(_ bytes: [UInt8], path: String) throws {
        for (offset, lineBytes) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .enumerated()
        {
            if lineBytes.contains(0) {
                throw StoreError.csv(
                    path: path, line: offset + 1,
                    message: "holds a NUL byte; remove it (stored text would be cut there)")
            }
            if String(validating: lineBytes, as: UTF8.self) == nil {
                throw StoreError.csv(
                    path: path, line: offset + 1,
                    message:
                        "is not valid UTF-8; convert the file (e.g. iconv -f latin1 -t utf-8 in.csv > out.csv)")
            }
        }
    }

    /// Splits bytes into records of fields; blank lines are skipped. A UTF-8 BOM is ignored.
    static func records(_ bytes: [UInt8], path: String) throws -> [(line: Int, fields: [String])] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        try checkText(bytes, path: path)
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var recordLine = 1
        var recordHasContent = false

        func endField() {
            fields.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true)
        }
        func endRecord() {
            endField()
            if recordHasContent || fields.count > 1 || !(fields.first ?? "").isEmpty {
                records.append((recordLine, fields))
            }
            fields.removeAll(keepingCapacity: true)
            recordHasContent = false
        }

        while index < bytes.count {
            let byte = bytes[index]
            if byte == quote && field.isEmpty {
                // Quoted field: runs to the next lone quote; "" is a literal quote.
                let openLine = line
                recordHasContent = true
                index += 1
                var closed = false
                while index < bytes.count {
                    let inner = bytes[index]
                    if inner == quote {
                        if index + 1 < bytes.count && bytes[index + 1] == quote {
                            field.append(quote); index += 2; continue
                        }
                        closed = true
                        index += 1
                        break
                    }
                    if inner == lf { line += 1 }
                    field.append(inner)
                    index += 1
                }
                guard closed else {
                    throw StoreError.csv(
                        path: path, line: openLine, message: "quoted field is never closed (a missing \")")
                }
                if index < bytes.count, ![comma, lf, cr].contains(bytes[index]) {
                    throw StoreError.csv(
                        path: path, line: line,
                        message:
                            "unexpected character after a closing quote; write a quote inside a quoted field as \"\"")
                }
                continue
            }
            switch byte {
            case comma:
                recordHasContent = true
                endField()
            case lf:
                endRecord()
                line += 1
                recordLine = line
            case cr:
                if index + 1 < bytes.count && bytes[index + 1] == lf { break }
                endRecord()
                line += 1
                recordLine = line
            default:
                field.append(byte)
            }
            index += 1
        }
        if !field.isEmpty || !fields.isEmpty || recordHasContent { endRecord() }
        return records
    }
}
