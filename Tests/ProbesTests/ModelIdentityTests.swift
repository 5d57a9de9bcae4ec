import Foundation
import Testing
@testable import Probes

@Suite struct ModelIdentityTests {
    @Test("identities are the same weights when their file digests agree, in any case")
    func sameWeights() {
        let a = ModelIdentity(name: "A", architecture: "llama", sha256: "ABcd")
        #expect(a.matches(sha256: "abCD"))
        #expect(a.sameWeights(as: ModelIdentity(name: "B", architecture: "qwen2", sha256: "abcd")))
        #expect(!a.matches(sha256: "abce"))
    }

    @Test("the JSON of an identity is the artifact's model object: name, architecture, sha256")
    func json() throws {
        let data = try JSONEncoder().encode(ModelIdentity(name: "M", architecture: "llama", sha256: "ab"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
        #expect(object == ["name": "M", "architecture": "llama", "sha256": "ab"])
    }
}
