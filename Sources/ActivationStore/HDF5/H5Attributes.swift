import CHDF5
import Foundation

/// Anything attributes hang on: a file (its root group) or a dataset.
protocol H5AttributeHolder {
    var handle: H5Handle { get }
}

extension H5AttributeHolder {
    private func attributeContext(_ name: String) -> H5Context {
        let object = handle.context.object
        return handle.context.child(object == "/" ? "/@\(name)" : "\(object)@\(name)")
    }

    /// Whether the attribute exists.
    func hasAttribute(_ name: String) throws -> Bool {
        try HDF5Library.shared.locked {
            try attributeContext(name).check(tri: H5Aexists(handle.id, name), "look up attribute")
        }
    }

    /// Names of all attributes, sorted.
    func attributeNames() throws -> [String] {
        try HDF5Library.shared.locked {
            var info = H5O_info_t()
            try handle.context.check(H5Oget_info2(handle.id, &info, UInt32(H5O_INFO_NUM_ATTRS)), "get object info")
            var names: [String] = []
            for index in 0..<info.num_attrs {
                let size = H5Aget_name_by_idx(handle.id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, ch5_default())
                if size < 0 { throw handle.context.failure("get attribute name") }
                var buffer = [CChar](repeating: 0, count: Int(size) + 1)
                _ = buffer.withUnsafeMutableBufferPointer {
                    H5Aget_name_by_idx(
                        handle.id, ".", H5_INDEX_NAME, H5_ITER_INC, index, $0.baseAddress, $0.count,
                        ch5_default())
                }
                names.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            return names.sorted()
        }
    }

    /// Creates (replacing any old one) an attribute of `type` with `dims` (`[]` = scalar) and writes `data`.
    private func replaceAttribute(_ name: String, type: hid_t, dims: [hsize_t], data: UnsafeRawPointer) throws {
        let context = attributeContext(name)
        try HDF5Library.shared.locked {
            if try hasAttribute(name) { try context.check(H5Adelete(handle.id, name), "delete old attribute") }
            let spaceID = dims.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), dims, nil)
            let space = H5Handle(try context.check(id: spaceID, "create dataspace"), kind: .dataspace, context: context)
            let attribute = H5Handle(
                try context.check(
                    id: H5Acreate2(
                        handle.id, name, type, space.id, ch5_default(),
                        ch5_default()), "create attribute"),
                kind: .attribute, context: context)
            try context.check(H5Awrite(attribute.id, type, data), "write attribute")
            try attribute.close()
        }
    }

    /// Writes a UTF-8 string attribute (variable-length, so h5py reads a `str`).
    func setAttribute(_ name: String, string value: String) throws {
        try setAttribute(name, strings: [value], scalar: true)
    }

    /// Writes a 1-D (or, with `scalar`, a single) variable-length UTF-8 string attribute.
    func setAttribute(_ name: String, strings values: [String], scalar: Bool = false) throws {
        let context = attributeContext(name)
        try HDF5Library.shared.locked {
            let type = try H5ElementType.utf8String.makeType(context)
            let pointers: [UnsafeMutablePointer<CChar>?] = values.map { strdup($0) }
            defer { pointers.forEach { free($0) } }
            try pointers.withUnsafeBufferPointer {
                try replaceAttribute(
                    name, type: type.id, dims: scalar ? [] : [hsize_t(values.count)],
                    data: UnsafeRawPointer($0.baseAddress!))
            }
        }
    }

    /// Writes an int64 scalar attribute; an existing int attribute is overwritten in place (no new header space).
    func setAttribute(_ name: String, int value: Int64) throws {
        let context = attributeContext(name)
        try HDF5Library.shared.locked {
            var value = value
            if try hasAttribute(name) {
                let attribute = H5Handle(
                    try context.check(id: H5Aopen(handle.id, name, ch5_default()), "open attribute"),
                    kind: .attribute, context: context)
                let type = H5Handle(
                    try context.check(id: H5Aget_type(attribute.id), "get attribute type"),
                    kind: .datatype, context: context)
                if H5Tget_class(type.id) == H5T_INTEGER {
                    try context.check(H5Awrite(attribute.id, ch5_native_int64(), &value), "write attribute")
                    return
                }
            }
            try replaceAttribute(name, type: ch5_native_int64(), dims: [], data: &value)
        }
    }

    /// Writes a 1-D int64 array attribute (replacing any old one).
    func setAttribute(_ name: String, ints values: [Int64]) throws {
        let stored = values.isEmpty ? [Int64(0)] : values  // libhdf5 wants a valid pointer even for 0 elements
        try stored.withUnsafeBufferPointer { buffer in
            try replaceAttribute(
                name, type: ch5_native_int64(), dims: [hsize_t(values.count)],
                data: UnsafeRawPointer(buffer.baseAddress!))
        }
    }

    /// Reads an integer attribute of any shape (scalar or 1-D) as int64 values.
    func intsAttribute(_ name: String) throws -> [Int64] {
        try HDF5Library.shared.locked {
            let attribute = try openAttribute(name)
            let context = attribute.context
            let type = H5Handle(
                try context.check(id: H5Aget_type(attribute.id), "get attribute type"),
                kind: .datatype, context: context)
            guard H5Tget_class(type.id) == H5T_INTEGER else {
                throw StoreError.shapeMismatch(
                    path: context.file, object: context.object,
                    expected: "an integer attribute", found: "another type")
            }
            let space = H5Handle(
                try context.check(id: H5Aget_space(attribute.id), "get dataspace"),
                kind: .dataspace, context: context)
            var values = [Int64](repeating: 0, count: Int(H5Sget_simple_extent_npoints(space.id)))
            guard !values.isEmpty else { return [] }
            try context.check(H5Aread(attribute.id, ch5_native_int64(), &values), "read attribute")
            return values
        }
    }

    /// Opens an existing attribute, or throws `missingObject`.
    private func openAttribute(_ name: String) throws -> H5Handle {
        let context = attributeContext(name)
        guard try hasAttribute(name) else { throw StoreError.missingObject(path: context.file, object: context.object) }
        return H5Handle(
            try context.check(id: H5Aopen(handle.id, name, ch5_default()), "open attribute"),
            kind: .attribute, context: context)
    }

    /// Reads a scalar integer attribute (any integer width; converted to Int64).
    func intAttribute(_ name: String) throws -> Int64 {
        let values = try intsAttribute(name)
        guard values.count == 1 else {
            throw StoreError.shapeMismatch(
                path: handle.context.file, object: "@\(name)",
                expected: "a single integer", found: "\(values.count) integers")
        }
        return values[0]
    }

    /// Reads a string attribute (scalar, or the first element of an array).
    func stringAttribute(_ name: String) throws -> String {
        try stringsAttribute(name).first ?? ""
    }

    /// Reads a string or string-array attribute (variable- or fixed-length).
    func stringsAttribute(_ name: String) throws -> [String] {
        try HDF5Library.shared.locked {
            let attribute = try openAttribute(name)
            let context = attribute.context
            let type = H5Handle(
                try context.check(id: H5Aget_type(attribute.id), "get attribute type"),
                kind: .datatype, context: context)
            guard H5Tget_class(type.id) == H5T_STRING else {
                throw StoreError.shapeMismatch(
                    path: context.file, object: context.object,
                    expected: "a string attribute", found: "another type")
            }
            let space = H5Handle(
                try context.check(id: H5Aget_space(attribute.id), "get dataspace"),
                kind: .dataspace, context: context)
            let count = Int(H5Sget_simple_extent_npoints(space.id))
            guard count > 0 else { return [] }
            if try context.check(tri: H5Tis_variable_str(type.id), "check string kind") {
                let memoryType = try H5ElementType.utf8String.makeType(context)
                var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
                try context.check(H5Aread(attribute.id, memoryType.id, &pointers), "read attribute")
                let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
                _ = H5Dvlen_reclaim(memoryType.id, space.id, ch5_default(), &pointers)
                return strings
            }
            let size = H5Tget_size(type.id)
            var bytes = [UInt8](repeating: 0, count: size * count)
            try context.check(H5Aread(attribute.id, type.id, &bytes), "read attribute")
            return (0..<count).map { index in
                String(decoding: bytes[(index * size)..<((index + 1) * size)].prefix { $0 != 0 }, as: UTF8.self)
            }
        }
    }
}
