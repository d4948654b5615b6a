/// Bounds-checked reads of a `BinaryFormat` document in memory: every read is given the position it must not
/// reach (`limit`), which is never past the end of the document, and throws instead of reading past it.
struct BinaryScanner {
    let base: UnsafeRawPointer

    /// The byte at `position`, which the caller has checked is below its limit.
    @inline(__always)
    func byte(_ position: Int) -> UInt8 {
        base.load(fromByteOffset: position, as: UInt8.self)
    }

    /// The varint at `position` (moved past it), of at most 64 bits.
    @inline(__always)
    func varint(_ position: inout Int, limit: Int) throws -> UInt64 {
        guard position < limit else { throw truncated(at: position) }
        let first = byte(position)
        position += 1
        if first < 0x80 { return UInt64(first) }
        return try varintTail(first, &position, limit: limit)
    }

    private func varintTail(_ first: UInt8, _ position: inout Int, limit: Int) throws -> UInt64 {
        var result = UInt64(first & 0x7F)
        var shift: UInt64 = 7
        while true {
            guard position < limit else { throw truncated(at: position) }
            let byte = byte(position)
            position += 1
            if shift == 63 && byte > 1 { throw BinaryFormat.corrupted("integer over 64 bits at byte \(position - 1)") }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    /// The varint at `position` (moved past it), of at most 128 bits.
    func varint128(_ position: inout Int, limit: Int) throws -> UInt128 {
        var result: UInt128 = 0
        var shift: UInt128 = 0
        while true {
            guard position < limit else { throw truncated(at: position) }
            let byte = byte(position)
            position += 1
            if shift == 126 && byte > 3 {
                throw BinaryFormat.corrupted("integer over 128 bits at byte \(position - 1)")
            }
            result |= UInt128(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    /// A length (a varint) of bytes that must all lie before `limit`; `position` moves past the varint.
    @inline(__always)
    func length(_ position: inout Int, limit: Int) throws -> Int {
        let start = position
        let length = try varint(&position, limit: limit)
        guard length <= UInt64(limit - position) else {
            throw BinaryFormat.corrupted(
                "truncated: \(length) bytes announced at byte \(start), \(limit - position) left")
        }
        return Int(length)
    }

    /// Where the value at `position` ends. Reads its tag and length only: O(1) for every kind of value.
    func skip(_ position: Int, limit: Int) throws -> Int {
        guard position < limit else { throw truncated(at: position) }
        let tag = byte(position)
        var next = position + 1
        switch tag {
        case BinaryFormat.smallInteger..., BinaryFormat.null, BinaryFormat.falseValue, BinaryFormat.trueValue:
            return next
        case BinaryFormat.shortString..<BinaryFormat.smallInteger:
            let count = Int(tag & 0x3F)
            guard count <= limit - next else { throw truncated(at: limit) }
            return next + count
        case BinaryFormat.positive, BinaryFormat.negative:
            _ = try varint128(&next, limit: limit)
            return next
        case BinaryFormat.float32:
            guard limit - next >= 4 else { throw truncated(at: limit) }
            return next + 4
        case BinaryFormat.float64:
            guard limit - next >= 8 else { throw truncated(at: limit) }
            return next + 8
        case BinaryFormat.string, BinaryFormat.bytes, BinaryFormat.keyed, BinaryFormat.unkeyed:
            let count = try length(&next, limit: limit)
            return next + count
        default:
            throw BinaryFormat.corrupted("unknown tag 0x\(String(tag, radix: 16)) at byte \(position)")
        }
    }

    func truncated(at position: Int) -> DecodingError {
        BinaryFormat.corrupted("truncated: a value goes past its end (byte \(position))")
    }
}
