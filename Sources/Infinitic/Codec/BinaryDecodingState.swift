import Foundation

/// What the decoders and containers of one `BinaryPayloadCodec.decode` call share: the document, typed reads
/// of its values (each checked against the end of its value), and where the next keyed lookup probably is.
///
/// A position is where a value's tag is; a limit is where that value must end. A position of -1 is an absent
/// value (a super decoder asked for a key that is not there), which decodes as nil.
final class BinaryDecodingState {
    /// Reads the document.
    @inline(__always)
    var scanner: BinaryScanner { BinaryScanner(base: variables.pointee.base) }
    /// What owns the bytes `scanner` reads: kept alive with the state, so that a decoder or container kept by a
    /// value past its `init(from:)` still reads valid memory.
    private var owner: [UInt8]?
    let directTypes = BinaryDirectTypes.identifiers

    /// The variables, out of line: accessed through a pointer, they escape the dynamic exclusivity checks of
    /// class properties.
    private struct Variables {
        var base: UnsafeRawPointer
        var hintOwner = -1
        var hintPosition = 0
        var depth = 0
        /// Whether `BinaryReadable` values read themselves (else they go through `Decodable`).
        var readsFields = true
    }

    private let variables: UnsafeMutablePointer<Variables>

    /// A state for the document at `base`; unless `readsFields`, `BinaryReadable` values go through `Decodable`.
    init(base: UnsafeRawPointer, owner: [UInt8]?, readsFields: Bool = true) {
        self.owner = owner
        variables = .allocate(capacity: 1)
        variables.initialize(to: Variables(base: base, readsFields: readsFields))
    }

    private static let slot = ThreadReuseSlot<BinaryDecodingState>()

    /// A state for the document at `base`: the thread's last one (see `ThreadReuseSlot`), or a new one.
    static func takeForThisThread(
        base: UnsafeRawPointer, owner: [UInt8]?, readsFields: Bool = true
    ) -> BinaryDecodingState {
        let state = slot.take() ?? BinaryDecodingState(base: base, owner: owner)
        state.owner = owner
        state.variables.pointee = Variables(base: base, readsFields: readsFields)
        return state
    }

    /// Gives `state` back to the thread once its decode is over, unless a decoder or container still holds it.
    static func giveBackToThisThread(_ state: inout BinaryDecodingState) {
        guard isKnownUniquelyReferenced(&state) else { return }
        state.owner = nil
        slot.put(state)
    }

    deinit {
        variables.deinitialize(count: 1)
        variables.deallocate()
    }

    /// Where the entry after the last one decoded from a keyed container is, and which container (by content
    /// start): values are usually decoded in the order they were encoded, so a lookup tries there first.
    @inline(__always)
    func setHint(owner: Int, position: Int) {
        variables.pointee.hintOwner = owner
        variables.pointee.hintPosition = position
    }

    /// Reads the value of a keyed container's entry (at `position`, ending at `end`) with `read`, then hints the
    /// container's next lookup (the container whose content starts at `owner`) past it. A `DecodingError` gets
    /// `key` in front of its coding path.
    @inline(__always)
    func readEntry<Value>(
        at position: Int, end: Int, owner: Int, key: @autoclosure () -> any CodingKey,
        _ read: (Int, Int) throws -> Value
    ) throws -> Value {
        do {
            let value = try read(position, end)
            setHint(owner: owner, position: end)
            return value
        } catch let error as DecodingError {
            throw error.prefixed(by: key())
        }
    }

    @inline(__always)
    func byte(_ position: Int) -> UInt8 {
        scanner.byte(position)
    }

    // MARK: values

    /// Decodes the value at `position` (ending at `limit`) as a `T`.
    func decodeValue<T: Decodable>(_ type: T.Type, at position: Int, limit: Int) throws -> T {
        if T.self == String.self {
            return unsafeBitCast(try string(at: position, limit: limit), to: T.self)
        } else if T.self == Payload.self {
            if let bytes = try rawBytes(at: position, limit: limit, as: T.self) {
                return unsafeBitCast(Payload(Array(bytes)), to: T.self)
            }
        } else if T.self == Int.self {
            return unsafeBitCast(try integer(Int.self, at: position, limit: limit), to: T.self)
        } else if T.self == Date.self {
            let interval = try double(at: position, limit: limit, as: T.self)
            return unsafeBitCast(Date(timeIntervalSinceReferenceDate: interval), to: T.self)
        } else if T.self == Bool.self {
            return unsafeBitCast(try bool(at: position, limit: limit), to: T.self)
        } else if T.self == Double.self {
            return unsafeBitCast(try double(at: position, limit: limit, as: T.self), to: T.self)
        } else if let direct = directTypes.collection(T.self) {
            // (No `T?` here: in unspecialized code, each would look up the metadata of `Optional<T>`.)
            switch direct {
            case .payloads:
                if let payloads = try payloads(at: position, limit: limit) {
                    return unsafeBitCast(payloads, to: T.self)
                }
            case .stringSet:
                return unsafeBitCast(try stringSet(at: position, limit: limit), to: T.self)
            case .stringDictionary:
                return unsafeBitCast(try stringDictionary(at: position, limit: limit), to: T.self)
            case .payloadDictionary:
                return unsafeBitCast(try payloadDictionary(at: position, limit: limit), to: T.self)
            case .strings:
                return unsafeBitCast(try strings(at: position, limit: limit), to: T.self)
            case .data:
                if let bytes = try rawBytes(at: position, limit: limit, as: T.self) {
                    return unsafeBitCast(Data(bytes), to: T.self)
                }
            case .byteArray:
                if let bytes = try rawBytes(at: position, limit: limit, as: T.self) {
                    return unsafeBitCast(Array(bytes), to: T.self)
                }
            }
        }
        if variables.pointee.readsFields, let readable = T.self as? any BinaryReadable.Type {
            return try read(readable, at: position, limit: limit)
        }
        try enter()
        defer { leave() }
        return try T(from: BinaryDecoder(state: self, position: position, limit: limit))
    }

    /// A `Readable` (which is `T`) read by itself.
    private func read<Readable: BinaryReadable, T>(_ type: Readable.Type, at position: Int, limit: Int) throws -> T {
        try Readable(binary: self, at: position, limit: limit) as! T
    }

    /// Counts a container entered, refusing documents nested deeper than `BinaryFormat.maximumDepth`.
    @inline(__always)
    func enter() throws {
        variables.pointee.depth += 1
        guard variables.pointee.depth <= BinaryFormat.maximumDepth else {
            variables.pointee.depth -= 1
            throw BinaryFormat.corrupted("values nested more than \(BinaryFormat.maximumDepth) levels deep")
        }
    }

    @inline(__always)
    func leave() {
        variables.pointee.depth -= 1
    }

    private func stringSet(at position: Int, limit: Int) throws -> Set<String> {
        var set = Set<String>()
        try forEachElement(at: position, limit: limit) { set.insert(try string(at: $0, limit: $1)) }
        return set
    }

    private func strings(at position: Int, limit: Int) throws -> [String] {
        var strings: [String] = []
        try forEachElement(at: position, limit: limit) { strings.append(try string(at: $0, limit: $1)) }
        return strings
    }

    private func stringDictionary(at position: Int, limit: Int) throws -> [String: String] {
        var dictionary: [String: String] = [:]
        try forEachEntry(at: position, limit: limit) { dictionary[$0] = try string(at: $1, limit: $2) }
        return dictionary
    }

    private func payloadDictionary(at position: Int, limit: Int) throws -> [String: Payload] {
        var dictionary: [String: Payload] = [:]
        try forEachEntry(at: position, limit: limit) { key, valuePosition, valueEnd in
            guard let bytes = try rawBytes(at: valuePosition, limit: valueEnd, as: Payload.self) else {
                throw mismatch(Payload.self, at: valuePosition, limit: valueEnd)
            }
            dictionary[key] = Payload(Array(bytes))
        }
        return dictionary
    }

    /// Calls `body` with the position and end of each value of the unkeyed container at `position`; errors say
    /// which element.
    func forEachElement(at position: Int, limit: Int, _ body: (Int, Int) throws -> Void) throws {
        let (start, end) = try content(at: position, limit: limit, tag: BinaryFormat.unkeyed)
        var next = start
        var index = 0
        while next < end {
            do {
                let valueEnd = try scanner.skip(next, limit: end)
                try body(next, valueEnd)
                next = valueEnd
                index += 1
            } catch let error as DecodingError {
                throw error.prefixed(by: BinaryCodingKey(intValue: index))
            }
        }
    }

    /// Calls `body` with the key, value position and value end of each entry of the keyed container at
    /// `position`; errors say which key.
    private func forEachEntry(at position: Int, limit: Int, _ body: (String, Int, Int) throws -> Void) throws {
        let (start, end) = try content(at: position, limit: limit, tag: BinaryFormat.keyed)
        var next = start
        while next < end {
            var keyStart = next
            let keyCount = try scanner.length(&keyStart, limit: end)
            let key = try utf8String(start: keyStart, count: keyCount)
            do {
                let valueEnd = try scanner.skip(keyStart + keyCount, limit: end)
                try body(key, keyStart + keyCount, valueEnd)
                next = valueEnd
            } catch let error as DecodingError {
                throw error.prefixed(by: BinaryCodingKey(stringValue: key))
            }
        }
    }

    // MARK: scalars

    /// The error for the value at `position` that is not a `type` (nil, another kind, or nothing).
    func mismatch(_ type: Any.Type, at position: Int, limit: Int) -> DecodingError {
        if position < 0 {
            return .valueNotFound(type, .init(codingPath: [], debugDescription: "Expected \(type) but found no value"))
        }
        guard position < limit else { return scanner.truncated(at: position) }
        let tag = byte(position)
        if tag == BinaryFormat.null {
            return .valueNotFound(type, .init(codingPath: [], debugDescription: "Expected \(type) but found nil"))
        }
        return .typeMismatch(
            type, .init(codingPath: [], debugDescription: "Expected \(type) but found \(BinaryFormat.describe(tag))"))
    }

    func isNil(at position: Int, limit: Int) -> Bool {
        position < 0 || (position < limit && byte(position) == BinaryFormat.null)
    }

    func bool(at position: Int, limit: Int) throws -> Bool {
        guard position >= 0, position < limit else { throw mismatch(Bool.self, at: position, limit: limit) }
        switch byte(position) {
        case BinaryFormat.trueValue: return true
        case BinaryFormat.falseValue: return false
        default: throw mismatch(Bool.self, at: position, limit: limit)
        }
    }

    /// The integer at `position` as a `T` (of at most 64 bits), which it must fit.
    @inline(__always)
    func integer<T: FixedWidthInteger>(_ type: T.Type, at position: Int, limit: Int) throws -> T {
        guard position >= 0, position < limit else { throw mismatch(T.self, at: position, limit: limit) }
        let tag = byte(position)
        if tag >= BinaryFormat.smallInteger { return T(truncatingIfNeeded: tag & 0x7F) }
        var next = position + 1
        let value: T?
        switch tag {
        case BinaryFormat.positive:
            let magnitude = try scanner.varint(&next, limit: limit)
            value = T(exactly: magnitude)
            if value == nil { throw doesNotFit("\(magnitude)", T.self) }
        case BinaryFormat.negative:
            let magnitude = try scanner.varint(&next, limit: limit)
            value = magnitude <= UInt64(Int64.max) ? T(exactly: -1 - Int64(magnitude)) : nil
            if value == nil { throw doesNotFit("-\(UInt128(magnitude) + 1)", T.self) }
        default:
            throw mismatch(T.self, at: position, limit: limit)
        }
        return value!
    }

    func int128(at position: Int, limit: Int) throws -> Int128 {
        guard position >= 0, position < limit else { throw mismatch(Int128.self, at: position, limit: limit) }
        let tag = byte(position)
        if tag >= BinaryFormat.smallInteger { return Int128(tag & 0x7F) }
        var next = position + 1
        switch tag {
        case BinaryFormat.positive:
            let magnitude = try scanner.varint128(&next, limit: limit)
            guard let value = Int128(exactly: magnitude) else { throw doesNotFit("\(magnitude)", Int128.self) }
            return value
        case BinaryFormat.negative:
            let magnitude = try scanner.varint128(&next, limit: limit)
            guard let value = Int128(exactly: magnitude) else { throw doesNotFit("-\(magnitude) - 1", Int128.self) }
            return ~value
        default:
            throw mismatch(Int128.self, at: position, limit: limit)
        }
    }

    func uint128(at position: Int, limit: Int) throws -> UInt128 {
        guard position >= 0, position < limit else { throw mismatch(UInt128.self, at: position, limit: limit) }
        let tag = byte(position)
        if tag >= BinaryFormat.smallInteger { return UInt128(tag & 0x7F) }
        var next = position + 1
        switch tag {
        case BinaryFormat.positive:
            return try scanner.varint128(&next, limit: limit)
        case BinaryFormat.negative:
            throw doesNotFit("a negative number", UInt128.self)
        default:
            throw mismatch(UInt128.self, at: position, limit: limit)
        }
    }

    private func doesNotFit(_ number: String, _ type: Any.Type) -> DecodingError {
        BinaryFormat.corrupted("number \(number) does not fit in \(type)")
    }

    /// The number at `position` as a Double: a Double, a Float, or an integer (nearest Double).
    func double(at position: Int, limit: Int, as type: Any.Type = Double.self) throws -> Double {
        guard position >= 0, position < limit else { throw mismatch(type, at: position, limit: limit) }
        let tag = byte(position)
        switch tag {
        case BinaryFormat.float64:
            guard limit - position >= 9 else { throw scanner.truncated(at: limit) }
            return Double(
                bitPattern: UInt64(
                    littleEndian: scanner.base.loadUnaligned(fromByteOffset: position + 1, as: UInt64.self)))
        case BinaryFormat.float32:
            guard limit - position >= 5 else { throw scanner.truncated(at: limit) }
            return Double(
                Float(
                    bitPattern: UInt32(
                        littleEndian: scanner.base.loadUnaligned(fromByteOffset: position + 1, as: UInt32.self))))
        case BinaryFormat.smallInteger..., BinaryFormat.positive, BinaryFormat.negative:
            return Double(try int128(at: position, limit: limit))
        default:
            throw mismatch(type, at: position, limit: limit)
        }
    }

    /// The number at `position` as a Float: a Float, a Double that fits, or an integer (nearest Float).
    func float(at position: Int, limit: Int) throws -> Float {
        guard position >= 0, position < limit else { throw mismatch(Float.self, at: position, limit: limit) }
        if byte(position) == BinaryFormat.float32 {
            guard limit - position >= 5 else { throw scanner.truncated(at: limit) }
            return Float(
                bitPattern: UInt32(
                    littleEndian: scanner.base.loadUnaligned(fromByteOffset: position + 1, as: UInt32.self)))
        }
        let double = try double(at: position, limit: limit, as: Float.self)
        let float = Float(double)
        guard float.isFinite || !double.isFinite else { throw doesNotFit("\(double)", Float.self) }
        return float
    }

    func string(at position: Int, limit: Int) throws -> String {
        guard position >= 0, position < limit else { throw mismatch(String.self, at: position, limit: limit) }
        let tag = byte(position)
        var start = position + 1
        let count: Int
        if tag & 0xC0 == BinaryFormat.shortString {
            count = Int(tag & 0x3F)
            guard count <= limit - start else { throw scanner.truncated(at: limit) }
        } else if tag == BinaryFormat.string {
            count = try scanner.length(&start, limit: limit)
        } else {
            throw mismatch(String.self, at: position, limit: limit)
        }
        return try utf8String(start: start, count: count)
    }

    /// The UTF-8 string of `count` bytes at `start` (in bounds).
    func utf8String(start: Int, count: Int) throws -> String {
        let buffer = UnsafeBufferPointer(
            start: (scanner.base + start).assumingMemoryBound(to: UInt8.self), count: count)
        // `String(decoding:)` is the fast path but repairs invalid UTF-8: valid if nothing was repaired.
        var string = String(decoding: buffer, as: UTF8.self)
        let valid = string.withUTF8 {
            $0.count == count && (count == 0 || memcmp($0.baseAddress!, buffer.baseAddress!, count) == 0)
        }
        guard valid else { throw BinaryFormat.corrupted("invalid UTF-8 in the string at byte \(start)") }
        return string
    }

    /// The raw bytes at `position`; nil if the value is a container (`Data`, `[UInt8]` or `Payload` encoded
    /// through their own `encode(to:)`, which their `init(from:)` reads).
    func rawBytes(at position: Int, limit: Int, as type: Any.Type) throws -> UnsafeRawBufferPointer? {
        guard position >= 0, position < limit else { throw mismatch(type, at: position, limit: limit) }
        switch byte(position) {
        case BinaryFormat.bytes:
            var start = position + 1
            let count = try scanner.length(&start, limit: limit)
            return UnsafeRawBufferPointer(start: scanner.base + start, count: count)
        case BinaryFormat.unkeyed, BinaryFormat.keyed:
            return nil
        default:
            throw mismatch(type, at: position, limit: limit)
        }
    }

    /// An unkeyed container of raw bytes as payloads; nil if an element is something else.
    private func payloads(at position: Int, limit: Int) throws -> [Payload]? {
        let (start, end) = try content(at: position, limit: limit, tag: BinaryFormat.unkeyed)
        var next = start
        var payloads: [Payload] = []
        while next < end {
            guard byte(next) == BinaryFormat.bytes else { return nil }
            next += 1
            let count = try scanner.length(&next, limit: end)
            payloads.append(Payload(Array(UnsafeRawBufferPointer(start: scanner.base + next, count: count))))
            next += count
        }
        return payloads
    }

    // MARK: containers

    /// The content (start, end) of the container with `tag` at `position`.
    @inline(__always)
    func content(at position: Int, limit: Int, tag: UInt8) throws -> (start: Int, end: Int) {
        guard position >= 0, position < limit, byte(position) == tag else {
            throw mismatch(tag == BinaryFormat.keyed ? [String: Any].self : [Any].self, at: position, limit: limit)
        }
        var start = position + 1
        let count = try scanner.length(&start, limit: limit)
        return (start, start + count)
    }

    /// The value (position, end) of the entry with `key` in the keyed container whose content is `start..<end`;
    /// nil if there is none.
    func find(_ key: String, start: Int, end: Int) throws -> (position: Int, end: Int)? {
        var key = key
        return try key.withUTF8 { try find($0, start: start, end: end) }
    }

    /// The value of the entry whose key has the UTF-8 bytes `key` (see `find(_:start:end:)`).
    @inline(__always)
    func find(_ key: UnsafeBufferPointer<UInt8>, start: Int, end: Int) throws -> (position: Int, end: Int)? {
        let hint = variables.pointee.hintPosition
        if variables.pointee.hintOwner == start && hint < end {
            let found = try entry(at: hint, end: end, matching: key)
            if found.matches { return found.value }
        }
        var next = start
        while next < end {
            let found = try entry(at: next, end: end, matching: key)
            if found.matches { return found.value }
            next = found.value.end
        }
        return nil
    }

    /// The entry at `position` of a keyed container ending at `end`: its value, and whether its key is `key`.
    @inline(__always)
    private func entry(
        at position: Int, end: Int, matching key: UnsafeBufferPointer<UInt8>
    ) throws -> (matches: Bool, value: (position: Int, end: Int)) {
        let entry = try entryBounds(at: position, end: end)
        return (self.key(at: entry.keyStart, count: entry.keyCount, is: key), (entry.position, entry.end))
    }

    /// Where the key (its bytes) and the value of the entry at `position` of a keyed container ending at `end` are.
    @inline(__always)
    func entryBounds(at position: Int, end: Int) throws -> (keyStart: Int, keyCount: Int, position: Int, end: Int) {
        var keyStart = position
        let keyCount = try scanner.length(&keyStart, limit: end)
        let valuePosition = keyStart + keyCount
        return (keyStart, keyCount, valuePosition, try scanner.skip(valuePosition, limit: end))
    }

    /// Whether the key of `count` bytes at `start` is `key`.
    @inline(__always)
    func key(at start: Int, count: Int, is key: UnsafeBufferPointer<UInt8>) -> Bool {
        count == key.count && (count == 0 || memcmp(scanner.base + start, key.baseAddress!, count) == 0)
    }

    /// The key of the entry at `position` of a keyed container ending at `end`, and where the entry ends.
    func entry(at position: Int, end: Int) throws -> (key: String, end: Int) {
        var keyStart = position
        let keyCount = try scanner.length(&keyStart, limit: end)
        let key = try utf8String(start: keyStart, count: keyCount)
        return (key, try scanner.skip(keyStart + keyCount, limit: end))
    }
}
