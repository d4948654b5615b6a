/// Reads RESP2 replies from bytes, straight into `RedisReply` values: `HiredisContext` uses it on hiredis' read
/// buffer instead of hiredis' own reader, which allocates an object per element (and copies each string) that
/// would then be copied again into a `RedisReply`.
///
/// Treats its input as untrusted: lengths are checked against the bytes there, nesting is bounded, and anything
/// but RESP2 (`+ - : $ *`) is a protocol error.
enum RESPParser {
    /// The deepest nesting of arrays accepted (Redis' own replies nest a few levels).
    static let maximumDepth = 64

    enum Outcome: Equatable {
        /// A whole reply, and how many bytes it took.
        case reply(RedisReply, consumed: Int)
        /// The bytes end before the reply does; it needs at least `atLeast` bytes in all (the end of the bulk
        /// string being read), or more than there are when that is not known yet.
        case incomplete(atLeast: Int)
    }

    /// The reply at the start of `bytes`.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(RedisError) -> Outcome {
        // First find where the reply ends without building anything: a large reply arrives in several reads,
        // and is then measured again at each read, not built again.
        var measure = Cursor(bytes: bytes, building: false)
        guard try measure.value(depth: 0) != nil else {
            return .incomplete(atLeast: max(measure.needed, bytes.count + 1))
        }
        var cursor = Cursor(bytes: bytes, building: true)
        guard let reply = try cursor.value(depth: 0) else { return .incomplete(atLeast: bytes.count + 1) }
        return .reply(reply, consumed: cursor.position)
    }

    private struct Cursor {
        let bytes: UnsafeRawBufferPointer
        /// Whether values are built; if not, they are only gone past (each is then `.null`).
        let building: Bool
        var position = 0
        /// Where the bytes must reach for the value being read to be complete (when known).
        var needed = 0

        /// The value at `position`, moving past it; nil if the bytes end first.
        mutating func value(depth: Int) throws(RedisError) -> RedisReply? {
            guard position < bytes.count else { return nil }
            let type = bytes[position]
            guard let line = try line(from: position + 1) else { return nil }
            position = line.next
            switch type {
            case UInt8(ascii: "+"):
                return building ? .status(String(decoding: line.content, as: UTF8.self)) : .null
            case UInt8(ascii: "-"):
                return building ? .error(String(decoding: line.content, as: UTF8.self)) : .null
            case UInt8(ascii: ":"):
                let value = try Self.integer(line.content)
                return building ? .integer(value) : .null
            case UInt8(ascii: "$"):
                guard let length = try Self.length(line.content, of: "bulk string") else { return .null }
                let end = position + length
                guard end + 2 <= bytes.count else {
                    needed = end + 2
                    return nil
                }
                guard bytes[end] == 13, bytes[end + 1] == 10 else {
                    throw Self.protocolError("bulk string not followed by CRLF")
                }
                defer { position = end + 2 }
                return building ? .bulk([UInt8](UnsafeRawBufferPointer(rebasing: bytes[position..<end]))) : .null
            case UInt8(ascii: "*"):
                guard let count = try Self.length(line.content, of: "array") else { return .null }
                guard depth < RESPParser.maximumDepth else {
                    throw Self.protocolError("arrays nested more than \(RESPParser.maximumDepth) levels deep")
                }
                var elements: [RedisReply] = []
                // Every element takes at least 3 bytes: no reservation beyond what the bytes can hold.
                if building { elements.reserveCapacity(min(count, (bytes.count - position) / 3 + 1)) }
                for _ in 0..<count {
                    guard let element = try value(depth: depth + 1) else { return nil }
                    if building { elements.append(element) }
                }
                return building ? .array(elements) : .null
            default:
                throw Self.protocolError("unknown reply type byte 0x\(String(type, radix: 16))")
            }
        }

        /// The length of a bulk string or an array from its line: nil for -1 (null), an error if out of range.
        private static func length(_ line: UnsafeRawBufferPointer, of what: String) throws(RedisError) -> Int? {
            let length = try integer(line)
            if length == -1 { return nil }
            guard length >= 0, length <= Int64(Int32.max) else { throw protocolError("\(what) length \(length)") }
            return Int(length)
        }

        /// The line starting at `start` (up to its CRLF) and where the next one starts; nil if it is not complete.
        private func line(from start: Int) throws(RedisError) -> (content: UnsafeRawBufferPointer, next: Int)? {
            var index = start
            while index < bytes.count {
                if bytes[index] == 13 {
                    guard index + 1 < bytes.count else { return nil }
                    guard bytes[index + 1] == 10 else { throw Self.protocolError("CR not followed by LF") }
                    return (UnsafeRawBufferPointer(rebasing: bytes[start..<index]), index + 2)
                }
                index += 1
            }
            return nil
        }

        private static func integer(_ digits: UnsafeRawBufferPointer) throws(RedisError) -> Int64 {
            var index = 0
            let negative = digits.first == UInt8(ascii: "-")
            if negative { index = 1 }
            guard index < digits.count, digits.count - index <= 19 else {
                throw protocolError("bad integer '\(String(decoding: digits, as: UTF8.self))'")
            }
            var value: Int64 = 0
            while index < digits.count {
                let digit = digits[index]
                guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else {
                    throw protocolError("bad integer '\(String(decoding: digits, as: UTF8.self))'")
                }
                let (times, overflow) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
                guard !overflow, !overflow2 else {
                    throw protocolError("integer out of range '\(String(decoding: digits, as: UTF8.self))'")
                }
                value = sum
                index += 1
            }
            return negative ? -value : value
        }

        private static func protocolError(_ message: String) -> RedisError {
            RedisError(.connectionLost, "protocol error: \(message)")
        }
    }
}
