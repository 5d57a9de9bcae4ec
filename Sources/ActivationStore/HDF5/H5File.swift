import CHDF5
import Foundation

/// An open HDF5 file: groups, datasets and root attributes. Created or opened only through the static
/// functions, which check existence, signature and truncation first so that errors say which it was.
final class H5File: H5AttributeHolder {
    let handle: H5Handle
    let path: String
    let writable: Bool

    private init(handle: H5Handle, path: String, writable: Bool) {
        self.handle = handle
        self.path = path
        self.writable = writable
    }

    /// Creates a new file. An existing file is an error unless `overwrite`; then it is replaced, but only when no
    /// other process has it open (`StoreError.fileInUse`): it is never truncated under a running writer.
    static func create(path: String, overwrite: Bool) throws -> H5File {
        if !overwrite && FileManager.default.fileExists(atPath: path) { throw StoreError.fileExists(path: path) }
        let target = FileReplacement.target(path)
        if overwrite { try FileReplacement.removeUnlessInUse(target, displayPath: path) }
        let context = H5Context(file: path, object: "/")
        let file: H5File = try HDF5Library.shared.locked {
            let id = H5Fcreate(target, ch5_acc_excl(), ch5_default(), ch5_default())
            if id < 0 {
                if FileManager.default.fileExists(atPath: target) {
                    // Another process created it between the removal and this call: it is that one's file now.
                    throw overwrite ? StoreError.fileInUse(path: path) : StoreError.fileExists(path: path)
                }
                throw context.failure("create file")
            }
            return H5File(handle: H5Handle(id, kind: .file, context: context), path: path, writable: true)
        }
        try file.lockForWriting()
        return file
    }

    /// Holds an exclusive lock on the file for as long as it is open for writing (see `FileReplacement`).
    func lockForWriting() throws {
        if let descriptor { try FileReplacement.lockWriter(fileDescriptor: descriptor, displayPath: path) }
    }

    /// The POSIX descriptor libhdf5's default (sec2) driver reads and writes through; nil for other drivers.
    var descriptor: Int32? {
        HDF5Library.shared.locked {
            var handlePointer: UnsafeMutableRawPointer?
            guard H5Fget_vfd_handle(handle.id, ch5_default(), &handlePointer) >= 0, let handlePointer else {
                return nil
            }
            return handlePointer.load(as: Int32.self)
        }
    }

    /// Opens an existing file read-only or read-write.
    static func open(path: String, writable: Bool) throws -> H5File {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.fileNotFound(path: path) }
        if let problem = RegularFile.problem(path) {  // libhdf5's open of a named pipe never returns
            throw StoreError.invalidArgument(what: "file \(path)", detail: "\(problem), not an HDF5 activation file")
        }
        let context = H5Context(file: path, object: "/")
        let file: H5File = try HDF5Library.shared.locked {
            let isHDF5 = H5Fis_hdf5(path)
            if isHDF5 == 0 { throw StoreError.notHDF5(path: path) }
            let id = H5Fopen(path, writable ? ch5_acc_rdwr() : ch5_acc_rdonly(), ch5_default())
            if id < 0 || isHDF5 < 0 {
                let message = HDF5Library.shared.errorStackMessage()
                if message.contains("truncated file") {
                    throw StoreError.truncated(path: path, detail: HDF5Library.truncationDetail(message))
                }
                if message.contains("already open for read-only") || message.contains("already open for read-write") {
                    throw StoreError.hdf5(
                        operation: "open file", file: path, object: "/",
                        message: message
                            + ". This process already has the file open in another mode; close that reader or writer first."
                    )
                }
                if message.contains("unable to lock file") {
                    throw StoreError.hdf5(
                        operation: "open file", file: path, object: "/",
                        message: message
                            + ". Another process has the file open for writing; wait for it to finish (or close it).")
                }
                // The whole stack names libhdf5's internal functions (H5C_protect, ...); say what it means instead.
                throw StoreError.hdf5(
                    operation: "open file", file: path, object: "/",
                    message: "the file is damaged ("
                        + HDF5Library.innermostCause(message) + "); copy it again, or capture it again")
            }
            return H5File(handle: H5Handle(id, kind: .file, context: context), path: path, writable: writable)
        }
        if writable { try file.lockForWriting() }
        return file
    }

    /// Writes all buffered data and metadata to disk (after this the file on disk is consistent).
    func flush() throws {
        try HDF5Library.shared.locked {
            try handle.context.check(H5Fflush(handle.id, H5F_SCOPE_LOCAL), "flush file")
        }
    }

    /// Closes the file (objects still open keep it alive until they close).
    func close() throws { try handle.close() }

    /// Whether an absolute object path like `/examples/meta/country` exists (every component is checked).
    func exists(_ objectPath: String) throws -> Bool {
        try HDF5Library.shared.locked {
            var prefix = ""
            for component in objectPath.split(separator: "/") {
                prefix += "/" + component
                let found = try handle.context.child(prefix).check(
                    tri: H5Lexists(handle.id, prefix, ch5_default()), "look up link")
                if !found { return false }
            }
            return true
        }
    }

    /// Creates the group and any missing parents.
    func createGroups(_ objectPath: String) throws {
        try HDF5Library.shared.locked {
            var prefix = ""
            for component in objectPath.split(separator: "/") {
                prefix += "/" + component
                if try exists(prefix) { continue }
                let context = handle.context.child(prefix)
                let id = try context.check(
                    id: H5Gcreate2(handle.id, prefix, ch5_default(), ch5_default(), ch5_default()), "create group")
                try H5Handle(id, kind: .group, context: context).close()
            }
        }
    }

    /// Names of the links directly inside a group, sorted by name.
    func childNames(of group: String) throws -> [String] {
        try HDF5Library.shared.locked {
            let context = handle.context.child(group)
            let gid = try context.check(id: H5Gopen2(handle.id, group, ch5_default()), "open group")
            let groupHandle = H5Handle(gid, kind: .group, context: context)
            var info = H5G_info_t()
            try context.check(H5Gget_info(groupHandle.id, &info), "get group info")
            var names: [String] = []
            for index in 0..<info.nlinks {
                let size = H5Lget_name_by_idx(gid, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, ch5_default())
                if size < 0 { throw context.failure("get link name") }
                var buffer = [CChar](repeating: 0, count: Int(size) + 1)
                let got = buffer.withUnsafeMutableBufferPointer {
                    H5Lget_name_by_idx(
                        gid, ".", H5_INDEX_NAME, H5_ITER_INC, index, $0.baseAddress, $0.count, ch5_default())
                }
                if got < 0 { throw context.failure("get link name") }
                names.append(String(decoding: buffer.prefix(Int(got)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            return names.sorted()
        }
    }

    /// Opens an existing dataset, or throws `missingObject` when it is absent.
    func openDataset(_ objectPath: String) throws -> H5Dataset {
        guard try exists(objectPath) else { throw StoreError.missingObject(path: path, object: objectPath) }
        return try HDF5Library.shared.locked {
            let context = handle.context.child(objectPath)
            let id = try context.check(id: H5Dopen2(handle.id, objectPath, ch5_default()), "open dataset")
            return H5Dataset(handle: H5Handle(id, kind: .dataset, context: context))
        }
    }

    /// Creates an empty appendable dataset: shape `[0]` (width nil) or `[0, width]`, unlimited first
    /// dimension, chunks of `chunkRows` rows, and the given compression (never applied to strings).
    func createDataset(
        _ objectPath: String, element: H5ElementType, width: Int?, chunkRows: Int,
        compression: StoreCompression
    ) throws -> H5Dataset {
        let parent = objectPath.split(separator: "/").dropLast().joined(separator: "/")
        if !parent.isEmpty { try createGroups("/" + parent) }
        return try HDF5Library.shared.locked {
            let context = handle.context.child(objectPath)
            let type = try element.makeType(context)
            var dims: [hsize_t] = [0]
            var maxDims: [hsize_t] = [ch5_unlimited()]
            var chunk: [hsize_t] = [hsize_t(max(1, chunkRows))]
            if let width {
                dims.append(hsize_t(width)); maxDims.append(hsize_t(width)); chunk.append(hsize_t(max(1, width)))
            }
            let space = H5Handle(
                try context.check(
                    id: H5Screate_simple(Int32(dims.count), dims, maxDims),
                    "create dataspace"), kind: .dataspace, context: context)
            let dcpl = H5Handle(
                try context.check(id: H5Pcreate(ch5_p_dataset_create()), "create property list"),
                kind: .propertyList, context: context)
            try context.check(H5Pset_chunk(dcpl.id, Int32(chunk.count), chunk), "set chunk shape")
            if case let .gzip(level, shuffle) = compression, element != .utf8String {
                if shuffle { try context.check(H5Pset_shuffle(dcpl.id), "set shuffle filter") }
                try context.check(H5Pset_deflate(dcpl.id, UInt32(level)), "set deflate filter")
            }
            let id = try context.check(
                id: H5Dcreate2(handle.id, objectPath, type.id, space.id, ch5_default(), dcpl.id, ch5_default()),
                "create dataset")
            return H5Dataset(handle: H5Handle(id, kind: .dataset, context: context))
        }
    }
}
