import CHiredis

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One hiredis connection. Not thread-safe and not Sendable: a `RedisConnection` confines it to its own thread.
/// No C type leaves this file.
final class HiredisContext {
    private let context: UnsafeMutablePointer<redisContext>
    /// Where `append` formats a command (kept, with its capacity, from one command to the next).
    private var output: [UInt8] = []

    /// Connects (TCP, with a timeout) and applies the read/write timeout. Throws `.connectionFailed`.
    init(host: String, port: Int, connectTimeout: Duration, readTimeout: Duration?) throws(RedisError) {
        guard let context = redisConnectWithTimeout(host, Int32(port), Self.timeval(connectTimeout)) else {
            throw RedisError(.connectionFailed, "cannot allocate a hiredis context")
        }
        if context.pointee.err != 0 {
            let message = Self.errorString(context)
            redisFree(context)
            throw RedisError(.connectionFailed, "cannot connect to \(host):\(port): \(message)")
        }
        self.context = context
        _ = redisEnableKeepAlive(context)
        if let readTimeout {
            _ = redisSetTimeout(context, Self.timeval(readTimeout))
        }
    }

    deinit {
        redisFree(context)
    }

    /// Queues a command in hiredis' output buffer (nothing is written until a reply is read), formatted here
    /// (RESP: `*argc`, then `$length` and the bytes of each argument) into a buffer kept from one command to
    /// the next, and appended in one piece: hiredis' own formatting allocates for each command.
    func append(_ command: RedisCommand) {
        output.removeAll(keepingCapacity: true)
        output.append(UInt8(ascii: "*"))
        Self.appendDecimal(command.lengths.count, to: &output)
        output.append(contentsOf: [13, 10])
        command.bytes.withUnsafeBufferPointer { bytes in
            var offset = 0
            for length in command.lengths {
                output.append(UInt8(ascii: "$"))
                Self.appendDecimal(length, to: &output)
                output.append(contentsOf: [13, 10])
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[offset..<offset + length]))
                output.append(contentsOf: [13, 10])
                offset += length
            }
        }
        output.withUnsafeBytes { formatted in
            _ = redisAppendFormattedCommand(
                context, formatted.baseAddress?.assumingMemoryBound(to: CChar.self), formatted.count)
        }
    }

    /// Appends the decimal digits of `value` (not negative).
    private static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }

    /// Flushes pending output and reads one reply. Throws when the connection is dead (I/O error, EOF,
    /// timeout or protocol error); the context must then be discarded.
    func readReply() throws(RedisError) -> RedisReply {
        var needed = 0
        if case .reply(let reply) = try parseBuffered(needed: &needed) { return reply }
        var done: Int32 = 0
        repeat {
            guard redisBufferWrite(context, &done) == REDIS_OK else { throw connectionError() }
        } while done == 0
        while true {
            guard redisBufferRead(context) == REDIS_OK else { throw connectionError() }
            if case .reply(let reply) = try parseBuffered(needed: &needed) { return reply }
        }
    }

    private enum Buffered {
        case reply(RedisReply)
        case incomplete
    }

    /// The next reply from hiredis' read buffer, consumed, if the buffer holds all of it (`RESPParser`: hiredis'
    /// own reader would allocate an object per element). `needed` carries, from one call to the next, how many
    /// bytes the reply is known to need, so that a large reply is not parsed again for every chunk read.
    private func parseBuffered(needed: inout Int) throws(RedisError) -> Buffered {
        guard let reader = context.pointee.reader, let buffer = reader.pointee.buf else { return .incomplete }
        let (position, length) = (reader.pointee.pos, reader.pointee.len)
        guard length > position, length - position >= needed else { return .incomplete }
        let bytes = UnsafeRawBufferPointer(start: buffer + position, count: length - position)
        switch try RESPParser.parse(bytes) {
        case .incomplete(let atLeast):
            needed = atLeast
            return .incomplete
        case .reply(let reply, let consumed):
            needed = 0
            let end = position + consumed
            if end >= 1024, let start = Int32(exactly: end) {
                // As hiredis' reader does: drop the bytes read once they pass 1 KiB (moving the rest to the front).
                sdsrange(buffer, start, -1)
                reader.pointee.pos = 0
                reader.pointee.len = length - end
            } else {
                reader.pointee.pos = end
            }
            return .reply(reply)
        }
    }

    /// Sends one command and reads its decoded reply (synchronous use and connection set-up).
    func send<Request: RedisRequest>(_ request: Request) throws(RedisError) -> Request.Response {
        append(request.command)
        return try request.response(to: try readReply())
    }

    private func connectionError() -> RedisError {
        let message = Self.errorString(context)
        let errorCode = context.pointee.err
        if errorCode == REDIS_ERR_IO && (message.contains("temporarily unavailable") || message.contains("timed out")) {
            return RedisError(.timeout, "no reply within the read timeout (\(message))")
        }
        if errorCode == REDIS_ERR_PROTOCOL {
            return RedisError(.connectionLost, "protocol error: \(message)")
        }
        return RedisError(.connectionLost, message.isEmpty ? "connection closed" : message)
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private static func timeval(_ duration: Duration) -> timeval {
        let (seconds, attoseconds) = duration.components
        return CHiredis.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
