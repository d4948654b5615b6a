import Synchronization

/// Decoded values by the bytes they were decoded from (or encoded to), so that bytes seen again are not decoded
/// again. The state engine reads back, step after step, the parts of a workflow state it wrote or read in the
/// previous steps (the commands of a method replayed inline, its record, the header): with this cache each
/// part is decoded once per process, not once per step.
///
/// A value is found only for the very same bytes and type, and decoding is a function of the bytes: a hit
/// gives what decoding would. Bounded by `byteBudget` (the bytes of the keys): two generations, the older
/// dropped when the newer fills half the budget, a hit in the older moving the entry to the newer.
final class DecodedValueCache: Sendable {
    /// The default budget: 4 MiB of encoded bytes (the decoded values take a few times as much).
    static let defaultByteBudget = 4 << 20
    /// Values of more bytes than this are not kept (a huge part would evict everything else for one hit).
    static let largestKept = 64 << 10

    private struct Key: Hashable {
        let type: ObjectIdentifier
        let bytes: [UInt8]

        func hash(into hasher: inout Hasher) {
            hasher.combine(type)
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }

        static func == (left: Key, right: Key) -> Bool {
            guard left.type == right.type, left.bytes.count == right.bytes.count else { return false }
            return left.bytes.withUnsafeBytes { l in right.bytes.withUnsafeBytes { r in l.elementsEqual(r) } }
        }
    }

    private struct Generations {
        var newer: [Key: any Sendable] = [:]
        var older: [Key: any Sendable] = [:]
        var newerBytes = 0
    }

    private let generations = Mutex(Generations())
    let byteBudget: Int

    init(byteBudget: Int = DecodedValueCache.defaultByteBudget) {
        self.byteBudget = byteBudget
    }

    /// The value of type `Value` kept for `bytes`, if any.
    func value<Value>(for bytes: [UInt8], as type: Value.Type) -> Value? {
        guard bytes.count <= Self.largestKept else { return nil }
        let key = Key(type: ObjectIdentifier(type), bytes: bytes)
        return generations.withLock { generations -> Value? in
            if let value = generations.newer[key] { return value as? Value }
            guard let value = generations.older.removeValue(forKey: key) else { return nil }
            Self.insert(value, for: key, into: &generations, budget: byteBudget)
            return value as? Value
        }
    }

    /// Keeps `value` as what `bytes` decode to.
    func keep<Value: Sendable>(_ value: Value, for bytes: [UInt8]) {
        guard bytes.count <= Self.largestKept else { return }
        let key = Key(type: ObjectIdentifier(Value.self), bytes: bytes)
        generations.withLock { Self.insert(value, for: key, into: &$0, budget: byteBudget) }
    }

    /// `bytes` decoded as `Value` with `codec`, from the cache when they were seen before.
    func decode<Value: Decodable & Sendable>(
        _ type: Value.Type, from bytes: [UInt8], codec: any PayloadCodec
    ) throws -> Value {
        if let value = value(for: bytes, as: type) { return value }
        let value = try codec.decode(type, from: bytes)
        keep(value, for: bytes)
        return value
    }

    /// How many values are kept (both generations).
    var count: Int { generations.withLock { $0.newer.count + $0.older.count } }

    private static func insert(
        _ value: any Sendable, for key: Key, into generations: inout Generations, budget: Int
    ) {
        if generations.newer.updateValue(value, forKey: key) == nil { generations.newerBytes += key.bytes.count }
        if generations.newerBytes > budget / 2 {
            generations.older = generations.newer
            generations.newer = [:]
            generations.newerBytes = 0
        }
    }
}
