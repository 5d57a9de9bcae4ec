// Fuzz target: the `.npy` reader (`polygraph import`): header parse, then the first and last rows.
import Capture
import FuzzSupport

let scratch = ScratchFile("input.npy")

/// A `.npy` v1.0 file: magic, version, header length, the header dict padded to 64 bytes, then the data.
func npy(_ header: String, data: [UInt8], major: UInt8 = 1) -> [UInt8] {
    var dict = Array(header.utf8)
    let prefix = major == 1 ? 10 : 12
    while (prefix + dict.count + 1) % 64 != 0 { dict.append(0x20) }
    dict.append(0x0A)
    var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, 0]
    if major == 1 {
        out += [UInt8(dict.count & 0xFF), UInt8(dict.count >> 8)]
    } else {
        out += [UInt8(dict.count & 0xFF), UInt8(dict.count >> 8 & 0xFF), 0, 0]
    }
    return out + dict + data
}

/// With POLYGRAPH_FUZZ_WRITE_SEEDS=<dir>: writes this target's seeds there and exits.
func writeSeeds() {
    writeSeedsIfAsked {
        let f32 = [Float](repeating: 0.5, count: 6).flatMap { v in
            withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) }
        }
        return [
            ("f4-2x3.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data: f32)),
            ("f8-3d.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 3), }", data: f32)),
            (
                "f2-v2.npy",
                npy(
                    "{'descr': '<f2', 'fortran_order': False, 'shape': (3, 2), }", data: Array(f32.prefix(12)), major: 2
                )
            ),
            ("f4-v3.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", data: f32, major: 3)),
            ("fortran.npy", npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", data: f32)),
        ]
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    scratch.write(fuzzBytes(data, size))
    guard let reader = try? NpyReader(path: scratch.path) else { return 0 }
    _ = reader.rowWidth
    let rows = reader.rowCount
    if rows > 0 {
        _ = try? reader.rows(0, 1)
        _ = try? reader.rows(rows - 1, 1)
    }
    return 0
}
