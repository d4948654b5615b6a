/// An entry of a Redis stream, as `XRANGE`, `XREAD`, `XREADGROUP` and `XCLAIM` return it: an id and
/// ordered fields.
public struct RedisStreamEntry: Sendable, Hashable {
    /// A field of an entry: a name and binary-safe value.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: [UInt8]

        public init(_ name: String, _ value: [UInt8]) {
            self.name = name
            self.value = value
        }

        public init(_ name: String, _ value: String) {
            self.init(name, Array(value.utf8))
        }
    }

    public var id: String
    /// Empty for an entry deleted while pending (its fields come back null).
    public var fields: [Field]

    public init(id: String, fields: [Field]) {
        self.id = id
        self.fields = fields
    }

    /// The value of the first field named `name`.
    public func value(of name: String) -> [UInt8]? {
        fields.first { $0.name == name }?.value
    }

    /// Decodes `[id, [name, value, ...]]`.
    init(reply: RedisReply) throws(RedisError) {
        let parts = try reply.decodeArray(count: 2)
        try self.init(id: parts[0], fields: parts[1])
    }

    /// Decodes an id and a flat array of names and values (null for an entry deleted while pending).
    init(id: RedisReply, fields: RedisReply) throws(RedisError) {
        self.id = try id.decodeString()
        if case .null = fields {
            self.fields = []
            return
        }
        let elements = try fields.decodeArray()
        guard elements.count.isMultiple(of: 2) else { throw fields.unexpected("field names and values") }
        var decoded: [Field] = []
        decoded.reserveCapacity(elements.count / 2)
        for index in stride(from: 0, to: elements.count, by: 2) {
            decoded.append(Field(try elements[index].decodeString(), try elements[index + 1].decodeBytes()))
        }
        self.fields = decoded
    }
}
