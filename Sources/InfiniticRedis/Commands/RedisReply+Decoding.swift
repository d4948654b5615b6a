/// Strict decoding of replies, for the typed commands: each accessor throws `.unexpectedReply` when the
/// reply has another shape (where `string`, `int`, ... answer nil).
extension RedisReply {
    /// An integer reply.
    public func decodeInteger() throws(RedisError) -> Int {
        guard case .integer(let value) = self else { throw unexpected("an integer") }
        return Int(value)
    }

    /// An integer reply of 0 or 1.
    public func decodeBoolean() throws(RedisError) -> Bool {
        switch self {
        case .integer(0): false
        case .integer(1): true
        default: throw unexpected("0 or 1")
        }
    }

    /// A bulk or status reply as text (bytes that are not UTF-8 are replaced, never trusted).
    public func decodeString() throws(RedisError) -> String {
        switch self {
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let value): value
        default: throw unexpected("a string")
        }
    }

    /// A bulk reply's bytes.
    public func decodeBytes() throws(RedisError) -> [UInt8] {
        guard case .bulk(let bytes) = self else { throw unexpected("a bulk string") }
        return bytes
    }

    /// The status reply `OK`.
    public func decodeOK() throws(RedisError) {
        guard case .status("OK") = self else { throw unexpected("OK") }
    }

    /// An array reply's elements.
    public func decodeArray() throws(RedisError) -> [RedisReply] {
        guard case .array(let elements) = self else { throw unexpected("an array") }
        return elements
    }

    /// An array reply of exactly `count` elements.
    public func decodeArray(count: Int) throws(RedisError) -> [RedisReply] {
        guard case .array(let elements) = self, elements.count == count else {
            throw unexpected("an array of \(count)")
        }
        return elements
    }

    /// An array reply, each element decoded by `element`.
    public func decodeArray<Element>(
        _ element: (RedisReply) throws(RedisError) -> Element
    ) throws(RedisError) -> [Element] {
        let elements = try decodeArray()
        var decoded: [Element] = []
        decoded.reserveCapacity(elements.count)
        for reply in elements { decoded.append(try element(reply)) }
        return decoded
    }

    /// Nil for a null reply, else the reply decoded by `value`.
    public func decodeOptional<Value>(
        _ value: (RedisReply) throws(RedisError) -> Value
    ) throws(RedisError) -> Value? {
        if case .null = self { return nil }
        return try value(self)
    }

    /// A flat array of name/value pairs (`CONFIG GET`, `XINFO`), names as text.
    func decodePairs() throws(RedisError) -> [(name: String, value: RedisReply)] {
        let elements = try decodeArray()
        guard elements.count.isMultiple(of: 2) else { throw unexpected("name/value pairs") }
        var pairs: [(name: String, value: RedisReply)] = []
        pairs.reserveCapacity(elements.count / 2)
        for index in stride(from: 0, to: elements.count, by: 2) {
            pairs.append((try elements[index].decodeString(), elements[index + 1]))
        }
        return pairs
    }

    /// A flat `[name, value, ...]` reply (`HGETALL`, a hash read by a script) as binary-safe values by name.
    func decodeFields() throws(RedisError) -> [String: [UInt8]] {
        var fields: [String: [UInt8]] = [:]
        for (name, value) in try decodePairs() { fields[name] = try value.decodeBytes() }
        return fields
    }
}
