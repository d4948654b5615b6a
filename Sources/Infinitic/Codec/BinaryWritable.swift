/// A value that writes its binary form for `BinaryPayloadCodec` itself: the bytes its `Encodable` conformance
/// gives, without going through `Encoder`. Each container `Encoder` opens costs a box and look-ups of generic
/// metadata at run time, which made up most of the time spent encoding the engine's states and messages.
///
/// What `write` writes must be what `encode(to:)` writes: debug builds compare both for every value encoded
/// (`BinaryPayloadCodec.encode`), and `BinaryWritableTests` for every conforming type. Decoding is unchanged.
protocol BinaryWritable: Encodable {
    /// Writes the value at the end of `writer`'s bytes, with `depth` containers open.
    func write(to writer: BinaryWriter, depth: Int) throws
}

extension BinaryWritable {
    /// Writes `value`, which is a `Self` (its type was found to conform at run time).
    static func write<Value>(_ value: Value, to writer: BinaryWriter, depth: Int) throws {
        try withUnsafePointer(to: value) { pointer in
            try UnsafeRawPointer(pointer).assumingMemoryBound(to: Self.self).pointee.write(to: writer, depth: depth)
        }
    }
}

/// Writes a struct's or an enum's conformance to `BinaryKeyedWritable` from its declaration: the fields its
/// synthesized `Encodable` conformance encodes (an enum's case and associated values), with the same keys in the
/// same order (see `BinaryWritableMacro`). A type with a hand-written `encode(to:)` writes its fields by hand; an
/// enum with `String` raw values conforms to `BinaryWritable` with an empty extension.
@attached(extension, conformances: BinaryKeyedWritable, names: named(writeFields))
macro BinaryWritable() = #externalMacro(module: "InfiniticMacros", type: "BinaryWritableMacro")

/// A struct, or an enum with associated values, written as a keyed container of its fields (or of its case).
protocol BinaryKeyedWritable: BinaryWritable {
    /// Writes the entries of the value's keyed container, in the order `encode(to:)` writes them.
    func writeFields(_ fields: inout BinaryFields) throws
}

extension BinaryKeyedWritable {
    func write(to writer: BinaryWriter, depth: Int) throws {
        // The container stays open, as one `Encoder` opens does: it closes when the enclosing one goes on.
        var fields = BinaryFields(writer: writer, header: writer.open(BinaryFormat.keyed, order: .none), depth: depth)
        try writeFields(&fields)
    }
}

/// An enum with `String` raw values, encoded as its raw value: it conforms with an empty extension.
extension BinaryWritable where Self: RawRepresentable, RawValue == String {
    func write(to writer: BinaryWriter, depth: Int) throws {
        writer.writeString(rawValue)
    }
}

/// An array of writable elements: an unkeyed container, as `Array.encode(to:)` writes it.
extension Array: BinaryWritable where Element: BinaryWritable {
    func write(to writer: BinaryWriter, depth: Int) throws {
        let header = writer.open(BinaryFormat.unkeyed, order: .none)
        for element in self {
            guard writer.prepare(header: header, depth: depth) else { throw BinaryEncodingNeedsTree() }
            try element.write(to: writer, depth: depth + 1)
        }
    }
}

/// The entries of a keyed container a `BinaryKeyedWritable` value writes.
struct BinaryFields {
    let writer: BinaryWriter
    let header: Int
    let depth: Int

    /// An entry: the key, then the value (as `KeyedEncodingContainer.encode(_:forKey:)` writes it).
    @inline(__always)
    mutating func field<Value: Encodable>(_ key: StaticString, _ value: Value) throws {
        guard writer.prepare(header: header, depth: depth) else { throw BinaryEncodingNeedsTree() }
        writer.writeKey(key)
        try writer.encodeValue(value)
    }

    /// An entry whose value writes itself (chosen over `field(_:_:)` where the type is known to be writable).
    @inline(__always)
    mutating func field<Value: BinaryWritable>(_ key: StaticString, _ value: Value) throws {
        guard writer.prepare(header: header, depth: depth) else { throw BinaryEncodingNeedsTree() }
        writer.writeKey(key)
        try writer.encodeWritable(value)
    }

    /// An entry if `value` is not nil (`encodeIfPresent`).
    @inline(__always)
    mutating func fieldIfPresent<Value: Encodable>(_ key: StaticString, _ value: Value?) throws {
        guard let value else { return }
        try field(key, value)
    }

    @inline(__always)
    mutating func fieldIfPresent<Value: BinaryWritable>(_ key: StaticString, _ value: Value?) throws {
        guard let value else { return }
        try field(key, value)
    }

    /// An enum case as synthesized `Encodable` writes it: the case's name, then a keyed container of its
    /// associated values (`_0`, `_1`... when unlabeled; empty for a case without any), which `body` writes.
    @inline(__always)
    mutating func enumCase(_ name: StaticString, _ body: (inout BinaryFields) throws -> Void = { _ in }) throws {
        guard writer.prepare(header: header, depth: depth) else { throw BinaryEncodingNeedsTree() }
        writer.writeKey(name)
        var nested = BinaryFields(
            writer: writer, header: writer.open(BinaryFormat.keyed, order: .none), depth: depth + 1)
        try body(&nested)
    }
}
