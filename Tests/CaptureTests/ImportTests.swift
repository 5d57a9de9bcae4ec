import Foundation
import Testing
import ActivationStore
@testable import Capture

@Suite("NumPy import") struct ImportTests {
    /// A .npy file of format `major`.0 holding `values` with dtype `descr` and `shape`.
    static func npy(_ values: [Float], shape: [Int], descr: String = "<f4", major: UInt8 = 1, fortran: Bool = false)
        -> Data
    {
        let shapeText = "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
        let prefix = major == 1 ? 10 : 12
        while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, 0])
        let length = header.utf8.count
        if major == 1 {
            data += [UInt8(length & 0xFF), UInt8(length >> 8)]
        } else {
            data += (0..<4).map { UInt8((length >> (8 * $0)) & 0xFF) }
        }
        data += Data(header.utf8)
        for value in values {
            switch descr {
            case "<f8": withUnsafeBytes(of: Double(value).bitPattern.littleEndian) { data += $0 }
            case "<f2": withUnsafeBytes(of: Float16(value).bitPattern.littleEndian) { data += $0 }
            default: withUnsafeBytes(of: value.bitPattern.littleEndian) { data += $0 }
            }
        }
        return data
    }

    @Test(
        "npy headers v1, v2, v3 and dtypes f4, f8, f2 read row ranges",
        arguments: [
            ("<f4", UInt8(1)), ("<f8", UInt8(2)), ("<f2", UInt8(3)),
        ])
    func npyVersions(descr: String, major: UInt8) throws {
        let dir = try TemporaryDirectory()
        let values: [Float] = (0..<24).map { Float($0) / 4 }
        let path = dir.path("a.npy")
        try Self.npy(values, shape: [4, 2, 3], descr: descr, major: major).write(to: URL(fileURLWithPath: path))
        let reader = try NpyReader(path: path)
        #expect(reader.shape == [4, 2, 3] && reader.rowWidth == 6)
        #expect(try reader.rows(1, 2) == Array(values[6..<18]))
    }

    @Test(
        "npy files this reader does not take are refused with the reason",
        arguments: [
            (ImportTests.npy([1, 2], shape: [2], descr: ">f4"), "dtype"),
            (ImportTests.npy([1, 2], shape: [2], descr: "<i4"), "dtype"),
            (ImportTests.npy([1, 2, 3, 4], shape: [2, 2], fortran: true), "Fortran"),
            (ImportTests.npy([1, 2, 3], shape: [2, 2]), "truncated"),
            (Data("PK\u{3}\u{4} not npy".utf8), "magic"),
            // Hardening issue, defect 8: the shape product used to overflow and trap.
            (ImportTests.npy([1, 2], shape: [4_294_967_296, 4_294_967_296]), "too large"),
            (ImportTests.npy([1, 2], shape: [Int.max, 2]), "too large"),
            // Found by fuzz-npy: a zero first dimension hid an overflowing row width, which trapped when read.
            (ImportTests.npy([], shape: [0, 4_611_686_018_427_387_904, 4_611_686_018_427_387_904]), "too large"),
            (ImportTests.npy([], shape: [3, 0, 4_611_686_018_427_387_904, 4]), "too large"),
        ])
    func npyErrors(data: Data, fragment: String) throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("bad.npy")
        try data.write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try NpyReader(path: path)
        } throws: { error in
            guard case let StoreError.npy(_, message) = error else { return false }
            return message.contains(fragment)
        }
    }

    @Test("import writes a [n, layers, d] array and a CSV into a readable store")
    func importRoundTrip() throws {
        let dir = try TemporaryDirectory()
        let n = 10, layers = 3, d = 4
        var random = SeededFloats(seed: 3)
        let values = random.array(n * layers * d)
        let npyPath = dir.path("h.npy")
        try Self.npy(values, shape: [n, layers, d]).write(to: URL(fileURLWithPath: npyPath))
        let csv = "statement,label,group\n" + (0..<n).map { "s\($0),\($0 % 2),g\($0 % 3)" }.joined(separator: "\n")
        let csvPath = try dir.write("set.csv", csv)
        var request = StoreImporter.Request(
            arrayPath: npyPath, csvPath: csvPath, outPath: dir.path("o.h5"),
            modelName: "m", architecture: "llama", modelSHA256: "s")
        request.blockRows = 3
        let summary = try StoreImporter.run(request)
        #expect(summary.examples == n && summary.hooks.count == layers)
        let reader = try ActivationReader(path: dir.path("o.h5"))
        #expect(reader.header.nLayers == layers && reader.header.dModel == d)
        #expect(try reader.meta("group")?[4] == "g1")
        #expect(try reader.sources(0..<1) == ["set"])
        let layer1 = try reader.rows(hook: .residPost(1))
        var expected: [Float] = []
        for row in 0..<n { expected += values[((row * layers + 1) * d)..<((row * layers + 2) * d)] }
        #expect(layer1 == expected)
        request.outPath = dir.path("p.h5")
        request.hooks = [.residPost(0)]
        #expect(throws: StoreError.self) { try StoreImporter.run(request) }
    }
}
