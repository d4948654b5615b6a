/// A keyed container being decoded: its entries are `start..<end`. A key is looked up where the entry after the
/// last one decoded is (values are usually decoded in the order they were encoded), then linearly; keys not
/// asked for are skipped without being read, keys not there are absent (`decodeIfPresent` gives nil).
struct BinaryKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let state: BinaryDecodingState
    let start: Int
    let end: Int

    var codingPath: [any CodingKey] { [] }

    /// The keys of the entries, in order (those the `Key` type knows).
    var allKeys: [Key] {
        // (Synthesized enum decoding calls it twice per value: no intermediate arrays or closures.)
        var keys: [Key] = []
        var next = start
        while next < end {
            guard let (key, valueEnd) = try? state.entry(at: next, end: end) else { break }
            if let key = Key(stringValue: key) { keys.append(key) }
            next = valueEnd
        }
        return keys
    }

    func contains(_ key: Key) -> Bool {
        ((try? state.find(key.stringValue, start: start, end: end)) ?? nil) != nil
    }

    @inline(__always)
    private func find(_ key: Key) throws -> (position: Int, end: Int)? {
        try state.find(key.stringValue, start: start, end: end)
    }

    private func keyNotFound(_ key: Key) -> DecodingError {
        .keyNotFound(key, .init(codingPath: [], debugDescription: "No value for key \"\(key.stringValue)\""))
    }

    /// Reads the value of `key` with `read`, which is given its position and end.
    @inline(__always)
    private func value<T>(_ key: Key, _ read: (Int, Int) throws -> T) throws -> T {
        guard let (position, valueEnd) = try find(key) else { throw keyNotFound(key) }
        return try state.readEntry(at: position, end: valueEnd, owner: start, key: key, read)
    }

    /// Reads the value of `key` with `read`; nil if the key is absent or its value is nil.
    @inline(__always)
    private func valueIfPresent<T>(_ key: Key, _ read: (Int, Int) throws -> T) throws -> T? {
        guard let (position, valueEnd) = try find(key) else { return nil }
        guard state.byte(position) != BinaryFormat.null else {
            state.setHint(owner: start, position: valueEnd)
            return nil
        }
        return try state.readEntry(at: position, end: valueEnd, owner: start, key: key, read)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let (position, _) = try find(key) else { throw keyNotFound(key) }
        return state.byte(position) == BinaryFormat.null
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try value(key) { try state.bool(at: $0, limit: $1) }
    }

    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try value(key) { try state.string(at: $0, limit: $1) }
    }

    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try value(key) { try state.double(at: $0, limit: $1) }
    }

    func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        try value(key) { try state.float(at: $0, limit: $1) }
    }

    func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
        try value(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 {
        try value(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 {
        try value(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 {
        try value(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 {
        try value(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decode(_ type: Int128.Type, forKey key: Key) throws -> Int128 {
        try value(key) { try state.int128(at: $0, limit: $1) }
    }

    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt {
        try value(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 {
        try value(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 {
        try value(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 {
        try value(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 {
        try value(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decode(_ type: UInt128.Type, forKey key: Key) throws -> UInt128 {
        try value(key) { try state.uint128(at: $0, limit: $1) }
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try value(key) { try state.decodeValue(type, at: $0, limit: $1) }
    }

    // One lookup for each `decodeIfPresent`, where the default implementations make three.

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        try valueIfPresent(key) { try state.bool(at: $0, limit: $1) }
    }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        try valueIfPresent(key) { try state.string(at: $0, limit: $1) }
    }

    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        try valueIfPresent(key) { try state.double(at: $0, limit: $1) }
    }

    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? {
        try valueIfPresent(key) { try state.float(at: $0, limit: $1) }
    }

    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        try valueIfPresent(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? {
        try valueIfPresent(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? {
        try valueIfPresent(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? {
        try valueIfPresent(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
        try valueIfPresent(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decodeIfPresent(_ type: Int128.Type, forKey key: Key) throws -> Int128? {
        try valueIfPresent(key) { try state.int128(at: $0, limit: $1) }
    }

    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? {
        try valueIfPresent(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? {
        try valueIfPresent(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? {
        try valueIfPresent(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? {
        try valueIfPresent(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? {
        try valueIfPresent(key) { try state.integer(type, at: $0, limit: $1) }
    }

    func decodeIfPresent(_ type: UInt128.Type, forKey key: Key) throws -> UInt128? {
        try valueIfPresent(key) { try state.uint128(at: $0, limit: $1) }
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try valueIfPresent(key) { try state.decodeValue(type, at: $0, limit: $1) }
    }

    // MARK: nested

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try value(key) { position, limit in
            let (start, end) = try state.content(at: position, limit: limit, tag: BinaryFormat.keyed)
            return KeyedDecodingContainer(BinaryKeyedDecodingContainer<NestedKey>(state: state, start: start, end: end))
        }
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try value(key) { position, limit in
            let (start, end) = try state.content(at: position, limit: limit, tag: BinaryFormat.unkeyed)
            return BinaryUnkeyedDecodingContainer(state: state, start: start, end: end)
        }
    }

    func superDecoder() throws -> any Decoder {
        guard let (position, end) = try state.find(BinaryCodingKey.super.stringValue, start: start, end: self.end)
        else { return BinaryDecoder(state: state, position: -1, limit: -1) }
        return BinaryDecoder(state: state, position: position, limit: end)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        guard let (position, end) = try find(key) else { return BinaryDecoder(state: state, position: -1, limit: -1) }
        return BinaryDecoder(state: state, position: position, limit: end)
    }
}
