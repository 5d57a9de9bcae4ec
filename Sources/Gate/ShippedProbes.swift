// Finding the probes shipped for a model: `probes/<model>/*.json`, matched by the GGUF file's sha256, so a gate
// started without --probe scores with the probe trained on exactly these weights.
import Foundation
import Probes

public enum ShippedProbes {
    /// The probe artifacts one folder below `directory` (`probes/<model>/<name>.json`, as the repository ships them)
    /// whose `model.sha256` is `sha256`: `answers.json` first (the default probe), then the rest by path.
    /// Files that are not probe artifacts, or cannot be read, are skipped.
    public static func find(forModelSHA256 sha256: String, in directory: String) -> [String] {
        let fm = FileManager.default
        guard let folders = try? fm.contentsOfDirectory(atPath: directory) else { return [] }
        var found: [String] = []
        for folder in folders.sorted() {
            let dir = (directory as NSString).appendingPathComponent(folder)
            guard let names = try? fm.contentsOfDirectory(atPath: dir) else { continue }
            for name in names.sorted() where name.hasSuffix(".json") {
                let path = (dir as NSString).appendingPathComponent(name)
                if let digest = modelSHA256(ofArtifact: path), ModelIdentity.sameDigest(digest, sha256) {
                    found.append(path)
                }
            }
        }
        return found.filter { $0.hasSuffix("/answers.json") } + found.filter { !$0.hasSuffix("/answers.json") }
    }

    /// `model.sha256` of a probe artifact, or nil when the file is not one (at most 64 MB is read).
    static func modelSHA256(ofArtifact path: String) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeRegular,
            let size = attributes[.size] as? Int, size <= 64 << 20,
            let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            object["format"] as? String == "polygraph.probe",
            let model = object["model"] as? [String: Any]
        else { return nil }
        return model["sha256"] as? String
    }
}
