/// A keyed container of the one-pass encoder: the container whose header is at `header`, the `depth`-th open
/// one. Each entry is its key's `stringValue` then the value. A header of -1 is a container that could not be
/// opened in one pass: its writes throw and the value is encoded again by `BinaryTreeEncoder`.
struct BinaryKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: BinaryWriter
    let header: Int
    let depth: Int

    var codingPath: [any CodingKey] { [] }

    @inline(__always)
    private func begin(_ key: Key) throws {
        guard writer.prepare(header: header, depth: depth) else { throw BinaryEncodingNeedsTree() }
        writer.writeKey(key.stringValue)
    }

    mutating func encodeNil(forKey key: Key) throws {
        try begin(key)
        writer.writeNil()
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        try begin(key)
        writer.writeBool(value)
    }

    mutating func encode(_ value: String, forKey key: Key) throws {
        try begin(key)
        writer.writeString(value)
    }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        try begin(key)
        writer.writeDouble(value)
    }

    mutating func encode(_ value: Float, forKey key: Key) throws {
        try begin(key)
        writer.writeFloat(value)
    }

    mutating func encode(_ value: Int, forKey key: Key) throws {
        try begin(key)
        writer.writeInt64(Int64(value))
    }

    mutating func encode(_ value: Int8, forKey key: Key) throws {
        try begin(key)
        writer.writeInt64(Int64(value))
    }

    mutating func encode(_ value: Int16, forKey key: Key) throws {
        try begin(key)
        writer.writeInt64(Int64(value))
    }

    mutating func encode(_ value: Int32, forKey key: Key) throws {
        try begin(key)
        writer.writeInt64(Int64(value))
    }

    mutating func encode(_ value: Int64, forKey key: Key) throws {
        try begin(key)
        writer.writeInt64(value)
    }

    mutating func encode(_ value: Int128, forKey key: Key) throws {
        try begin(key)
        writer.writeInt128(value)
    }

    mutating func encode(_ value: UInt, forKey key: Key) throws {
        try begin(key)
        writer.writeUInt64(UInt64(value))
    }

    mutating func encode(_ value: UInt8, forKey key: Key) throws {
        try begin(key)
        writer.writeUInt64(UInt64(value))
    }

    mutating func encode(_ value: UInt16, forKey key: Key) throws {
        try begin(key)
        writer.writeUInt64(UInt64(value))
    }

    mutating func encode(_ value: UInt32, forKey key: Key) throws {
        try begin(key)
        writer.writeUInt64(UInt64(value))
    }

    mutating func encode(_ value: UInt64, forKey key: Key) throws {
        try begin(key)
        writer.writeUInt64(value)
    }

    mutating func encode(_ value: UInt128, forKey key: Key) throws {
        try begin(key)
        writer.writeUInt128(value)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try begin(key)
        do {
            try writer.encodeValue(value)
        } catch let error as EncodingError {
            throw error.prefixed(by: key)
        }
    }

    /// (The default implementation looks up the metadata of `Optional<T>` on every call.)
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        guard let value else { return }
        try encode(value, forKey: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        var nested = -1
        if writer.prepare(header: header, depth: depth) {
            writer.writeKey(key.stringValue)
            nested = writer.open(BinaryFormat.keyed, order: .keyed(NestedKey.self))
        }
        return KeyedEncodingContainer(
            BinaryKeyedEncodingContainer<NestedKey>(writer: writer, header: nested, depth: depth + 1))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        var nested = -1
        if writer.prepare(header: header, depth: depth) {
            writer.writeKey(key.stringValue)
            nested = writer.open(BinaryFormat.unkeyed, order: .none)
        }
        return BinaryUnkeyedEncodingContainer(writer: writer, header: nested, depth: depth + 1)
    }

    mutating func superEncoder() -> any Encoder {
        superEncoder(forKeyNamed: BinaryCodingKey.super.stringValue)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        superEncoder(forKeyNamed: key.stringValue)
    }

    private func superEncoder(forKeyNamed key: String) -> any Encoder {
        guard writer.prepare(header: header, depth: depth) else {
            return BinaryEncoder(writer: writer, slot: -1, depth: -1)
        }
        writer.writeKey(key)
        let slot = writer.bytes.count
        writer.frames[depth].pendingSlot = slot
        return BinaryEncoder(writer: writer, slot: slot, depth: depth + 1)
    }
}
