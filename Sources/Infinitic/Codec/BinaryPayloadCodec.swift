/// A compact binary codec for any `Codable` value: several times faster than `JSONPayloadCodec` and smaller,
/// with payloads nested as raw bytes (not base64). See `BinaryFormat` for the bytes.
///
/// - Deterministic: equal values give equal bytes. Structs encode their keys in the order their code writes
///   them; the entries of dictionaries (and of any keyed container with keys made at run time) are sorted by
///   key, and the elements of `Set`s by their encoded bytes, whatever their iteration order. (A `Set` is
///   recognized when it is encoded through a container, as synthesized and most hand-written conformances do;
///   one whose `encode(to:)` is called directly with the encoder keeps its iteration order, as with JSON.)
/// - Self-describing: keys are written, so a value decodes with keys it does not know (skipped) or that are
///   missing (optionals decode as nil). Adding an optional field, or removing one, keeps stored states and
///   in-flight messages readable.
/// - Safe on any input: reads are bounds-checked and corrupt or truncated bytes throw a `DecodingError`, whose
///   coding path says where. The first byte names the format version: a document of another version, or JSON,
///   is refused with an error saying so.
///
/// `codingPath` is empty while coding (errors carry the full path). Workers and clients of one deployment must
/// use the same codec: `JSONPayloadCodec` cannot read these bytes, nor this codec JSON.
public struct BinaryPayloadCodec: PayloadCodec {
    /// Whether `BinaryWritable` values write their fields themselves (the same bytes as through `Encodable`).
    let writesFields: Bool
    /// Whether `BinaryReadable` values read their fields themselves (the same values as through `Decodable`).
    let readsFields: Bool

    public init() {
        self.writesFields = true
        self.readsFields = true
    }

    /// A codec whose `BinaryWritable` and `BinaryReadable` values go through `Encodable` and `Decodable` too (to
    /// compare the results of both, and their cost in `ShapesBenchmark --only codec`).
    package init(writesFields: Bool, readsFields: Bool? = nil) {
        self.writesFields = writesFields
        self.readsFields = readsFields ?? writesFields
    }

    public func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        var writer = BinaryWriter.takeForThisThread()
        defer { BinaryWriter.giveBackToThisThread(&writer) }
        writer.writesFields = writesFields
        writer.bytes.append(BinaryFormat.magic)
        do {
            try writer.encodeValue(value)
            writer.closeAll()
        } catch  where writer.needsTree {
            // Rethrown by the tree encoder if it is not about the order of the writes.
        }
        if writer.needsTree { return try BinaryTreeEncoder.encode(value) }
        let bytes = writer.copiedBytes
        // Debug builds (the test suite) check every value that writes fields itself against `Encodable`.
        assert(
            !writesFields || (try? BinaryPayloadCodec(writesFields: false).encode(value)) == bytes,
            "a BinaryWritable inside \(Value.self) does not write what its Encodable conformance writes")
        return bytes
    }

    /// Whether `bytes` start like a document of this codec (its magic byte, which JSON never starts with).
    public static func recognizes(_ bytes: [UInt8]) -> Bool {
        bytes.first == BinaryFormat.magic
    }

    public func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        try bytes.withUnsafeBytes { try decode(type, from: $0, owner: bytes) }
    }

    /// Decodes the document in `buffer` (owned by `owner` if not nil), reading nothing outside it.
    func decode<Value: Decodable>(
        _ type: Value.Type, from buffer: UnsafeRawBufferPointer, owner: [UInt8]? = nil
    ) throws -> Value {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { throw BinaryFormat.corrupted("empty input") }
        guard buffer[0] == BinaryFormat.magic else { throw BinaryFormat.unsupported(firstByte: buffer[0]) }
        guard buffer.count <= Int32.max else { throw BinaryFormat.corrupted("documents are limited to 2 GB") }
        var state = BinaryDecodingState.takeForThisThread(base: base, owner: owner, readsFields: readsFields)
        defer { BinaryDecodingState.giveBackToThisThread(&state) }
        let end = try state.scanner.skip(1, limit: buffer.count)
        guard end == buffer.count else {
            throw BinaryFormat.corrupted("\(buffer.count - end) unexpected bytes after the value")
        }
        // Debug builds (the test suite) check every readable document against `Decodable`.
        assert(
            !readsFields || !(Value.self is any BinaryReadable.Type)
                || readsAsDecodable(type, from: buffer, state: state, end: end),
            "a BinaryReadable inside \(Value.self) does not read what its Decodable conformance reads")
        return try state.decodeValue(type, at: 1, limit: end)
    }

    /// Whether the document decodes to the same value (compared by its bytes) with and without `BinaryReadable`,
    /// or fails both ways.
    private func readsAsDecodable<Value: Decodable>(
        _ type: Value.Type, from buffer: UnsafeRawBufferPointer, state: BinaryDecodingState, end: Int
    ) -> Bool {
        let reference = BinaryDecodingState(base: buffer.baseAddress!, owner: nil, readsFields: false)
        let read = Result { try state.decodeValue(type, at: 1, limit: end) }
        let decoded = Result { try reference.decodeValue(type, at: 1, limit: end) }
        switch (read, decoded) {
        case (.failure, .failure):
            return true
        case (.success(let read), .success(let decoded)):
            guard let read = read as? any Encodable, let decoded = decoded as? any Encodable else { return true }
            let codec = BinaryPayloadCodec(writesFields: false)
            return (try? codec.encode(read)) == (try? codec.encode(decoded))
        default:
            return false
        }
    }
}
