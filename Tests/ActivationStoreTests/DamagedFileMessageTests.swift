import Foundation
import Testing
import Hooks
@testable import ActivationStore

/// Found by tests-interop/hostile: a damaged activation file's error listed libhdf5's internal call stack
/// (`H5F__superblock_prefix_decode: … H5C_protect: …`), and a negative `committed_rows` was shown as "examples: -1".
@Suite("Damaged activation-file messages") struct DamagedFileMessageTests {
    private func validFile(_ dir: TemporaryDirectory) throws -> String {
        let path = dir.path("valid.h5")
        let header = StoreFixtures.header(hooks: [.residPost(0)])
        let writer = try ActivationWriter.create(path: path, header: header, options: .init(chunkRows: 2))
        try writer.append(StoreFixtures.batch(0..<4, header: header))
        try writer.close()
        return path
    }

    @Test("a file cut inside or after its superblock is reported without libhdf5 function names", arguments: [8, 100])
    func cutFile(bytes: Int) throws {
        let dir = try TemporaryDirectory()
        let data = try Data(contentsOf: URL(fileURLWithPath: try validFile(dir)))
        let cut = dir.path("cut.h5")
        try data.prefix(bytes).write(to: URL(fileURLWithPath: cut))
        let error = #expect(throws: StoreError.self) { try ActivationReader(path: cut) }
        let text = error?.description ?? ""
        #expect(text.contains(cut), "\(text)")
        #expect(text.range(of: #"H5[A-Z]+_"#, options: .regularExpression) == nil, "\(text)")
    }

    @Test("a negative committed_rows is refused at open")
    func negativeCommittedRows() throws {
        let dir = try TemporaryDirectory()
        let path = try validFile(dir)
        do {
            let file = try H5File.open(path: path, writable: true)
            try file.setAttribute("committed_rows", int: -1)
            try file.close()
        }
        let error = #expect(throws: StoreError.self) { try ActivationReader(path: path) }
        #expect(error?.description.contains("committed_rows") == true, "\(String(describing: error))")
    }
}
