/// The probe families Polygraph trains. `cliName` is what `--probe` accepts; `artifactKind` is the JSON `kind`.
public enum ProbeKind: String, CaseIterable, Sendable, Codable {
    /// L2-regularised logistic regression on standardised features.
    case logistic
    /// Difference of class means (Marks & Tegmark 2023, "The Geometry of Truth").
    case massMean
    /// Mass-mean with the covariance correction θ = Σ⁻¹(μ₊ − μ₋) (Marks & Tegmark 2023, the "iid" variant).
    case massMeanIID
    /// SAPLMA MLP 256-128-64 ReLU (Azaria & Mitchell 2023).
    case mlp
    /// Training of Truth and Polarity Direction (Bürger, Hamprecht & Nadler 2024, "Truth is Universal").
    case ttpd
    /// Logistic regression on the hidden state plus the model's own confidences (`HybridProbe`).
    case hybrid

    /// Name on the command line (`--probe`).
    public var cliName: String {
        switch self {
        case .logistic: "logistic"
        case .massMean: "mass-mean"
        case .massMeanIID: "mass-mean-iid"
        case .mlp: "mlp"
        case .ttpd: "ttpd"
        case .hybrid: "hybrid"
        }
    }

    /// Value of the artifact's `kind` field.
    public var artifactKind: String {
        switch self {
        case .logistic: "logistic"
        case .massMean, .massMeanIID: "mass_mean"
        case .mlp: "mlp"
        case .ttpd: "ttpd"
        case .hybrid: "hybrid"
        }
    }

    /// Parses a CLI name (also accepts the artifact spelling with underscores).
    public init(cliName: String) throws {
        let key = cliName.lowercased().replacingOccurrences(of: "_", with: "-")
        guard let kind = ProbeKind.allCases.first(where: { $0.cliName == key }) else {
            throw ProbeError.unknownKind(cliName)
        }
        self = kind
    }

    /// Parses a comma-separated list such as `logistic,mass-mean`.
    public static func parseList(_ text: String) throws -> [ProbeKind] {
        let kinds = try text.split(separator: ",").map {
            try ProbeKind(cliName: $0.trimmingCharacters(in: .whitespaces))
        }
        guard !kinds.isEmpty else { throw ProbeError.unknownKind(text) }
        return kinds
    }
}

import Foundation
