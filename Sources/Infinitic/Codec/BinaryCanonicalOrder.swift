/// How a container's items are ordered when it closes, so that equal values encode to equal bytes whatever
/// the iteration order of their collections (which depends on the hash seed and the insertion history).
enum BinaryCanonicalOrder: UInt8 {
    /// As written (structs, arrays).
    case none
    /// Keyed entries by key bytes: a dictionary (with String, Int or `CodingKeyRepresentable` keys), or any
    /// container with keys made at run time.
    case keys
    /// Values by their encoded bytes: a `Set`.
    case elements
    /// Pairs of values by the encoded bytes of the first: a dictionary with other keys (encoded by the standard
    /// library as alternating keys and values).
    case pairs

    /// The order of the keyed container a `Key` type opens. A key type of at most one byte is an enum without
    /// payloads (synthesized `CodingKeys`): its keys are written in the order of the code, the same for equal
    /// values. A larger one can hold strings made at run time (the standard library's dictionary key, keys
    /// from a dictionary a hand-written `encode(to:)` iterates): its entries are sorted, as `JSONPayloadCodec`
    /// sorts every key.
    @inline(__always)
    static func keyed<Key: CodingKey>(_ key: Key.Type) -> BinaryCanonicalOrder {
        MemoryLayout<Key>.size > 1 ? .keys : .none
    }

    /// The order of the unkeyed container the value of type `type` opens.
    static func unkeyed(_ type: Any.Type?) -> BinaryCanonicalOrder {
        (type as? any BinaryUnorderedCollection.Type)?.binaryCanonicalOrder ?? .none
    }

}

/// Collections whose order is not part of their value, with the order their unkeyed container gets.
protocol BinaryUnorderedCollection {
    static var binaryCanonicalOrder: BinaryCanonicalOrder { get }
}

extension Set: BinaryUnorderedCollection {
    static var binaryCanonicalOrder: BinaryCanonicalOrder { .elements }
}

extension Dictionary: BinaryUnorderedCollection {
    static var binaryCanonicalOrder: BinaryCanonicalOrder { .pairs }
}
