import Foundation
import Testing
@testable import ActivationStore

@Suite("HDF5 wrapper") struct HDF5LayerTests {
    @Test("appended float rows read back bit-exact, by row range")
    func floatRoundTrip() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("a.h5")
        var random = SeededFloats(seed: 7)
        let first = random.array(5 * 3), second = random.array(4 * 3)
        do {
            let file = try H5File.create(path: path, overwrite: false)
            let dataset = try file.createDataset(
                "/activations/x", element: .float32, width: 3, chunkRows: 2,
                compression: .default)
            try dataset.append(first, rowCount: 5)
            try dataset.append(second, rowCount: 4)
            try file.setAttribute("name", string: "héllo")
            try file.setAttribute("count", int: 9)
            try file.setAttribute("count", int: 10)
            try file.setAttribute("list", strings: ["a", "b.c"])
        }
        let file = try H5File.open(path: path, writable: false)
        let dataset = try file.openDataset("/activations/x")
        #expect(try dataset.shape() == [9, 3])
        #expect(try dataset.read(startRow: 0, rowCount: 9, as: Float.self) == first + second)
        #expect(try dataset.read(startRow: 4, rowCount: 2, as: Float.self) == Array((first + second)[12..<18]))
        #expect(try dataset.storageLayout().compression == "shuffle+gzip-1")
        #expect(try dataset.storageLayout().chunks == [2, 3])
        #expect(try file.stringAttribute("name") == "héllo")
        #expect(try file.intAttribute("count") == 10)
        #expect(try file.stringsAttribute("list") == ["a", "b.c"])
        #expect(try file.attributeNames() == ["count", "list", "name"])
        #expect(try file.childNames(of: "/activations") == ["x"])
    }

    @Test("strings round-trip, including unicode and empty ones")
    func stringRoundTrip() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("s.h5")
        let strings = ["The city of Kraków is in Poland.", "", "東京", "quote \" and, comma"]
        do {
            let file = try H5File.create(path: path, overwrite: false)
            let dataset = try file.createDataset(
                "/examples/text", element: .utf8String, width: nil, chunkRows: 2,
                compression: .default)
            try dataset.appendStrings(Array(strings[0..<3]))
            try dataset.appendStrings([strings[3]])
        }
        let dataset = try H5File.open(path: path, writable: false).openDataset("/examples/text")
        #expect(try dataset.readStrings(startRow: 0, rowCount: 4) == strings)
        #expect(try dataset.readStrings(startRow: 2, rowCount: 1) == ["東京"])
        #expect(try dataset.elementTypeName() == "string")
    }

    @Test("shrinking a dataset discards the rows beyond the new end")
    func shrink() throws {
        let dir = try TemporaryDirectory()
        let file = try H5File.create(path: dir.path("t.h5"), overwrite: false)
        let dataset = try file.createDataset("/x", element: .int64, width: nil, chunkRows: 4, compression: .none)
        try dataset.append([1, 2, 3, 4, 5] as [Int64], rowCount: 5)
        try dataset.setRowCount(3)
        try dataset.append([9] as [Int64], rowCount: 1)
        #expect(try dataset.read(startRow: 0, rowCount: 4, as: Int64.self) == [1, 2, 3, 9])
    }

    @Test("failures name the file, the object and carry libhdf5's message")
    func errors() throws {
        let dir = try TemporaryDirectory()
        let text = try dir.write("plain.h5", "not an hdf5 file at all, just some text\n")
        #expect(throws: StoreError.notHDF5(path: text)) { try H5File.open(path: text, writable: false) }
        #expect(throws: StoreError.fileNotFound(path: dir.path("nope.h5"))) {
            try H5File.open(path: dir.path("nope.h5"), writable: false)
        }
        let path = dir.path("e.h5")
        let file = try H5File.create(path: path, overwrite: false)
        #expect(throws: StoreError.fileExists(path: path)) { try H5File.create(path: path, overwrite: false) }
        #expect(throws: StoreError.missingObject(path: path, object: "/activations/y")) {
            try file.openDataset("/activations/y")
        }
        let dataset = try file.createDataset("/x", element: .float32, width: 2, chunkRows: 4, compression: .none)
        do {
            _ = try file.createDataset("/x", element: .float32, width: 2, chunkRows: 4, compression: .none)
            Issue.record("creating a dataset twice should fail")
        } catch let StoreError.hdf5(operation, file, object, message) {
            #expect(operation == "create dataset" && file == path && object == "/x")
            #expect(message.contains("already exists"), "message was: \(message)")
        }
        #expect(throws: StoreError.self) { try dataset.read(startRow: 0, rowCount: 1, as: Float.self) }
        #expect(throws: StoreError.self) { try dataset.append([1, 2, 3] as [Float], rowCount: 1) }
    }

    @Test("a truncated file is reported as truncated")
    func truncated() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("cut.h5")
        do {
            let file = try H5File.create(path: path, overwrite: false)
            let dataset = try file.createDataset("/x", element: .float32, width: 64, chunkRows: 16, compression: .none)
            try dataset.append([Float](repeating: 1, count: 64 * 100), rowCount: 100)
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        #expect {
            try H5File.open(path: path, writable: false)
        } throws: { error in
            if case StoreError.truncated = error { return true }
            return false
        }
    }
}
