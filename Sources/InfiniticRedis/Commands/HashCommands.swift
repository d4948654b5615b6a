/// `HMGET key field...`: the values of hash fields, nil for each field (or key) that does not exist.
public struct HMGET: RedisRequest {
    public var key: String
    public var fields: [String]

    public init(_ key: String, fields: [String]) {
        self.key = key
        self.fields = fields
    }

    public var name: String { "HMGET" }
    public var keys: [String] { [key] }

    public func encode(into command: inout RedisCommand) {
        command.append("HMGET")
        command.append(key)
        command.append(contentsOf: fields)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> [[UInt8]?] {
        let values = try reply.decodeArray { value throws(RedisError) in
            try value.decodeOptional { present throws(RedisError) in try present.decodeBytes() }
        }
        guard values.count == fields.count else { throw reply.unexpected("\(fields.count) values") }
        return values
    }
}

/// `HGETALL key`: every field of a hash with its value (empty when the key does not exist).
public struct HGETALL: RedisRequest {
    public var key: String

    public init(_ key: String) {
        self.key = key
    }

    public var name: String { "HGETALL" }
    public var keys: [String] { [key] }

    public func encode(into command: inout RedisCommand) {
        command.append("HGETALL")
        command.append(key)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> [String: [UInt8]] {
        try reply.decodeFields()
    }
}
