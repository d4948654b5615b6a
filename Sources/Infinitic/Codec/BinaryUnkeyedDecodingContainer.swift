/// An unkeyed container being decoded: its values are between the current position and `end`. Positions are
/// kept in 32 bits (documents are below 2 GB) so that the container fits the three words of an existential.
struct BinaryUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let state: BinaryDecodingState
    private var position32: Int32
    private let end32: Int32
    private(set) var currentIndex = 0

    init(state: BinaryDecodingState, start: Int, end: Int) {
        self.state = state
        position32 = Int32(truncatingIfNeeded: start)
        end32 = Int32(truncatingIfNeeded: end)
    }

    private var position: Int { Int(position32) }
    private var end: Int { Int(end32) }

    var codingPath: [any CodingKey] { [] }

    /// The number of values (nil if the container is corrupt).
    var count: Int? {
        var count = currentIndex
        var next = position
        while next < end {
            guard let valueEnd = try? state.scanner.skip(next, limit: end) else { return nil }
            next = valueEnd
            count += 1
        }
        return count
    }

    var isAtEnd: Bool { position32 >= end32 }

    /// Reads the next value with `read`, which is given its position and end.
    @inline(__always)
    private mutating func next<T>(_ type: T.Type, _ read: (Int, Int) throws -> T) throws -> T {
        let index = currentIndex
        guard position32 < end32 else {
            throw DecodingError.valueNotFound(
                type,
                .init(codingPath: [BinaryCodingKey(intValue: index)], debugDescription: "Unkeyed container is at end"))
        }
        do {
            let valueEnd = try state.scanner.skip(position, limit: end)
            let value = try read(position, valueEnd)
            position32 = Int32(truncatingIfNeeded: valueEnd)
            currentIndex = index + 1
            return value
        } catch let error as DecodingError {
            throw error.prefixed(by: BinaryCodingKey(intValue: index))
        }
    }

    mutating func decodeNil() throws -> Bool {
        guard position32 < end32 else {
            throw DecodingError.valueNotFound(
                Any?.self,
                .init(
                    codingPath: [BinaryCodingKey(intValue: currentIndex)],
                    debugDescription: "Unkeyed container is at end"))
        }
        guard state.byte(position) == BinaryFormat.null else { return false }
        position32 += 1
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool {
        try next(type) { [state] in try state.bool(at: $0, limit: $1) }
    }

    mutating func decode(_ type: String.Type) throws -> String {
        try next(type) { [state] in try state.string(at: $0, limit: $1) }
    }

    mutating func decode(_ type: Double.Type) throws -> Double {
        try next(type) { [state] in try state.double(at: $0, limit: $1) }
    }

    mutating func decode(_ type: Float.Type) throws -> Float {
        try next(type) { [state] in try state.float(at: $0, limit: $1) }
    }

    mutating func decode(_ type: Int.Type) throws -> Int {
        try next(type) { [state] in try state.integer(type, at: $0, limit: $1) }
    }

    mutating func decode(_ type: Int8.Type) throws -> Int8 {
        try next(type) { [state] in try state.integer(type, at: $0, limit: $1) }
    }

    mutating func decode(_ type: Int16.Type) throws -> Int16 {
        try next(type) { [state] in try state.integer(type, at: $0, limit: $1) }
    }

    mutating func decode(_ type: Int32.Type) throws -> Int32 {
        try next(type) { [state] in try state.integer(type, at: $0, limit: $1) }
    }

    mutating func decode(_ type: Int64.Type) throws -> Int64 {
        try next(type) { [state] in try state.integer(type, at: $0, limit: $1) }
    }

    mutating func decode(_ type: Int128.Type) throws -> Int128 {
        try next(type) { [state] in try state.int128(at: $0, limit: $1) }
    }

    mutating func decode(_ type: UInt.Type) throws -> UInt {
        try next(type) { [state] in try state.integer(type, at: $0, limit: $1) }
    }

    mutating func decode(_ type: UInt8.Type) throws -> UInt8 {
        try next(type) { [state] in try state.integer(type, at: $0, limit: $1) }
    }

    mutating func decode(_ type: UInt16.Type) throws -> UInt16 {
        try next(type) { [state] in try state.integer(type, at: $0, limit: $1) }
    }

    mutating func decode(_ type: UInt32.Type) throws -> UInt32 {
        try next(type) { [state] in try state.integer(type, at: $0, limit: $1) }
    }

    mutating func decode(_ type: UInt64.Type) throws -> UInt64 {
        try next(type) { [state] in try state.integer(type, at: $0, limit: $1) }
    }

    mutating func decode(_ type: UInt128.Type) throws -> UInt128 {
        try next(type) { [state] in try state.uint128(at: $0, limit: $1) }
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try next(type) { [state] in try state.decodeValue(type, at: $0, limit: $1) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try next(KeyedDecodingContainer<NestedKey>.self) { [state] position, limit in
            let (start, end) = try state.content(at: position, limit: limit, tag: BinaryFormat.keyed)
            return KeyedDecodingContainer(BinaryKeyedDecodingContainer<NestedKey>(state: state, start: start, end: end))
        }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next((any UnkeyedDecodingContainer).self) { [state] position, limit in
            let (start, end) = try state.content(at: position, limit: limit, tag: BinaryFormat.unkeyed)
            return BinaryUnkeyedDecodingContainer(state: state, start: start, end: end)
        }
    }

    mutating func superDecoder() throws -> any Decoder {
        try next((any Decoder).self) { [state] position, limit in
            BinaryDecoder(state: state, position: position, limit: limit)
        }
    }
}
