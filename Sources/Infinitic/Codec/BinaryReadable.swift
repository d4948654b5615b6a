import Foundation

/// A value that reads its binary form for `BinaryPayloadCodec` itself: what its `Decodable` conformance reads,
/// without going through `Decoder`. Each container a `Decoder` opens costs a box and look-ups of generic metadata
/// at run time, which made up most of the time spent decoding the engine's messages and states.
///
/// What `init(binary:at:limit:)` reads must be what `init(from:)` reads, errors included (a missing key, a wrong
/// type): debug builds decode every readable document both ways and compare (`BinaryPayloadCodec.decode`), and
/// `BinaryWritableTests` every conforming type. `JSONPayloadCodec` still goes through `Decodable`.
protocol BinaryReadable: Decodable {
    /// Reads the value at `position` of `state`'s document, which ends at `limit` (-1 for both: absent).
    init(binary state: BinaryDecodingState, at position: Int, limit: Int) throws
}

/// Writes a struct's or an enum's conformance to `BinaryKeyedReadable` from its declaration: the fields its
/// synthesized `Decodable` conformance decodes (an enum's case and associated values), with the same keys, optionals
/// nil when absent (see `BinaryReadableMacro`). A type with a hand-written `init(from:)` reads its fields by hand;
/// an enum with `String` raw values conforms to `BinaryReadable` with an empty extension.
@attached(extension, conformances: BinaryKeyedReadable, names: named(init(fields:)))
macro BinaryReadable() = #externalMacro(module: "InfiniticMacros", type: "BinaryReadableMacro")

/// A struct, or an enum with associated values, read from a keyed container of its fields (or of its case).
protocol BinaryKeyedReadable: BinaryReadable {
    /// Reads the value from the entries of its keyed container.
    init(fields: BinaryReadFields) throws
}

extension BinaryKeyedReadable {
    init(binary state: BinaryDecodingState, at position: Int, limit: Int) throws {
        try state.enter()
        defer { state.leave() }
        let (start, end) = try state.content(at: position, limit: limit, tag: BinaryFormat.keyed)
        try self.init(fields: BinaryReadFields(state: state, start: start, end: end))
    }
}

/// An enum with `String` raw values, decoded from its raw value: it conforms with an empty extension.
extension BinaryReadable where Self: RawRepresentable, RawValue == String {
    init(binary state: BinaryDecodingState, at position: Int, limit: Int) throws {
        let raw = try state.string(at: position, limit: limit)
        guard let value = Self(rawValue: raw) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: [], debugDescription: "Cannot initialize \(Self.self) from invalid String value \(raw)")
            )
        }
        self = value
    }
}

/// An array of readable elements: an unkeyed container, as `Array.init(from:)` reads it.
extension Array: BinaryReadable where Element: BinaryReadable {
    init(binary state: BinaryDecodingState, at position: Int, limit: Int) throws {
        try state.enter()
        defer { state.leave() }
        var elements: [Element] = []
        try state.forEachElement(at: position, limit: limit) {
            elements.append(try Element(binary: state, at: $0, limit: $1))
        }
        self = elements
    }
}

/// The entries of a keyed container a `BinaryKeyedReadable` value reads: a key is looked up where the entry after
/// the last one read is, then linearly (as `BinaryKeyedDecodingContainer` does); keys not asked for are skipped.
struct BinaryReadFields {
    let state: BinaryDecodingState
    let start: Int
    let end: Int

    /// The value of `key`, which must be there (`KeyedDecodingContainer.decode(_:forKey:)`); its type is the one
    /// the result is assigned to. A readable type reads itself; any other goes through `decodeValue` (the
    /// overload for it is disfavored: a type that is both takes the other).
    @inline(__always)
    func field<Value: BinaryReadable>(_ key: StaticString) throws -> Value {
        try value(key, required: true) { try Value(binary: state, at: $0, limit: $1) }!
    }

    @_disfavoredOverload
    @inline(__always)
    func field<Value: Decodable>(_ key: StaticString) throws -> Value {
        try value(key, required: true) { try state.decodeValue(Value.self, at: $0, limit: $1) }!
    }

    /// The value of `key`; nil if the key is absent or its value nil (`decodeIfPresent`).
    @inline(__always)
    func fieldIfPresent<Value: BinaryReadable>(_ key: StaticString) throws -> Value? {
        try value(key, required: false) { try Value(binary: state, at: $0, limit: $1) }
    }

    @_disfavoredOverload
    @inline(__always)
    func fieldIfPresent<Value: Decodable>(_ key: StaticString) throws -> Value? {
        try value(key, required: false) { try state.decodeValue(Value.self, at: $0, limit: $1) }
    }

    /// Reads the value of `key` with `read`, given its position and end; nil when it is absent or nil and not
    /// `required` (when required, a missing key throws `keyNotFound` and nil is read by `read`, which throws).
    @inline(__always)
    private func value<Value>(
        _ key: StaticString, required: Bool, _ read: (Int, Int) throws -> Value
    ) throws -> Value? {
        let bytes = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        guard let (position, valueEnd) = try state.find(bytes, start: start, end: end) else {
            guard required else { return nil }
            let codingKey = BinaryCodingKey(stringValue: "\(key)")
            throw DecodingError.keyNotFound(
                codingKey, .init(codingPath: [], debugDescription: "No value for key \"\(key)\""))
        }
        if !required && state.byte(position) == BinaryFormat.null {
            state.setHint(owner: start, position: valueEnd)
            return nil
        }
        return try state.readEntry(
            at: position, end: valueEnd, owner: start, key: BinaryCodingKey(stringValue: "\(key)"), read)
    }

    /// The case of an enum `type` whose cases are `names`, as synthesized `Decodable` reads it: of the container's
    /// entries, exactly one has the name of a case (others are skipped); its value is a keyed container of the
    /// case's associated values. Returns the case's index in `names`.
    func enumCase(of type: Any.Type, names: [StaticString]) throws -> (index: Int, values: BinaryReadFields) {
        var found: (index: Int, name: BinaryKeyName, position: Int, end: Int)?
        var next = start
        while next < end {
            let entry = try state.entryBounds(at: next, end: end)
            let name = BinaryKeyName(state: state, start: entry.keyStart, count: entry.keyCount)
            if let index = names.firstIndex(where: name.matches) {
                guard found == nil else { throw Self.caseCountMismatch(type) }
                found = (index, name, entry.position, entry.end)
            }
            next = entry.end
        }
        guard let found else { throw Self.caseCountMismatch(type) }
        do {
            let (start, end) = try state.content(at: found.position, limit: found.end, tag: BinaryFormat.keyed)
            return (found.index, BinaryReadFields(state: state, start: start, end: end))
        } catch let error as DecodingError {
            throw error.prefixed(by: BinaryCodingKey(stringValue: found.name.string))
        }
    }

    /// The error of synthesized `Decodable` for an enum whose container has no case, or several.
    static func caseCountMismatch(_ type: Any.Type) -> DecodingError {
        .typeMismatch(type, .init(codingPath: [], debugDescription: "Invalid number of keys found, expected one."))
    }
}

/// The key of an entry, compared without making a `String`.
struct BinaryKeyName {
    let state: BinaryDecodingState
    let start: Int
    let count: Int

    /// Whether the key's bytes are `name`'s.
    @inline(__always)
    func matches(_ name: StaticString) -> Bool {
        state.key(
            at: start, count: count, is: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }

    /// The key as a string (for errors; invalid UTF-8 repaired).
    var string: String {
        String(
            decoding: UnsafeBufferPointer(
                start: (state.scanner.base + start).assumingMemoryBound(to: UInt8.self), count: count),
            as: UTF8.self)
    }
}
