import CHDF5
import Foundation

/// HDF5 virtual datasets (VDS, libhdf5 ≥ 1.10, "Virtual Dataset" RFC / H5Pset_virtual): a dataset whose rows are
/// mapped onto datasets of other files, read through as if they were one.
extension H5File {
    /// One block of rows of a virtual dataset: rows `0 ..< rows` of `dataset` in `file` (a path relative to the
    /// virtual file's folder, which libhdf5 searches, or absolute).
    struct VirtualSource {
        var file: String
        var dataset: String
        var rows: Int
    }

    /// Creates a float32 `[Σ rows, width]` virtual dataset whose blocks of rows come, in order, from `sources`.
    func createVirtualDataset(_ objectPath: String, width: Int, sources: [VirtualSource]) throws {
        let parent = objectPath.split(separator: "/").dropLast().joined(separator: "/")
        if !parent.isEmpty { try createGroups("/" + parent) }
        let total = sources.reduce(0) { $0 + $1.rows }
        try HDF5Library.shared.locked {
            let context = handle.context.child(objectPath)
            let dims: [hsize_t] = [hsize_t(total), hsize_t(width)]
            let space = H5Handle(
                try context.check(id: H5Screate_simple(2, dims, nil), "create dataspace"),
                kind: .dataspace, context: context)
            let dcpl = H5Handle(
                try context.check(id: H5Pcreate(ch5_p_dataset_create()), "create property list"),
                kind: .propertyList, context: context)
            var start = 0
            for source in sources where source.rows > 0 {
                let block: [hsize_t] = [hsize_t(source.rows), hsize_t(width)]
                try context.check(
                    H5Sselect_hyperslab(space.id, H5S_SELECT_SET, [hsize_t(start), 0], nil, block, nil),
                    "select rows \(start)..<\(start + source.rows)")
                let sourceSpace = H5Handle(
                    try context.check(id: H5Screate_simple(2, block, nil), "create source dataspace"),
                    kind: .dataspace, context: context)
                try context.check(
                    H5Pset_virtual(dcpl.id, space.id, source.file, source.dataset, sourceSpace.id),
                    "map rows \(start)..<\(start + source.rows) to \(source.file):\(source.dataset)")
                start += source.rows
            }
            try context.check(H5Sselect_all(space.id), "select all")
            let id = try context.check(
                id: H5Dcreate2(
                    handle.id, objectPath, ch5_native_float(), space.id, ch5_default(), dcpl.id, ch5_default()),
                "create virtual dataset")
            try H5Handle(id, kind: .dataset, context: context).close()
        }
    }
}

extension H5Dataset {
    /// The source files of a virtual dataset, in mapping order; nil when the dataset is not virtual.
    func virtualSourceFiles() throws -> [String]? {
        try HDF5Library.shared.locked {
            let plist = H5Handle(
                try context.check(id: H5Dget_create_plist(handle.id), "get creation properties"),
                kind: .propertyList, context: context)
            guard H5Pget_layout(plist.id) == H5D_VIRTUAL else { return nil }
            var count = 0
            try context.check(H5Pget_virtual_count(plist.id, &count), "count virtual mappings")
            return try (0..<count).map { index in
                let size = H5Pget_virtual_filename(plist.id, index, nil, 0)
                if size < 0 { throw context.failure("get virtual source file name") }
                var buffer = [CChar](repeating: 0, count: Int(size) + 1)
                _ = H5Pget_virtual_filename(plist.id, index, &buffer, buffer.count)
                return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
    }
}
