import Foundation
import Testing
import Hooks
@testable import ActivationStore

/// Hardening defect 9 (issue 14): a damaged `n_layers` attribute made `sweep` trap, and decreasing
/// `/tokens/offsets` made `train` trap; both must be clear errors when the file is opened.
@Suite("Damaged activation-file bookkeeping") struct DamagedHeaderTests {
    /// A small valid file of the given position, then `damage` applied to it through the HDF5 layer.
    private func damagedFile(
        _ dir: TemporaryDirectory, position: CapturePosition,
        _ damage: (H5File) throws -> Void
    ) throws -> String {
        let path = dir.path("damaged.h5")
        let header = StoreFixtures.header(position: position, hooks: [.residPost(0)])
        let writer = try ActivationWriter.create(path: path, header: header, options: .init(chunkRows: 2))
        try writer.append(StoreFixtures.batch(0..<4, header: header, tokens: position == .all))
        try writer.close()
        let file = try H5File.open(path: path, writable: true)
        try damage(file)
        try file.close()
        return path
    }

    @Test(
        "n_layers of -1, 0 or 2^40 is refused at open with the attribute named (defect 9)",
        arguments: [Int64(-1), 0, 1 << 40])
    func badLayerCount(value: Int64) throws {
        let dir = try TemporaryDirectory()
        let path = try damagedFile(dir, position: .last) { try $0.setAttribute("n_layers", int: value) }
        let error = #expect(throws: StoreError.self) { try ActivationReader(path: path) }
        let text = error?.description ?? ""
        #expect(text.contains("n_layers") && text.contains("\(value)") && text.contains("re-capture"))
    }

    @Test("d_model of 0 is refused at open (defect 9)")
    func badWidth() throws {
        let dir = try TemporaryDirectory()
        let path = try damagedFile(dir, position: .last) { try $0.setAttribute("d_model", int: 0) }
        let error = #expect(throws: StoreError.self) { try ActivationReader(path: path) }
        #expect(error?.description.contains("d_model") == true)
    }

    @Test("a writer refuses a header with no layers instead of writing a file no reader opens (defect 9)")
    func writerRefusesZeroLayers() throws {
        let dir = try TemporaryDirectory()
        var header = StoreFixtures.header()
        header.nLayers = 0
        #expect(throws: StoreError.self) { try ActivationWriter.create(path: dir.path("zero.h5"), header: header) }
        #expect(!FileManager.default.fileExists(atPath: dir.path("zero.h5")))
    }

    @Test("decreasing /tokens/offsets are refused at open, naming the offsets (defect 9)")
    func decreasingOffsets() throws {
        let dir = try TemporaryDirectory()
        let path = try damagedFile(dir, position: .all) { file in
            let offsets = try file.openDataset(StoreSchema.tokenOffsets)
            try [Int64(5), 2].withUnsafeBufferPointer { try offsets.write($0, startRow: 1, rowCount: 2) }
        }
        let error = #expect(throws: StoreError.self) { try ActivationReader(path: path) }
        let text = error?.description ?? ""
        #expect(text.contains("/tokens/offsets") && text.contains("offset 2 after 5"))
    }

    @Test("a last offset past the activation rows is refused at open (defect 9)")
    func offsetsPastRows() throws {
        let dir = try TemporaryDirectory()
        let path = try damagedFile(dir, position: .all) { file in
            let offsets = try file.openDataset(StoreSchema.tokenOffsets)
            try [Int64(1_000_000)].withUnsafeBufferPointer { try offsets.write($0, startRow: 4, rowCount: 1) }
        }
        let error = #expect(throws: StoreError.self) { try ActivationReader(path: path) }
        #expect(error?.description.contains("1000000 token rows") == true)
    }

    @Test("a stored hook name that is not a hook name is refused at open, naming the file, the object and the name")
    func unknownHookName() throws {
        let dir = try TemporaryDirectory()
        let path = try damagedFile(dir, position: .last) {
            try $0.setAttribute("hooks", strings: ["blocks.0.hook_resid_pots"])
        }
        let error = #expect(throws: StoreError.self) { try ActivationReader(path: path) }
        #expect(error == .unknownHook(path: path, object: "/@hooks", name: "blocks.0.hook_resid_pots"))
        let text = error?.description ?? ""
        #expect(text.hasPrefix(path) && text.contains("hook_resid_post}"))
    }

    @Test("typed hooks are stored under their TransformerLens names, as before")
    func hookStrings() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("names.h5")
        let header = StoreFixtures.header()
        let writer = try ActivationWriter.create(path: path, header: header, hookWidths: StoreFixtures.widths)
        try writer.append(StoreFixtures.batch(0..<2, header: header))
        try writer.close()
        let names = ["blocks.0.hook_resid_post", "blocks.1.hook_resid_post", "blocks.1.mlp.hook_post"]
        let file = try H5File.open(path: path, writable: false)
        #expect(try file.stringsAttribute("hooks") == names)
        #expect(try file.childNames(of: "/activations").sorted() == names.sorted())
        try file.close()
        #expect(try ActivationReader(path: path).header.hooks == StoreFixtures.hooks)
    }
}
