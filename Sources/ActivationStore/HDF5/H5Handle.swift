import CHDF5

/// An owned libhdf5 identifier that is closed exactly once: explicitly with `close()` (which reports a
/// failure), or otherwise in `deinit`. The kind decides which `H5?close` applies.
final class H5Handle {
    /// Which family of identifier this is, i.e. which close function it needs.
    enum Kind { case file, group, dataset, dataspace, datatype, attribute, propertyList }

    let id: hid_t
    let kind: Kind
    let context: H5Context
    private var isOpen = true

    /// Takes ownership of `id` (already checked non-negative).
    init(_ id: hid_t, kind: Kind, context: H5Context) {
        self.id = id
        self.kind = kind
        self.context = context
    }

    /// Closes now and throws if the library reports a failure (e.g. a file that cannot be flushed).
    func close() throws {
        try HDF5Library.shared.locked {
            guard isOpen else { return }
            isOpen = false
            try context.check(Self.closeFunction(kind)(id), "close \(kind)")
        }
    }

    deinit {
        HDF5Library.shared.locked {
            if isOpen { _ = Self.closeFunction(kind)(id) }
        }
    }

    private static func closeFunction(_ kind: Kind) -> (hid_t) -> herr_t {
        switch kind {
        case .file: return { H5Fclose($0) }
        case .group: return { H5Gclose($0) }
        case .dataset: return { H5Dclose($0) }
        case .dataspace: return { H5Sclose($0) }
        case .datatype: return { H5Tclose($0) }
        case .attribute: return { H5Aclose($0) }
        case .propertyList: return { H5Pclose($0) }
        }
    }
}
