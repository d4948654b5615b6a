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
struct BinarySingleValueEncodingContainer: SingleValueEncodingContainer, BinaryPrimitiveWriting {
    let writer: BinaryWriter
    let slot: Int
    let depth: Int

    var codingPath: [any CodingKey] { [] }

    @inline(__always)
    func beginValue() throws {
        guard writer.isFresh(slot: slot, depth: depth) else {
            // Written twice, or after its enclosing container went on: the tree encoder tells which.
            writer.needsTree = true
            throw BinaryEncodingNeedsTree()
        }
    }

    mutating func encode(_ value: Int128) throws {
        try beginValue()
        writer.writeInt128(value)
    }

    mutating func encode(_ value: UInt128) throws {
        try beginValue()
        writer.writeUInt128(value)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try beginValue()
        try writer.encodeValue(value)
    }
}
