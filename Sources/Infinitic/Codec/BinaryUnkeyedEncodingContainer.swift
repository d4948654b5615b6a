/// An unkeyed container of the one-pass encoder: the container whose header is at `header`, the `depth`-th open
/// one (a header of -1: could not be opened in one pass, see `BinaryKeyedEncodingContainer`). Header and depth
/// are kept in 32 bits so that the container fits the three words of an existential.
struct BinaryUnkeyedEncodingContainer: UnkeyedEncodingContainer, BinaryPrimitiveWriting {
    let writer: BinaryWriter
    private let header32: Int32
    private let depth32: Int32
    private(set) var count = 0

    init(writer: BinaryWriter, header: Int, depth: Int) {
        self.writer = writer
        // A document past 2 GB cannot be written in one pass (nor sent to Redis).
        if let header = Int32(exactly: header), let depth = Int32(exactly: depth) {
            header32 = header
            depth32 = depth
        } else {
            writer.needsTree = true
            header32 = -1
            depth32 = -1
        }
    }

    private var header: Int { Int(header32) }
    private var depth: Int { Int(depth32) }

    var codingPath: [any CodingKey] { [] }

    @inline(__always)
    mutating func beginValue() throws {
        guard writer.prepare(header: header, depth: depth) else { throw BinaryEncodingNeedsTree() }
        count += 1
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
        do {
            try writer.encodeValue(value)
        } catch let error as EncodingError {
            throw error.prefixed(by: BinaryCodingKey(intValue: count - 1))
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    )
        -> KeyedEncodingContainer<NestedKey>
    {
        var nested = -1
        if writer.prepare(header: header, depth: depth) {
            count += 1
            nested = writer.open(BinaryFormat.keyed, order: .keyed(NestedKey.self))
        }
        return KeyedEncodingContainer(
            BinaryKeyedEncodingContainer<NestedKey>(writer: writer, header: nested, depth: depth + 1))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        var nested = -1
        if writer.prepare(header: header, depth: depth) {
            count += 1
            nested = writer.open(BinaryFormat.unkeyed, order: .none)
        }
        return BinaryUnkeyedEncodingContainer(writer: writer, header: nested, depth: depth + 1)
    }

    mutating func superEncoder() -> any Encoder {
        guard writer.prepare(header: header, depth: depth) else {
            return BinaryEncoder(writer: writer, slot: -1, depth: -1)
        }
        count += 1
        let slot = writer.bytes.count
        writer.frames[depth].pendingSlot = slot
        return BinaryEncoder(writer: writer, slot: slot, depth: depth + 1)
    }
}
