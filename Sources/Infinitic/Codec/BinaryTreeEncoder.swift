/// The encoder `BinaryPayloadCodec` falls back to when a value uses its containers in an order the one-pass
/// encoder cannot write (writing into a container after writing past it, using a super encoder after the
/// enclosing container went on...): it builds the tree of containers first, then writes it. Same bytes as the
/// one-pass encoder whenever both can encode a value; it also reports misuse (two values in one single value
/// container, a keyed container asked of an encoder holding an unkeyed one) as an `EncodingError`.
enum BinaryTreeEncoder {
    static func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let context = BinaryTreeContext()
        let root = BinaryTreeNode()
        try context.encodeValue(value, into: root)
        if let misuse = context.misuse { throw misuse }
        let writer = BinaryWriter()
        writer.bytes.append(BinaryFormat.magic)
        root.write(into: writer)
        return writer.bytes
    }
}

/// One value of the tree: unwritten yet, direct bytes, or a container of nodes.
final class BinaryTreeNode {
    enum Kind {
        case empty
        case bytes
        case keyed
        case unkeyed
    }

    var kind = Kind.empty
    var bytes: [UInt8] = []
    var entries: [(key: String, node: BinaryTreeNode)] = []
    var elements: [BinaryTreeNode] = []
    var order = BinaryCanonicalOrder.none
    /// The type of the value encoded in this node (an unkeyed container may be a `Set`'s).
    var valueType: Any.Type?

    /// Writes the node at the end of `writer`, as the one-pass encoder would have (an empty node is an empty
    /// keyed container, as a value that encodes nothing).
    func write(into writer: BinaryWriter) {
        switch kind {
        case .empty:
            writer.writeEmptyKeyed()
        case .bytes:
            writer.bytes.append(contentsOf: bytes)
        case .keyed:
            let header = writer.open(BinaryFormat.keyed, order: order)
            for (key, node) in entries {
                writer.writeKey(key)
                node.write(into: writer)
            }
            writer.close(header: header)
        case .unkeyed:
            let header = writer.open(BinaryFormat.unkeyed, order: order)
            for node in elements { node.write(into: writer) }
            writer.close(header: header)
        }
    }
}

/// What the encoders and containers of one tree encoding share: the first misuse found.
final class BinaryTreeContext {
    var misuse: EncodingError?

    func encodeValue<T: Encodable>(_ value: T, into node: BinaryTreeNode) throws {
        let writer = BinaryWriter()
        if writer.writeDirect(value) {
            node.kind = .bytes
            node.bytes = writer.bytes
            return
        }
        node.valueType = T.self
        try value.encode(to: BinaryTreeEncoderNode(node: node, context: self))
    }

    /// A node holding one scalar written by `write`.
    func scalar(_ write: (BinaryWriter) -> Void) -> BinaryTreeNode {
        let writer = BinaryWriter()
        write(writer)
        let node = BinaryTreeNode()
        node.kind = .bytes
        node.bytes = writer.bytes
        return node
    }

    func report(_ message: String) {
        if misuse == nil {
            misuse = .invalidValue(
                (), .init(codingPath: [], debugDescription: "BinaryPayloadCodec: \(message)"))
        }
    }
}

/// The `Encoder` for one node of the tree.
struct BinaryTreeEncoderNode: Encoder {
    let node: BinaryTreeNode
    let context: BinaryTreeContext

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        switch node.kind {
        case .empty:
            node.kind = .keyed
            node.order = .keyed(Key.self)
        case .keyed:
            break
        case .bytes, .unkeyed:
            context.report("a keyed container was asked of an encoder that already holds another value")
            return KeyedEncodingContainer(BinaryTreeKeyedContainer<Key>(node: BinaryTreeNode(), context: context))
        }
        return KeyedEncodingContainer(BinaryTreeKeyedContainer<Key>(node: node, context: context))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        switch node.kind {
        case .empty:
            node.kind = .unkeyed
            node.order = .unkeyed(node.valueType)
        case .unkeyed:
            break
        case .bytes, .keyed:
            context.report("an unkeyed container was asked of an encoder that already holds another value")
            return BinaryTreeUnkeyedContainer(node: BinaryTreeNode(), context: context)
        }
        return BinaryTreeUnkeyedContainer(node: node, context: context)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        BinaryTreeSingleValueContainer(node: node, context: context)
    }
}

struct BinaryTreeKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: BinaryTreeNode
    let context: BinaryTreeContext

    var codingPath: [any CodingKey] { [] }

    private func add(_ key: Key, _ write: (BinaryWriter) -> Void) {
        node.entries.append((key.stringValue, context.scalar(write)))
    }

    mutating func encodeNil(forKey key: Key) throws { add(key) { $0.writeNil() } }
    mutating func encode(_ value: Bool, forKey key: Key) throws { add(key) { $0.writeBool(value) } }
    mutating func encode(_ value: String, forKey key: Key) throws { add(key) { $0.writeString(value) } }
    mutating func encode(_ value: Double, forKey key: Key) throws { add(key) { $0.writeDouble(value) } }
    mutating func encode(_ value: Float, forKey key: Key) throws { add(key) { $0.writeFloat(value) } }
    mutating func encode(_ value: Int, forKey key: Key) throws { add(key) { $0.writeInt64(Int64(value)) } }
    mutating func encode(_ value: Int8, forKey key: Key) throws { add(key) { $0.writeInt64(Int64(value)) } }
    mutating func encode(_ value: Int16, forKey key: Key) throws { add(key) { $0.writeInt64(Int64(value)) } }
    mutating func encode(_ value: Int32, forKey key: Key) throws { add(key) { $0.writeInt64(Int64(value)) } }
    mutating func encode(_ value: Int64, forKey key: Key) throws { add(key) { $0.writeInt64(value) } }
    mutating func encode(_ value: Int128, forKey key: Key) throws { add(key) { $0.writeInt128(value) } }
    mutating func encode(_ value: UInt, forKey key: Key) throws { add(key) { $0.writeUInt64(UInt64(value)) } }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { add(key) { $0.writeUInt64(UInt64(value)) } }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { add(key) { $0.writeUInt64(UInt64(value)) } }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { add(key) { $0.writeUInt64(UInt64(value)) } }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { add(key) { $0.writeUInt64(value) } }
    mutating func encode(_ value: UInt128, forKey key: Key) throws { add(key) { $0.writeUInt128(value) } }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let child = BinaryTreeNode()
        node.entries.append((key.stringValue, child))
        do {
            try context.encodeValue(value, into: child)
        } catch let error as EncodingError {
            throw error.prefixed(by: key)
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let child = BinaryTreeNode()
        child.kind = .keyed
        child.order = .keyed(NestedKey.self)
        node.entries.append((key.stringValue, child))
        return KeyedEncodingContainer(BinaryTreeKeyedContainer<NestedKey>(node: child, context: context))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = BinaryTreeNode()
        child.kind = .unkeyed
        node.entries.append((key.stringValue, child))
        return BinaryTreeUnkeyedContainer(node: child, context: context)
    }

    mutating func superEncoder() -> any Encoder {
        let child = BinaryTreeNode()
        node.entries.append((BinaryCodingKey.super.stringValue, child))
        return BinaryTreeEncoderNode(node: child, context: context)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = BinaryTreeNode()
        node.entries.append((key.stringValue, child))
        return BinaryTreeEncoderNode(node: child, context: context)
    }
}

struct BinaryTreeUnkeyedContainer: UnkeyedEncodingContainer {
    let node: BinaryTreeNode
    let context: BinaryTreeContext

    var codingPath: [any CodingKey] { [] }
    var count: Int { node.elements.count }

    private func add(_ write: (BinaryWriter) -> Void) {
        node.elements.append(context.scalar(write))
    }

    mutating func encodeNil() throws { add { $0.writeNil() } }
    mutating func encode(_ value: Bool) throws { add { $0.writeBool(value) } }
    mutating func encode(_ value: String) throws { add { $0.writeString(value) } }
    mutating func encode(_ value: Double) throws { add { $0.writeDouble(value) } }
    mutating func encode(_ value: Float) throws { add { $0.writeFloat(value) } }
    mutating func encode(_ value: Int) throws { add { $0.writeInt64(Int64(value)) } }
    mutating func encode(_ value: Int8) throws { add { $0.writeInt64(Int64(value)) } }
    mutating func encode(_ value: Int16) throws { add { $0.writeInt64(Int64(value)) } }
    mutating func encode(_ value: Int32) throws { add { $0.writeInt64(Int64(value)) } }
    mutating func encode(_ value: Int64) throws { add { $0.writeInt64(value) } }
    mutating func encode(_ value: Int128) throws { add { $0.writeInt128(value) } }
    mutating func encode(_ value: UInt) throws { add { $0.writeUInt64(UInt64(value)) } }
    mutating func encode(_ value: UInt8) throws { add { $0.writeUInt64(UInt64(value)) } }
    mutating func encode(_ value: UInt16) throws { add { $0.writeUInt64(UInt64(value)) } }
    mutating func encode(_ value: UInt32) throws { add { $0.writeUInt64(UInt64(value)) } }
    mutating func encode(_ value: UInt64) throws { add { $0.writeUInt64(value) } }
    mutating func encode(_ value: UInt128) throws { add { $0.writeUInt128(value) } }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let child = BinaryTreeNode()
        node.elements.append(child)
        do {
            try context.encodeValue(value, into: child)
        } catch let error as EncodingError {
            throw error.prefixed(by: BinaryCodingKey(intValue: node.elements.count - 1))
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    )
        -> KeyedEncodingContainer<NestedKey>
    {
        let child = BinaryTreeNode()
        child.kind = .keyed
        child.order = .keyed(NestedKey.self)
        node.elements.append(child)
        return KeyedEncodingContainer(BinaryTreeKeyedContainer<NestedKey>(node: child, context: context))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = BinaryTreeNode()
        child.kind = .unkeyed
        node.elements.append(child)
        return BinaryTreeUnkeyedContainer(node: child, context: context)
    }

    mutating func superEncoder() -> any Encoder {
        let child = BinaryTreeNode()
        node.elements.append(child)
        return BinaryTreeEncoderNode(node: child, context: context)
    }
}

struct BinaryTreeSingleValueContainer: SingleValueEncodingContainer {
    let node: BinaryTreeNode
    let context: BinaryTreeContext

    var codingPath: [any CodingKey] { [] }

    private func set(_ write: (BinaryWriter) -> Void) throws {
        try begin()
        let writer = BinaryWriter()
        write(writer)
        node.kind = .bytes
        node.bytes = writer.bytes
    }

    private func begin() throws {
        guard node.kind == .empty else {
            throw EncodingError.invalidValue(
                (),
                .init(
                    codingPath: [],
                    debugDescription:
                        "BinaryPayloadCodec: a second value encoded through a single value container, or into an "
                        + "encoder that already holds a container"))
        }
    }

    mutating func encodeNil() throws { try set { $0.writeNil() } }
    mutating func encode(_ value: Bool) throws { try set { $0.writeBool(value) } }
    mutating func encode(_ value: String) throws { try set { $0.writeString(value) } }
    mutating func encode(_ value: Double) throws { try set { $0.writeDouble(value) } }
    mutating func encode(_ value: Float) throws { try set { $0.writeFloat(value) } }
    mutating func encode(_ value: Int) throws { try set { $0.writeInt64(Int64(value)) } }
    mutating func encode(_ value: Int8) throws { try set { $0.writeInt64(Int64(value)) } }
    mutating func encode(_ value: Int16) throws { try set { $0.writeInt64(Int64(value)) } }
    mutating func encode(_ value: Int32) throws { try set { $0.writeInt64(Int64(value)) } }
    mutating func encode(_ value: Int64) throws { try set { $0.writeInt64(value) } }
    mutating func encode(_ value: Int128) throws { try set { $0.writeInt128(value) } }
    mutating func encode(_ value: UInt) throws { try set { $0.writeUInt64(UInt64(value)) } }
    mutating func encode(_ value: UInt8) throws { try set { $0.writeUInt64(UInt64(value)) } }
    mutating func encode(_ value: UInt16) throws { try set { $0.writeUInt64(UInt64(value)) } }
    mutating func encode(_ value: UInt32) throws { try set { $0.writeUInt64(UInt64(value)) } }
    mutating func encode(_ value: UInt64) throws { try set { $0.writeUInt64(value) } }
    mutating func encode(_ value: UInt128) throws { try set { $0.writeUInt128(value) } }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try begin()
        try context.encodeValue(value, into: node)
    }
}
