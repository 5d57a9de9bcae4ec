import Checksum
import Foundation
import Testing

/// SHA-256 against FIPS 180-4's example digests, and the SHA-extension path against the plain compression function.
@Suite struct SHA256Tests {
    static let vectors: [(String, String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ]

    @Test("known digests, both paths")
    func knownDigests() {
        for (text, digest) in Self.vectors {
            for accelerated in [true, false] {
                var h = SHA256Hasher(accelerated: accelerated)
                h.update(Data(text.utf8))
                #expect(h.finalize() == digest, "\(text.prefix(8)) accelerated: \(accelerated)")
            }
        }
        var million = SHA256Hasher()
        million.update(Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
        #expect(million.finalize() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("the SHA-extension path equals the plain one on any split of the input")
    func pathsAgree() {
        var rng = SystemRandomNumberGenerator()
        for length in [63, 64, 65, 127, 128, 1000, 4096 + 17, 100_003] {
            let bytes = Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) })
            var whole = SHA256Hasher(accelerated: false)
            whole.update(bytes)
            let expected = whole.finalize()
            var pieces = SHA256Hasher()
            var i = 0
            while i < bytes.count {
                let n = min(Int.random(in: 1...300, using: &rng), bytes.count - i)
                pieces.update(bytes.subdata(in: i..<(i + n)))
                i += n
            }
            #expect(pieces.finalize() == expected, "length \(length)")
            #expect(SHA256Hasher.hexDigest(of: bytes) == expected)
        }
    }
}
