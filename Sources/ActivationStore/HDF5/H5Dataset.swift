import CHDF5
import Foundation

/// An open dataset of rank 1 (`[rows]`) or 2 (`[rows, width]`), read and written by row ranges.
final class H5Dataset: H5AttributeHolder {
    let handle: H5Handle
    var context: H5Context { handle.context }

    init(handle: H5Handle) { self.handle = handle }

    /// The current shape, e.g. `[rows, width]`.
    func shape() throws -> [Int] {
        try HDF5Library.shared.locked {
            let space = H5Handle(
                try context.check(id: H5Dget_space(handle.id), "get dataspace"),
                kind: .dataspace, context: context)
            let rank = H5Sget_simple_extent_ndims(space.id)
            if rank < 0 { throw context.failure("get rank") }
            var dims = [hsize_t](repeating: 0, count: Int(rank))
            if rank > 0 { try context.check(H5Sget_simple_extent_dims(space.id, &dims, nil), "get dimensions") }
            return dims.map { Int($0) }
        }
    }

    /// Number of rows (first dimension).
    func rowCount() throws -> Int { try shape().first ?? 0 }

    /// Elements per row (product of the trailing dimensions; 1 for a rank-1 dataset).
    func rowWidth() throws -> Int { try shape().dropFirst().reduce(1, *) }

    /// Grows or shrinks the first dimension to `rows` (shrinking discards the rows beyond it).
    func setRowCount(_ rows: Int) throws {
        var dims = try shape().map { hsize_t($0) }
        guard !dims.isEmpty else {
            throw StoreError.shapeMismatch(
                path: context.file, object: context.object,
                expected: "an array", found: "a scalar")
        }
        dims[0] = hsize_t(rows)
        try HDF5Library.shared.locked {
            try context.check(H5Dset_extent(handle.id, dims), "set extent to \(rows) rows")
        }
    }

    /// The file and memory dataspaces selecting rows `start ..< start+count` (all columns).
    private func selection(start: Int, count: Int) throws -> (file: H5Handle, memory: H5Handle) {
        let dims = try shape()
        guard start >= 0, count >= 0, start + count <= (dims.first ?? 0) else {
            throw StoreError.rowRange(
                path: context.file, object: context.object,
                requested: "\(start)..<\(start + count)", available: dims.first ?? 0)
        }
        var offset = [hsize_t](repeating: 0, count: dims.count)
        offset[0] = hsize_t(start)
        var extent = dims.map { hsize_t($0) }
        extent[0] = hsize_t(count)
        let fileSpace = H5Handle(
            try context.check(id: H5Dget_space(handle.id), "get dataspace"),
            kind: .dataspace, context: context)
        try context.check(
            H5Sselect_hyperslab(fileSpace.id, H5S_SELECT_SET, offset, nil, extent, nil),
            "select rows \(start)..<\(start + count)")
        let memory = H5Handle(
            try context.check(
                id: H5Screate_simple(Int32(extent.count), extent, nil),
                "create memory dataspace"), kind: .dataspace, context: context)
        return (fileSpace, memory)
    }

    /// Writes `values` (`[count, width]` row-major) into rows `start ..< start+count`, which must exist.
    func write<T: H5Scalar>(_ values: UnsafeBufferPointer<T>, startRow start: Int, rowCount count: Int) throws {
        guard count > 0 else { return }
        try HDF5Library.shared.locked {
            let width = try rowWidth()
            guard values.count == count * width else {
                throw StoreError.shapeMismatch(
                    path: context.file, object: context.object,
                    expected: "\(count * width) values (\(count) rows x \(width))",
                    found: "\(values.count) values")
            }
            let spaces = try selection(start: start, count: count)
            try context.check(
                H5Dwrite(
                    handle.id, T.nativeType(), spaces.memory.id, spaces.file.id, ch5_default(),
                    values.baseAddress), "write rows \(start)..<\(start + count)")
        }
    }

    /// Appends rows at the end: grows the dataset and writes them. `values` is `[count, width]`.
    func append<T: H5Scalar>(_ values: [T], rowCount count: Int) throws {
        guard count > 0 else { return }
        let start = try rowCount()
        try setRowCount(start + count)
        try values.withUnsafeBufferPointer { try write($0, startRow: start, rowCount: count) }
    }

    /// Reads rows `start ..< start+count` as `[count, width]` row-major, converting to `T`.
    func read<T: H5Scalar>(startRow start: Int, rowCount count: Int, as: T.Type = T.self) throws -> [T] {
        try HDF5Library.shared.locked {
            let width = try rowWidth()
            let spaces = try selection(start: start, count: count)
            guard count > 0, width > 0 else { return [] }
            return try [T](unsafeUninitializedCapacity: count * width) { buffer, initialized in
                try context.check(
                    H5Dread(
                        handle.id, T.nativeType(), spaces.memory.id, spaces.file.id, ch5_default(),
                        buffer.baseAddress), "read rows \(start)..<\(start + count)")
                initialized = count * width
            }
        }
    }

    /// Reads rows `start ..< start+count` into `buffer` (room for `[count, width]`), converting to `T`: the
    /// out-of-core readers' hyperslab read, without allocating.
    func read<T: H5Scalar>(startRow start: Int, rowCount count: Int, into buffer: UnsafeMutablePointer<T>) throws {
        try HDF5Library.shared.locked {
            let spaces = try selection(start: start, count: count)
            guard count > 0, try rowWidth() > 0 else { return }
            try context.check(
                H5Dread(handle.id, T.nativeType(), spaces.memory.id, spaces.file.id, ch5_default(), buffer),
                "read rows \(start)..<\(start + count)")
        }
    }

    /// Appends UTF-8 strings to a rank-1 string dataset.
    func appendStrings(_ strings: [String]) throws {
        guard !strings.isEmpty else { return }
        let start = try rowCount()
        try setRowCount(start + strings.count)
        try HDF5Library.shared.locked {
            let type = try H5ElementType.utf8String.makeType(context)
            let spaces = try selection(start: start, count: strings.count)
            let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
            defer { pointers.forEach { free($0) } }
            try pointers.withUnsafeBufferPointer {
                try context.check(
                    H5Dwrite(
                        handle.id, type.id, spaces.memory.id, spaces.file.id, ch5_default(),
                        $0.baseAddress), "write strings \(start)..<\(start + strings.count)")
            }
        }
    }

    /// Reads rows of a rank-1 string dataset (variable-length or fixed-length, as h5py may write either).
    func readStrings(startRow start: Int, rowCount count: Int) throws -> [String] {
        try HDF5Library.shared.locked {
            let spaces = try selection(start: start, count: count)
            guard count > 0 else { return [] }
            let fileType = H5Handle(
                try context.check(id: H5Dget_type(handle.id), "get datatype"),
                kind: .datatype, context: context)
            guard H5Tget_class(fileType.id) == H5T_STRING else {
                throw StoreError.shapeMismatch(
                    path: context.file, object: context.object,
                    expected: "strings", found: "a non-string datatype")
            }
            if try context.check(tri: H5Tis_variable_str(fileType.id), "check string kind") {
                let type = try H5ElementType.utf8String.makeType(context)
                var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
                try context.check(
                    H5Dread(
                        handle.id, type.id, spaces.memory.id, spaces.file.id, ch5_default(),
                        &pointers), "read strings \(start)..<\(start + count)")
                let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
                _ = H5Dvlen_reclaim(type.id, spaces.memory.id, ch5_default(), &pointers)
                return strings
            }
            let size = H5Tget_size(fileType.id)
            var bytes = [UInt8](repeating: 0, count: size * count)
            try context.check(
                H5Dread(
                    handle.id, fileType.id, spaces.memory.id, spaces.file.id, ch5_default(),
                    &bytes), "read fixed-length strings")
            return (0..<count).map { row in
                let slice = bytes[(row * size)..<((row + 1) * size)]
                return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
    }

    /// The stored element class as text (`float32`, `int8`, `string`...), for checks and `inspect`.
    func elementTypeName() throws -> String {
        try HDF5Library.shared.locked {
            let type = H5Handle(
                try context.check(id: H5Dget_type(handle.id), "get datatype"),
                kind: .datatype, context: context)
            let size = H5Tget_size(type.id)
            switch H5Tget_class(type.id) {
            case H5T_FLOAT: return "float\(size * 8)"
            case H5T_INTEGER: return (H5Tget_sign(type.id) == H5T_SGN_NONE ? "uint" : "int") + "\(size * 8)"
            case H5T_STRING: return "string"
            default: return "other"
            }
        }
    }

    /// The filter pipeline and chunk shape, e.g. (`shuffle+gzip-1`, [64, 576]).
    func storageLayout() throws -> (compression: String, chunks: [Int]?) {
        try HDF5Library.shared.locked {
            let plist = H5Handle(
                try context.check(id: H5Dget_create_plist(handle.id), "get creation properties"),
                kind: .propertyList, context: context)
            var names: [String] = []
            let filterCount = H5Pget_nfilters(plist.id)
            if filterCount < 0 { throw context.failure("count filters") }
            for index in 0..<UInt32(filterCount) {
                var flags: UInt32 = 0
                var valueCount = 4
                var values = [UInt32](repeating: 0, count: 4)
                var config: UInt32 = 0
                let filter = H5Pget_filter2(plist.id, index, &flags, &valueCount, &values, 0, nil, &config)
                switch filter {
                case H5Z_FILTER_DEFLATE: names.append("gzip-\(valueCount > 0 ? values[0] : 0)")
                case H5Z_FILTER_SHUFFLE: names.append("shuffle")
                case let other: names.append("filter-\(other)")
                }
            }
            var chunks: [Int]? = nil
            if H5Pget_layout(plist.id) == H5D_CHUNKED {
                var dims = [hsize_t](repeating: 0, count: 8)
                let rank = H5Pget_chunk(plist.id, 8, &dims)
                if rank > 0 { chunks = dims.prefix(Int(rank)).map { Int($0) } }
            }
            return (names.isEmpty ? "none" : names.joined(separator: "+"), chunks)
        }
    }
}
