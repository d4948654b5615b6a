/// The `Decoder` of `BinaryPayloadCodec` for the value at `position`, which ends at `limit` (-1 for both: an
/// absent value, which decodes as nil). Three words, so that passing it as `any Decoder` allocates nothing.
struct BinaryDecoder: Decoder {
    let state: BinaryDecodingState
    let position: Int
    let limit: Int

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let (start, end) = try state.content(at: position, limit: limit, tag: BinaryFormat.keyed)
        return KeyedDecodingContainer(BinaryKeyedDecodingContainer<Key>(state: state, start: start, end: end))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (start, end) = try state.content(at: position, limit: limit, tag: BinaryFormat.unkeyed)
        return BinaryUnkeyedDecodingContainer(state: state, start: start, end: end)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        BinarySingleValueDecodingContainer(state: state, position: position, limit: limit)
    }
}

struct BinarySingleValueDecodingContainer: SingleValueDecodingContainer {
    let state: BinaryDecodingState
    let position: Int
    let limit: Int

    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool { state.isNil(at: position, limit: limit) }
    func decode(_ type: Bool.Type) throws -> Bool { try state.bool(at: position, limit: limit) }
    func decode(_ type: String.Type) throws -> String { try state.string(at: position, limit: limit) }
    func decode(_ type: Double.Type) throws -> Double { try state.double(at: position, limit: limit) }
    func decode(_ type: Float.Type) throws -> Float { try state.float(at: position, limit: limit) }
    func decode(_ type: Int.Type) throws -> Int { try state.integer(type, at: position, limit: limit) }
    func decode(_ type: Int8.Type) throws -> Int8 { try state.integer(type, at: position, limit: limit) }
    func decode(_ type: Int16.Type) throws -> Int16 { try state.integer(type, at: position, limit: limit) }
    func decode(_ type: Int32.Type) throws -> Int32 { try state.integer(type, at: position, limit: limit) }
    func decode(_ type: Int64.Type) throws -> Int64 { try state.integer(type, at: position, limit: limit) }
    func decode(_ type: Int128.Type) throws -> Int128 { try state.int128(at: position, limit: limit) }
    func decode(_ type: UInt.Type) throws -> UInt { try state.integer(type, at: position, limit: limit) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try state.integer(type, at: position, limit: limit) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try state.integer(type, at: position, limit: limit) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try state.integer(type, at: position, limit: limit) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try state.integer(type, at: position, limit: limit) }
    func decode(_ type: UInt128.Type) throws -> UInt128 { try state.uint128(at: position, limit: limit) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try state.decodeValue(type, at: position, limit: limit)
    }
}
