import CHiredis
import InfiniticTransport

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
    /// How far the reply being read was measured.
    private var measure = RESPParser.Measure()
    /// The error that broke the connection (an I/O or protocol error): later reads fail with it at once.
    private var brokenBy: RedisError?

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
        output.appendDecimal(command.lengths.count)
        output.append(contentsOf: [13, 10])
        command.bytes.withUnsafeBufferPointer { bytes in
            var offset = 0
            for length in command.lengths {
                output.append(UInt8(ascii: "$"))
                output.appendDecimal(length)
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

    /// Flushes pending output and reads one reply. Throws when the connection is dead (I/O error, EOF,
    /// timeout or protocol error); the context must then be discarded.
    func readReply() throws(RedisError) -> RedisReply {
        if let brokenBy { throw brokenBy }
        do throws(RedisError) {
            if let reply = try parseBuffered() { return reply }
            var done: Int32 = 0
            repeat {
                guard redisBufferWrite(context, &done) == REDIS_OK else { throw connectionError() }
            } while done == 0
            while true {
                guard redisBufferRead(context) == REDIS_OK else { throw connectionError() }
                if let reply = try parseBuffered() { return reply }
            }
        } catch {
            // The stream is out of step (or gone): every later read fails the same way.
            brokenBy = error
            throw error
        }
    }

    /// The next reply from hiredis' read buffer, consumed, if the buffer holds all of it (`RESPParser`: hiredis'
    /// own reader would allocate an object per element). A reply still arriving is measured from where the
    /// previous call stopped (`measure`).
    private func parseBuffered() throws(RedisError) -> RedisReply? {
        guard let reader = context.pointee.reader, let buffer = reader.pointee.buf else { return nil }
        let (position, length) = (reader.pointee.pos, reader.pointee.len)
        guard length > position else { return nil }
        let bytes = UnsafeRawBufferPointer(start: buffer + position, count: length - position)
        switch try measure.advance(bytes) {
        case .needs:
            return nil
        case .complete(let consumed):
            let reply = try RESPParser.build(bytes, length: consumed)
            measure.reset()
            let end = position + consumed
            if end >= 1024, let start = Int32(exactly: end) {
                // As hiredis' reader does: drop the bytes read once they pass 1 KiB (moving the rest to the front).
                sdsrange(buffer, start, -1)
                reader.pointee.pos = 0
                reader.pointee.len = length - end
            } else {
                reader.pointee.pos = end
            }
            return reply
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
