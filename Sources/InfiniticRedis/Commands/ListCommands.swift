/// `RPUSH key value...`: appends values to a list; the reply is its new length.
public struct RPUSH: RedisRequest {
    public var key: String
    public var values: [[UInt8]]

    public init(_ key: String, _ values: [[UInt8]]) {
        self.key = key
        self.values = values
    }

    public var name: String { "RPUSH" }
    public var keys: [String] { [key] }

    public func encode(into command: inout RedisCommand) {
        command.append("RPUSH")
        command.append(key)
        for value in values { command.append(bytes: value) }
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> Int {
        try reply.decodeInteger()
    }
}

/// `LRANGE key start stop`: the values of a list between two indexes (inclusive; negative counts from the
/// end, so `0, -1` is the whole list).
public struct LRANGE: RedisRequest {
    public var key: String
    public var start: Int
    public var stop: Int

    public init(_ key: String, _ start: Int, _ stop: Int) {
        self.key = key
        self.start = start
        self.stop = stop
    }

    public var name: String { "LRANGE" }
    public var keys: [String] { [key] }

    public func encode(into command: inout RedisCommand) {
        command.append("LRANGE")
        command.append(key)
        command.append(start)
        command.append(stop)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> [[UInt8]] {
        try reply.decodeArray { value throws(RedisError) in try value.decodeBytes() }
    }
}

/// `BLPOP key... timeout`: pops the first value of the first non-empty list, waiting up to `timeout` (at
/// least 1 ms: Redis' 0, forever, is never sent); nil on timeout. A blocking command: send it with
/// `RedisClient.blockingSend(_:on:)`.
public struct BLPOP: RedisRequest {
    public var keys: [String]
    public var timeout: Duration

    public init(_ keys: [String], timeout: Duration) {
        self.keys = keys
        self.timeout = timeout
    }

    public var name: String { "BLPOP" }

    public func encode(into command: inout RedisCommand) {
        command.append("BLPOP")
        command.append(contentsOf: keys)
        command.append(Double(max(1, timeout.redisMilliseconds)) / 1000)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> (key: String, value: [UInt8])? {
        try reply.decodeOptional { popped throws(RedisError) in
            let parts = try popped.decodeArray(count: 2)
            return (try parts[0].decodeString(), try parts[1].decodeBytes())
        }
    }
}
