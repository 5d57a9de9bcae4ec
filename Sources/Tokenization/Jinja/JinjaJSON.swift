import Foundation

/// Any JSON value as a Jinja value (template variables given as JSON text): objects keep their keys sorted.
struct JinjaJSON: Decodable {
    let value: JinjaValue

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            value = .none
        } else if let b = try? c.decode(Bool.self) {
            value = .bool(b)
        } else if let n = try? c.decode(Int.self) {
            value = .integer(n)
        } else if let x = try? c.decode(Double.self) {
            value = .float(x)
        } else if let s = try? c.decode(String.self) {
            value = .string(s)
        } else if let a = try? c.decode([JinjaJSON].self) {
            value = .list(a.map(\.value))
        } else {
            let d = try c.decode([String: JinjaJSON].self)
            value = .object(d.keys.sorted().map { ($0, d[$0]!.value) })
        }
    }
}
