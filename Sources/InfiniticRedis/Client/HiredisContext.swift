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

    /// Queues a command in hiredis' output buffer (nothing is written until a reply is read).
    func append(_ command: RedisCommand) {
        command.bytes.withUnsafeBufferPointer { buffer in
            // A valid, non-null address even for empty arguments (hiredis must never see NULL).
            let fallback: UInt8 = 0
            withUnsafePointer(to: fallback) { fallbackPointer in
                let base = UnsafeRawPointer(buffer.baseAddress ?? UnsafePointer(fallbackPointer))
                var pointers: [UnsafePointer<CChar>?] = []
                pointers.reserveCapacity(command.lengths.count)
                var offset = 0
                for length in command.lengths {
                    pointers.append((base + offset).assumingMemoryBound(to: CChar.self))
                    offset += length
                }
                command.lengths.withUnsafeBufferPointer { lengths in
                    pointers.withUnsafeMutableBufferPointer { argv in
                        _ = redisAppendCommandArgv(context, Int32(argv.count), argv.baseAddress, lengths.baseAddress)
                    }
                }
            }
        }
    }

    /// Flushes pending output and reads one reply. Throws when the connection is dead (I/O error, EOF,
    /// timeout or protocol error); the context must then be discarded.
    func readReply() throws(RedisError) -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        let status = redisGetReply(context, &raw)
        guard status == REDIS_OK, let raw else {
            throw connectionError()
        }
        defer { freeReplyObject(raw) }
        return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
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

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            return .bulk(bytes(r.str, r.len))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(r.integer)
        case REDIS_REPLY_NIL:
            return .null
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(r.elements)
            for index in 0..<r.elements {
                if let element = r.element[index] {
                    elements.append(convert(element))
                } else {
                    elements.append(.null)
                }
            }
            return .array(elements)
        default:
            return .error("ERR unknown hiredis reply type \(r.type)")
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> [UInt8] {
        guard let pointer, length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
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
