/// Reads RESP2 replies from bytes, straight into `RedisReply` values: `HiredisContext` uses it on hiredis' read
/// buffer instead of hiredis' own reader, which allocates an object per element (and copies each string) that
/// would then be copied again into a `RedisReply`.
///
/// Treats its input as untrusted: lengths are checked against the bytes there, nesting is bounded, and anything
/// but RESP2 (`+ - : $ *`) is a protocol error.
enum RESPParser {
    /// The deepest nesting of arrays accepted (Redis' own replies nest a few levels).
    static let maximumDepth = 64
    /// The largest reply accepted, in bytes: a broken or hostile stream cannot make the read buffer grow without
    /// bound (Redis' own bulk strings are limited to 512 MB by default).
    static let maximumReplyBytes = 1 << 30

    enum Outcome: Equatable {
        /// A whole reply, and how many bytes it took.
        case reply(RedisReply, consumed: Int)
        /// The bytes end before the reply does; it needs at least `atLeast` bytes in all (the end of the bulk
        /// string being read), or more than there are when that is not known yet.
        case incomplete(atLeast: Int)
    }

    /// The reply at the start of `bytes`.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(RedisError) -> Outcome {
        var measure = Measure()
        switch try measure.advance(bytes) {
        case .needs(let atLeast): return .incomplete(atLeast: atLeast)
        case .complete(let length): return .reply(try build(bytes, length: length), consumed: length)
        }
    }

    /// The reply measured to take the first `length` bytes of `bytes`.
    static func build(_ bytes: UnsafeRawBufferPointer, length: Int) throws(RedisError) -> RedisReply {
        var cursor = Cursor(bytes: UnsafeRawBufferPointer(rebasing: bytes[..<length]))
        guard let reply = try cursor.value() else { throw protocolError("a measured reply ended early") }
        return reply
    }

    /// Finds where a reply ends without building it, resuming where the previous call stopped: a large reply
    /// arriving over many reads is looked at once, not again from its start at each read. The bytes given to
    /// each call must start where the reply starts (and hold at least what the previous call saw).
    struct Measure {
        enum Progress: Equatable {
            case complete(length: Int)
            case needs(atLeast: Int)
        }

        /// Where the next value to go past starts.
        private var offset = 0
        /// For each array open, innermost last: how many of its elements are still to go past.
        private var remaining: [Int] = []
        private var started = false
        /// How many bytes the reply is known to need: not looked at again before they arrived.
        private var needed = 0

        init() {}

        /// Ready for the next reply (keeping the capacity of its stack: most replies are arrays).
        mutating func reset() {
            offset = 0
            remaining.removeAll(keepingCapacity: true)
            started = false
            needed = 0
        }

        /// How far the reply at the start of `bytes` goes: its length once all there, or what it needs at least
        /// (a reply that would need more than `maximumReplyBytes` is a protocol error).
        mutating func advance(_ bytes: UnsafeRawBufferPointer) throws(RedisError) -> Progress {
            guard bytes.count >= needed else { return .needs(atLeast: needed) }
            let progress = try measure(bytes)
            if case .needs(let atLeast) = progress {
                guard atLeast <= RESPParser.maximumReplyBytes + 2 else {
                    throw RESPParser.protocolError("a reply of more than \(RESPParser.maximumReplyBytes) bytes")
                }
                needed = atLeast
            }
            return progress
        }

        private mutating func measure(_ bytes: UnsafeRawBufferPointer) throws(RedisError) -> Progress {
            while !(started && remaining.isEmpty) {
                guard offset < bytes.count, let line = try RESPParser.line(in: bytes, from: offset + 1) else {
                    return .needs(atLeast: bytes.count + 1)
                }
                let type = bytes[offset]
                switch type {
                case UInt8(ascii: "+"), UInt8(ascii: "-"):
                    offset = line.next
                case UInt8(ascii: ":"):
                    _ = try RESPParser.integer(line.content)
                    offset = line.next
                case UInt8(ascii: "$"):
                    if let length = try RESPParser.length(line.content, of: "bulk string") {
                        let end = line.next + length
                        guard end + 2 <= bytes.count else { return .needs(atLeast: end + 2) }
                        try RESPParser.checkCRLF(bytes, at: end)
                        offset = end + 2
                    } else {
                        offset = line.next
                    }
                case UInt8(ascii: "*"):
                    offset = line.next
                    if let count = try RESPParser.length(line.content, of: "array"), count > 0 {
                        guard remaining.count < RESPParser.maximumDepth else { throw RESPParser.tooDeep }
                        remaining.append(count)
                        started = true
                        continue
                    }
                default:
                    throw RESPParser.unknownType(type)
                }
                passedValue()
            }
            return .complete(length: offset)
        }

        /// A value was gone past: it counts for the innermost open array, which may then be complete itself.
        private mutating func passedValue() {
            started = true
            while let last = remaining.indices.last {
                remaining[last] -= 1
                if remaining[last] > 0 { return }
                remaining.removeLast()
            }
        }
    }

    /// Builds the values of a reply whose length was measured.
    private struct Cursor {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        /// The value at `position`, moving past it; nil if the bytes end first.
        mutating func value() throws(RedisError) -> RedisReply? {
            guard position < bytes.count, let line = try RESPParser.line(in: bytes, from: position + 1) else {
                return nil
            }
            let type = bytes[position]
            position = line.next
            switch type {
            case UInt8(ascii: "+"):
                return .status(String(decoding: line.content, as: UTF8.self))
            case UInt8(ascii: "-"):
                return .error(String(decoding: line.content, as: UTF8.self))
            case UInt8(ascii: ":"):
                return .integer(try RESPParser.integer(line.content))
            case UInt8(ascii: "$"):
                guard let length = try RESPParser.length(line.content, of: "bulk string") else { return .null }
                let end = position + length
                guard end + 2 <= bytes.count else { return nil }
                try RESPParser.checkCRLF(bytes, at: end)
                defer { position = end + 2 }
                return .bulk([UInt8](UnsafeRawBufferPointer(rebasing: bytes[position..<end])))
            case UInt8(ascii: "*"):
                guard let count = try RESPParser.length(line.content, of: "array") else { return .null }
                var elements: [RedisReply] = []
                // Every element takes at least 3 bytes: no reservation beyond what the bytes can hold.
                elements.reserveCapacity(min(count, (bytes.count - position) / 3 + 1))
                for _ in 0..<count {
                    guard let element = try value() else { return nil }
                    elements.append(element)
                }
                return .array(elements)
            default:
                throw RESPParser.unknownType(type)
            }
        }
    }

    // MARK: lines and numbers

    /// The line starting at `start` (up to its CRLF) and where the next one starts; nil if it is not complete.
    private static func line(
        in bytes: UnsafeRawBufferPointer, from start: Int
    ) throws(RedisError) -> (content: UnsafeRawBufferPointer, next: Int)? {
        var index = start
        while index < bytes.count {
            if bytes[index] == 13 {
                guard index + 1 < bytes.count else { return nil }
                guard bytes[index + 1] == 10 else { throw protocolError("CR not followed by LF") }
                return (UnsafeRawBufferPointer(rebasing: bytes[start..<index]), index + 2)
            }
            index += 1
        }
        return nil
    }

    private static func checkCRLF(_ bytes: UnsafeRawBufferPointer, at index: Int) throws(RedisError) {
        guard bytes[index] == 13, bytes[index + 1] == 10 else {
            throw protocolError("bulk string not followed by CRLF")
        }
    }

    /// The length of a bulk string or an array from its line: nil for -1 (null), an error if out of range.
    private static func length(_ line: UnsafeRawBufferPointer, of what: String) throws(RedisError) -> Int? {
        let length = try integer(line)
        if length == -1 { return nil }
        guard length >= 0, length <= Int64(maximumReplyBytes) else { throw protocolError("\(what) length \(length)") }
        return Int(length)
    }

    /// A signed decimal integer, `Int64.min` included.
    private static func integer(_ digits: UnsafeRawBufferPointer) throws(RedisError) -> Int64 {
        let negative = digits.first == UInt8(ascii: "-")
        let start = negative ? 1 : 0
        guard start < digits.count, digits.count - start <= 19 else { throw badInteger(digits) }
        var magnitude: UInt64 = 0
        for index in start..<digits.count {
            let digit = digits[index]
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { throw badInteger(digits) }
            magnitude = magnitude * 10 + UInt64(digit - UInt8(ascii: "0"))  // 19 digits fit in a UInt64
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw badInteger(digits) }
            return Int64(truncatingIfNeeded: 0 &- magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw badInteger(digits) }
        return Int64(magnitude)
    }

    private static func badInteger(_ digits: UnsafeRawBufferPointer) -> RedisError {
        protocolError("bad integer '\(String(decoding: digits, as: UTF8.self))'")
    }

    private static func unknownType(_ type: UInt8) -> RedisError {
        protocolError("unknown reply type byte 0x\(String(type, radix: 16))")
    }

    private static var tooDeep: RedisError {
        protocolError("arrays nested more than \(maximumDepth) levels deep")
    }

    static func protocolError(_ message: String) -> RedisError {
        RedisError(.connectionLost, "protocol error: \(message)")
    }
}
