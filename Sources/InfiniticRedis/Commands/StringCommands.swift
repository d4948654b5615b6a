/// `GET key`: the value of a string key; nil if the key does not exist.
public struct GET: RedisRequest {
    public var key: String

    public init(_ key: String) {
        self.key = key
    }

    public var name: String { "GET" }
    public var keys: [String] { [key] }

    public func encode(into command: inout RedisCommand) {
        command.append("GET")
        command.append(key)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> [UInt8]? {
        try reply.decodeOptional { value throws(RedisError) in try value.decodeBytes() }
    }
}

/// `SET key value`: stores a binary-safe value.
public struct SET: RedisRequest {
    public var key: String
    public var value: [UInt8]

    public init(_ key: String, _ value: [UInt8]) {
        self.key = key
        self.value = value
    }

    public var name: String { "SET" }
    public var keys: [String] { [key] }

    public func encode(into command: inout RedisCommand) {
        command.append("SET")
        command.append(key)
        command.append(bytes: value)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) {
        try reply.decodeOK()
    }
}

/// `INCR key`: adds one to an integer value; the reply is the new value.
public struct INCR: RedisRequest {
    public var key: String

    public init(_ key: String) {
        self.key = key
    }

    public var name: String { "INCR" }
    public var keys: [String] { [key] }

    public func encode(into command: inout RedisCommand) {
        command.append("INCR")
        command.append(key)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> Int {
        try reply.decodeInteger()
    }
}

/// `APPEND key value`: appends bytes to a string value; the reply is its new length.
public struct APPEND: RedisRequest {
    public var key: String
    public var value: [UInt8]

    public init(_ key: String, _ value: [UInt8]) {
        self.key = key
        self.value = value
    }

    public var name: String { "APPEND" }
    public var keys: [String] { [key] }

    public func encode(into command: inout RedisCommand) {
        command.append("APPEND")
        command.append(key)
        command.append(bytes: value)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> Int {
        try reply.decodeInteger()
    }
}
