/// `XADD stream id field value...`: appends an entry (`id` `*` lets Redis choose); the reply is its id.
public struct XADD: RedisRequest {
    public var stream: String
    public var id: String
    public var fields: [RedisStreamEntry.Field]
    /// Trims the stream to about this many entries (`MAXLEN ~`; exactly, `MAXLEN =`, below 1,000).
    public var maxLength: Int?

    public init(_ stream: String, id: String = "*", fields: [RedisStreamEntry.Field], maxLength: Int? = nil) {
        self.stream = stream
        self.id = id
        self.fields = fields
        self.maxLength = maxLength
    }

    public var name: String { "XADD" }
    public var keys: [String] { [stream] }

    public func encode(into command: inout RedisCommand) {
        command.append("XADD")
        command.append(stream)
        if let maxLength {
            command.append("MAXLEN")
            // Approximate trimming keeps whole macro nodes (100 entries by default): exact for short streams.
            command.append(maxLength < 1000 ? "=" : "~")
            command.append(String(maxLength))
        }
        command.append(id)
        for field in fields {
            command.append(field.name)
            command.append(bytes: field.value)
        }
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> String {
        try reply.decodeString()
    }
}

/// `XLEN stream`: the number of entries (0 if the key does not exist).
public struct XLEN: RedisRequest {
    public var stream: String

    public init(_ stream: String) {
        self.stream = stream
    }

    public var name: String { "XLEN" }
    public var keys: [String] { [stream] }

    public func encode(into command: inout RedisCommand) {
        command.append("XLEN")
        command.append(stream)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> Int {
        try reply.decodeInteger()
    }
}

/// `XDEL stream id...`: deletes entries; the reply is how many existed.
public struct XDEL: RedisRequest {
    public var stream: String
    public var ids: [String]

    public init(_ stream: String, ids: [String]) {
        self.stream = stream
        self.ids = ids
    }

    public var name: String { "XDEL" }
    public var keys: [String] { [stream] }

    public func encode(into command: inout RedisCommand) {
        command.append("XDEL")
        command.append(stream)
        command.append(contentsOf: ids)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> Int {
        try reply.decodeInteger()
    }
}

/// `XRANGE stream start end [COUNT count]`: the entries between two ids (inclusive; `-` and `+` are the
/// ends of the stream), oldest first.
public struct XRANGE: RedisRequest {
    public var stream: String
    public var start: String
    public var end: String
    public var count: Int?

    public init(_ stream: String, from start: String = "-", to end: String = "+", count: Int? = nil) {
        self.stream = stream
        self.start = start
        self.end = end
        self.count = count
    }

    public var name: String { "XRANGE" }
    public var keys: [String] { [stream] }

    public func encode(into command: inout RedisCommand) {
        command.append("XRANGE")
        command.append(stream)
        command.append(start)
        command.append(end)
        if let count {
            command.append("COUNT")
            command.append(count)
        }
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> [RedisStreamEntry] {
        try reply.decodeArray(RedisStreamEntry.init(reply:))
    }
}

/// `XREAD [COUNT count] [BLOCK ms] STREAMS stream id`: the entries of one stream after `id` (`$`: only
/// those added from now on), waiting up to `block` (at least 1 ms) for one when there are none; empty when
/// the wait timed out. With `block`, send it with `RedisClient.blockingSend(_:on:)`.
public struct XREAD: RedisRequest {
    public var stream: String
    public var id: String
    public var count: Int?
    public var block: Duration?

    public init(_ stream: String, after id: String, count: Int? = nil, block: Duration? = nil) {
        self.stream = stream
        self.id = id
        self.count = count
        self.block = block
    }

    public var name: String { "XREAD" }
    public var keys: [String] { [stream] }

    public func encode(into command: inout RedisCommand) {
        command.append("XREAD")
        appendReadOptions(count: count, block: block, stream: stream, id: id, to: &command)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> [RedisStreamEntry] {
        try decodeStreamsReply(reply)
    }
}

/// `XREADGROUP GROUP group consumer [COUNT count] [BLOCK ms] STREAMS stream id`: entries of one stream for a
/// consumer of a group: new ones (`>`, the default), or those already delivered to this consumer after `id`
/// (an entry deleted since comes with no fields). Waits up to `block` (at least 1 ms) when there are no new
/// ones; empty when the wait timed out. With `block`, send it with `RedisClient.blockingSend(_:on:)`.
public struct XREADGROUP: RedisRequest {
    public var group: String
    public var consumer: String
    public var stream: String
    public var id: String
    public var count: Int?
    public var block: Duration?

    public init(
        group: String, consumer: String, stream: String, id: String = ">", count: Int? = nil, block: Duration? = nil
    ) {
        self.group = group
        self.consumer = consumer
        self.stream = stream
        self.id = id
        self.count = count
        self.block = block
    }

    public var name: String { "XREADGROUP" }
    public var keys: [String] { [stream] }

    public func encode(into command: inout RedisCommand) {
        command.append("XREADGROUP")
        command.append("GROUP")
        command.append(group)
        command.append(consumer)
        appendReadOptions(count: count, block: block, stream: stream, id: id, to: &command)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> [RedisStreamEntry] {
        try decodeStreamsReply(reply)
    }
}

/// `[COUNT count] [BLOCK ms] STREAMS stream id`, the tail of `XREAD` and `XREADGROUP`. Redis' `BLOCK 0`
/// (forever) is never sent: a blocking read must end before its connection's read timeout.
private func appendReadOptions(
    count: Int?, block: Duration?, stream: String, id: String, to command: inout RedisCommand
) {
    if let count {
        command.append("COUNT")
        command.append(count)
    }
    if let block {
        command.append("BLOCK")
        command.append(max(1, block.redisMilliseconds))
    }
    command.append("STREAMS")
    command.append(stream)
    command.append(id)
}

/// The reply of `XREAD`/`XREADGROUP`: null on timeout, else `[[stream, [entry...]]...]`.
private func decodeStreamsReply(_ reply: RedisReply) throws(RedisError) -> [RedisStreamEntry] {
    if case .null = reply { return [] }
    var entries: [RedisStreamEntry] = []
    for stream in try reply.decodeArray() {
        let parts = try stream.decodeArray(count: 2)
        _ = try parts[0].decodeString()
        entries += try parts[1].decodeArray(RedisStreamEntry.init(reply:))
    }
    return entries
}
