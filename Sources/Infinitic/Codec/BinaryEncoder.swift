/// The one-pass encoder of `BinaryPayloadCodec`: the `Encoder` a value encodes itself into, for one value slot
/// of a `BinaryWriter` (where the value's bytes start, and how many containers were open then). Three words, so
/// that passing it as `any Encoder` allocates nothing.
struct BinaryEncoder: Encoder {
    let writer: BinaryWriter
    let slot: Int
    let depth: Int

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let header =
            writer.openInSlot(
                slot: slot, depth: depth, tag: BinaryFormat.keyed, order: .keyed(Key.self)) ?? -1
        return KeyedEncodingContainer(BinaryKeyedEncodingContainer<Key>(writer: writer, header: header, depth: depth))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let order = writer.valueTypeSlot == slot ? BinaryCanonicalOrder.unkeyed(writer.valueType) : .none
        let header = writer.openInSlot(slot: slot, depth: depth, tag: BinaryFormat.unkeyed, order: order) ?? -1
        return BinaryUnkeyedEncodingContainer(writer: writer, header: header, depth: depth)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        BinarySingleValueEncodingContainer(writer: writer, slot: slot, depth: depth)
    }
}

/// Thrown by a container used after it closed: the value is encoded again by `BinaryTreeEncoder`.
struct BinaryEncodingNeedsTree: Error {}

/// A single value container: writes one value in its slot.
struct BinarySingleValueEncodingContainer: SingleValueEncodingContainer {
    let writer: BinaryWriter
    let slot: Int
    let depth: Int

    var codingPath: [any CodingKey] { [] }

    @inline(__always)
    private func begin() throws {
        guard writer.isFresh(slot: slot, depth: depth) else {
            // Written twice, or after its enclosing container went on: the tree encoder tells which.
            writer.needsTree = true
            throw BinaryEncodingNeedsTree()
        }
    }

    mutating func encodeNil() throws {
        try begin()
        writer.writeNil()
    }

    mutating func encode(_ value: Bool) throws {
        try begin()
        writer.writeBool(value)
    }

    mutating func encode(_ value: String) throws {
        try begin()
        writer.writeString(value)
    }

    mutating func encode(_ value: Double) throws {
        try begin()
        writer.writeDouble(value)
    }

    mutating func encode(_ value: Float) throws {
        try begin()
        writer.writeFloat(value)
    }

    mutating func encode(_ value: Int) throws {
        try begin()
        writer.writeInt64(Int64(value))
    }

    mutating func encode(_ value: Int8) throws {
        try begin()
        writer.writeInt64(Int64(value))
    }

    mutating func encode(_ value: Int16) throws {
        try begin()
        writer.writeInt64(Int64(value))
    }

    mutating func encode(_ value: Int32) throws {
        try begin()
        writer.writeInt64(Int64(value))
    }

    mutating func encode(_ value: Int64) throws {
        try begin()
        writer.writeInt64(value)
    }

    mutating func encode(_ value: Int128) throws {
        try begin()
        writer.writeInt128(value)
    }

    mutating func encode(_ value: UInt) throws {
        try begin()
        writer.writeUInt64(UInt64(value))
    }

    mutating func encode(_ value: UInt8) throws {
        try begin()
        writer.writeUInt64(UInt64(value))
    }

    mutating func encode(_ value: UInt16) throws {
        try begin()
        writer.writeUInt64(UInt64(value))
    }

    mutating func encode(_ value: UInt32) throws {
        try begin()
        writer.writeUInt64(UInt64(value))
    }

    mutating func encode(_ value: UInt64) throws {
        try begin()
        writer.writeUInt64(value)
    }

    mutating func encode(_ value: UInt128) throws {
        try begin()
        writer.writeUInt128(value)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try begin()
        try writer.encodeValue(value)
    }
}
