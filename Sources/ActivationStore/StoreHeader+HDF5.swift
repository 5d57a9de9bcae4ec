import Foundation
import Hooks

/// Root attribute names of format_version 1.
enum RootAttribute {
    static let format = "format", formatVersion = "format_version"
    static let modelName = "model_name", modelArchitecture = "model_architecture", modelSHA256 = "model_sha256"
    static let nLayers = "n_layers", dModel = "d_model", position = "position"
    static let createdAt = "created_at", createdBy = "created_by", updatedAt = "updated_at"
    static let promptTemplate = "prompt_template", hooks = "hooks", committedRows = "committed_rows"
    static let answerSampling = "answer_sampling"
}

extension StoreHeader {
    /// Writes every root attribute except `committed_rows`.
    func write(to file: H5File) throws {
        try file.setAttribute(RootAttribute.format, string: StoreSchema.format)
        try file.setAttribute(RootAttribute.formatVersion, int: Int64(StoreSchema.formatVersion))
        try file.setAttribute(RootAttribute.modelName, string: modelName)
        try file.setAttribute(RootAttribute.modelArchitecture, string: modelArchitecture)
        try file.setAttribute(RootAttribute.modelSHA256, string: modelSHA256)
        try file.setAttribute(RootAttribute.nLayers, int: Int64(nLayers))
        try file.setAttribute(RootAttribute.dModel, int: Int64(dModel))
        try file.setAttribute(RootAttribute.position, string: position.rawValue)
        try file.setAttribute(RootAttribute.promptTemplate, string: promptTemplate)
        try file.setAttribute(RootAttribute.hooks, strings: hooks.map(\.description))
        try file.setAttribute(RootAttribute.createdAt, string: createdAt)
        try file.setAttribute(RootAttribute.createdBy, string: createdBy)
        if let answerSampling { try file.setAttribute(RootAttribute.answerSampling, string: answerSampling) }
    }

    /// Reads and validates the root attributes: format and version first, so a foreign file gets the right error.
    static func read(from file: H5File) throws -> StoreHeader {
        let path = file.path
        guard try file.hasAttribute(RootAttribute.format) else {
            throw StoreError.wrongFormat(path: path, found: "missing")
        }
        let format = (try? file.stringAttribute(RootAttribute.format)) ?? "not a string"
        guard format == StoreSchema.format else { throw StoreError.wrongFormat(path: path, found: "\"\(format)\"") }
        guard try file.hasAttribute(RootAttribute.formatVersion) else {
            throw StoreError.missingObject(path: path, object: "/@format_version")
        }
        let version = Int(try file.intAttribute(RootAttribute.formatVersion))
        guard version == StoreSchema.formatVersion else {
            throw StoreError.unsupportedVersion(path: path, found: version, supported: StoreSchema.formatVersion)
        }
        func string(_ name: String) throws -> String {
            guard try file.hasAttribute(name) else { throw StoreError.missingObject(path: path, object: "/@\(name)") }
            return try file.stringAttribute(name)
        }
        func int(_ name: String) throws -> Int {
            guard try file.hasAttribute(name) else { throw StoreError.missingObject(path: path, object: "/@\(name)") }
            return Int(try file.intAttribute(name))
        }
        let positionText = try string(RootAttribute.position)
        guard let position = CapturePosition(rawValue: positionText) else {
            throw StoreError.shapeMismatch(
                path: path, object: "/@position",
                expected: "one of last|mean|all|answer", found: "\"\(positionText)\"")
        }
        // Files written before the `hooks` attribute existed list their hooks only as datasets.
        let listed = try file.hasAttribute(RootAttribute.hooks)
        let names =
            listed
            ? try file.stringsAttribute(RootAttribute.hooks)
            : (try file.exists(StoreSchema.activationsGroup)
                ? try file.childNames(of: StoreSchema.activationsGroup) : [])
        let hooks = try names.map { name in
            do { return try HookName(parsing: name) } catch {
                throw StoreError.unknownHook(
                    path: path, object: listed ? "/@\(RootAttribute.hooks)" : StoreSchema.activationsGroup, name: name)
            }
        }
        let header = StoreHeader(
            modelName: try string(RootAttribute.modelName),
            modelArchitecture: try string(RootAttribute.modelArchitecture),
            modelSHA256: try string(RootAttribute.modelSHA256),
            nLayers: try int(RootAttribute.nLayers), dModel: try int(RootAttribute.dModel),
            position: position,
            promptTemplate: try file.hasAttribute(RootAttribute.promptTemplate)
                ? try file.stringAttribute(RootAttribute.promptTemplate) : "",
            hooks: hooks,
            createdAt: try string(RootAttribute.createdAt),
            createdBy: try file.hasAttribute(RootAttribute.createdBy)
                ? try file.stringAttribute(RootAttribute.createdBy) : "",
            answerSampling: try file.hasAttribute(RootAttribute.answerSampling)
                ? try file.stringAttribute(RootAttribute.answerSampling) : nil)
        try header.validateSizes(path: path)
        return header
    }

    /// Largest `n_layers` a file may declare (the bound `import --n-layers` enforces); larger is a damaged header.
    static let maxLayers = 100_000
    /// Largest `d_model` a file may declare.
    static let maxWidth = 1 << 20

    /// Refuses an `n_layers` or `d_model` outside 1...bound (a damaged or hand-edited header), before anything
    /// iterates over the layers (hardening defect 9: `sweep` trapped on `n_layers` = -1 or 0).
    func validateSizes(path: String) throws {
        for (name, value, bound) in [
            (RootAttribute.nLayers, nLayers, Self.maxLayers),
            (RootAttribute.dModel, dModel, Self.maxWidth),
        ] where !(1...bound).contains(value) {
            throw StoreError.shapeMismatch(
                path: path, object: "/@\(name)",
                expected: "a value from 1 to \(bound) (the header is damaged or was "
                    + "hand-edited; set the attribute to the model's real value, or re-capture the file)",
                found: "\(value)")
        }
    }

    /// The first field in which a file's header differs from the one a resumed run asks for, as
    /// (field, existing, requested); nil when they are compatible.
    func resumeConflict(with requested: StoreHeader) -> (field: String, existing: String, requested: String)? {
        if modelSHA256 != requested.modelSHA256 {
            return (
                "model sha256", "\(modelSHA256) (\(modelName))", "\(requested.modelSHA256) (\(requested.modelName))"
            )
        }
        if hooks != requested.hooks {
            let missing = requested.hooks.filter { !hooks.contains($0) }
            let extra = hooks.filter { !requested.hooks.contains($0) }
            func list(_ names: [HookName]) -> String {
                names.prefix(3).map(\.description).joined(separator: ", ")
                    + (names.count > 3 ? " and \(names.count - 3) more" : "")
            }
            var parts: [String] = []
            if !missing.isEmpty { parts.append("the file lacks \(list(missing))") }
            if !extra.isEmpty { parts.append("the file also has \(list(extra))") }
            let detail = parts.isEmpty ? " (same hooks, another order)" : " (" + parts.joined(separator: "; ") + ")"
            return ("hook set", "\(hooks.count) hooks", "\(requested.hooks.count) hooks" + detail)
        }
        if position != requested.position { return ("position", position.rawValue, requested.position.rawValue) }
        if promptTemplate != requested.promptTemplate {
            return ("prompt template", "\"\(promptTemplate)\"", "\"\(requested.promptTemplate)\"")
        }
        if answerSampling != requested.answerSampling {
            return ("answer sampling", answerSampling ?? "greedy", requested.answerSampling ?? "greedy")
        }
        return nil
    }
}
