/// `DEL key...`: deletes keys; the reply is how many existed.
public struct DEL: RedisRequest {
    public var keys: [String]

    public init(_ keys: [String]) {
        self.keys = keys
    }

    public var name: String { "DEL" }

    public func encode(into command: inout RedisCommand) {
        command.append("DEL")
        command.append(contentsOf: keys)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> Int {
        try reply.decodeInteger()
    }
}

/// `EXISTS key...`: how many of the keys exist (a key named twice counts twice).
public struct EXISTS: RedisRequest {
    public var keys: [String]

    public init(_ keys: [String]) {
        self.keys = keys
    }

    public var name: String { "EXISTS" }

    public func encode(into command: inout RedisCommand) {
        command.append("EXISTS")
        command.append(contentsOf: keys)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> Int {
        try reply.decodeInteger()
    }
}

/// `PEXPIRE key milliseconds`: makes a key expire after `timeToLive` (rounded up to the millisecond); the
/// reply tells whether the key exists.
public struct PEXPIRE: RedisRequest {
    public var key: String
    public var timeToLive: Duration

    public init(_ key: String, after timeToLive: Duration) {
        self.key = key
        self.timeToLive = timeToLive
    }

    public var name: String { "PEXPIRE" }
    public var keys: [String] { [key] }

    public func encode(into command: inout RedisCommand) {
        command.append("PEXPIRE")
        command.append(key)
        command.append(timeToLive.redisMilliseconds)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> Bool {
        try reply.decodeBoolean()
    }
}

/// `PTTL key`: the milliseconds a key has left; -1 if it never expires, -2 if it does not exist.
public struct PTTL: RedisRequest {
    public var key: String

    public init(_ key: String) {
        self.key = key
    }

    public var name: String { "PTTL" }
    public var keys: [String] { [key] }

    public func encode(into command: inout RedisCommand) {
        command.append("PTTL")
        command.append(key)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> Int {
        try reply.decodeInteger()
    }
}

/// `KEYS pattern`: every key matching a glob pattern. It scans the whole keyspace: for tests and tools only.
public struct KEYS: RedisRequest {
    public var pattern: String

    public init(_ pattern: String) {
        self.pattern = pattern
    }

    public var name: String { "KEYS" }
    /// None: a pattern names no key (on a cluster, each node answers for its own keys).
    public var keys: [String] { [] }

    public func encode(into command: inout RedisCommand) {
        command.append("KEYS")
        command.append(pattern)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> [String] {
        try reply.decodeArray { element throws(RedisError) in try element.decodeString() }
    }
}

/// The `MEMORY` subcommands.
public enum MEMORY {
    /// `MEMORY USAGE key`: the bytes a key and its value take; nil if the key does not exist.
    public struct USAGE: RedisRequest {
        public var key: String

        public init(_ key: String) {
            self.key = key
        }

        public var name: String { "MEMORY USAGE" }
        public var keys: [String] { [key] }

        public func encode(into command: inout RedisCommand) {
            command.append("MEMORY")
            command.append("USAGE")
            command.append(key)
        }

        public func decode(_ reply: RedisReply) throws(RedisError) -> Int? {
            try reply.decodeOptional { value throws(RedisError) in try value.decodeInteger() }
        }
    }
}

/// `UNLINK key...`: deletes keys, reclaiming their memory in the background; the reply is how many existed.
public struct UNLINK: RedisRequest {
    public var keys: [String]

    public init(_ keys: [String]) {
        self.keys = keys
    }

    public var name: String { "UNLINK" }

    public func encode(into command: inout RedisCommand) {
        command.append("UNLINK")
        command.append(contentsOf: keys)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> Int {
        try reply.decodeInteger()
    }
}

/// `SCAN cursor [MATCH pattern] [COUNT count]`: one page of the key space; the next cursor ("0" at the end)
/// and the keys of the page.
public struct SCAN: RedisRequest {
    public var cursor: String
    public var pattern: String?
    public var count: Int?

    public init(cursor: String, match pattern: String? = nil, count: Int? = nil) {
        self.cursor = cursor
        self.pattern = pattern
        self.count = count
    }

    public var name: String { "SCAN" }
    public var keys: [String] { [] }

    public func encode(into command: inout RedisCommand) {
        command.append("SCAN")
        command.append(cursor)
        if let pattern {
            command.append("MATCH")
            command.append(pattern)
        }
        if let count {
            command.append("COUNT")
            command.append(count)
        }
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> (cursor: String, keys: [String]) {
        let parts = try reply.decodeArray(count: 2)
        let keys = try parts[1].decodeArray { key throws(RedisError) in try key.decodeString() }
        return (try parts[0].decodeString(), keys)
    }
}
