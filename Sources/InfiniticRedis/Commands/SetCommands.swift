/// `SMEMBERS key`: the members of a set, as text (empty if the key does not exist).
public struct SMEMBERS: RedisRequest {
    public var key: String

    public init(_ key: String) {
        self.key = key
    }

    public var name: String { "SMEMBERS" }
    public var keys: [String] { [key] }

    public func encode(into command: inout RedisCommand) {
        command.append("SMEMBERS")
        command.append(key)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> Set<String> {
        var members = Set<String>()
        for member in try reply.decodeArray() { members.insert(try member.decodeString()) }
        return members
    }
}

/// `ZCARD key`: the number of members of a sorted set (0 if the key does not exist).
public struct ZCARD: RedisRequest {
    public var key: String

    public init(_ key: String) {
        self.key = key
    }

    public var name: String { "ZCARD" }
    public var keys: [String] { [key] }

    public func encode(into command: inout RedisCommand) {
        command.append("ZCARD")
        command.append(key)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> Int {
        try reply.decodeInteger()
    }
}
