/// A reply from Redis (RESP2). It owns its bytes: nothing points into hiredis memory.
public enum RedisReply: Sendable, Hashable {
    /// A status reply such as `OK`.
    case status(String)
    /// An error reply; the connection is still usable.
    case error(String)
    case integer(Int64)
    case bulk([UInt8])
    case null
    case array([RedisReply])
}

extension RedisReply {
    /// The reply as a string (status, bulk or integer).
    public var string: String? {
        switch self {
        case .status(let value): value
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        case .integer(let value): String(value)
        default: nil
        }
    }

    /// The reply as an integer (integer, or a bulk/status holding digits).
    public var int: Int? {
        switch self {
        case .integer(let value): Int(value)
        case .bulk, .status: string.flatMap { Int($0) }
        default: nil
        }
    }

    public var array: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// An `unexpectedReply` error naming what was expected.
    public func unexpected(_ expected: String, command: String? = nil) -> RedisError {
        RedisError(.unexpectedReply, "expected \(expected), got \(self)", command: command)
    }
}

extension RedisReply: CustomStringConvertible {
    public var description: String {
        switch self {
        case .status(let value): "+\(value)"
        case .error(let message): "-\(message)"
        case .integer(let value): ":\(value)"
        case .bulk(let bytes):
            bytes.count <= 64 ? "\"\(String(decoding: bytes, as: UTF8.self))\"" : "<\(bytes.count) bytes>"
        case .null: "(nil)"
        case .array(let elements): "[\(elements.map(\.description).joined(separator: ", "))]"
        }
    }
}
