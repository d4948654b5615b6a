import Foundation
import Synchronization

/// Decoded values by the bytes they were decoded from (or encoded to), so that bytes seen again are not decoded
/// again. The state engine reads back, step after step, the parts of a workflow state it wrote or read in the
/// previous steps (the commands of a method replayed inline, its record, the header): with this cache each
/// part is decoded once per process, not once per step.
///
/// A value is found only for the very same bytes and type, and decoding is a function of the bytes: a hit
/// gives what decoding would. Bounded by `byteBudget` (the bytes of the keys), in shards: in each, two
/// generations, the older dropped when the newer fills half the shard's budget, a hit in the older moving the
/// entry to the newer.
final class DecodedValueCache: Sendable {
    /// The default budget: 8 MiB of encoded bytes (the decoded values take a few times as much).
    static let defaultByteBudget = 8 << 20
    /// The budget of a cache for a codec other than `BinaryPayloadCodec` (one per engine).
    static let otherCodecByteBudget = 1 << 20

    /// The cache shared by every engine of the process that uses `BinaryPayloadCodec` (the default codec, the
    /// same for every instance of it): one budget for the process, however many workflows its worker runs.
    static let binary = DecodedValueCache()

    /// Values of more bytes than this are not kept (a huge part would evict everything else for one hit).
    static let largestKept = 64 << 10

    /// The cache for values decoded with `codec`: the shared one for `BinaryPayloadCodec`, a small one of its
    /// own for another codec (whose instances may be configured differently).
    static func forCodec(_ codec: any PayloadCodec) -> DecodedValueCache {
        codec is BinaryPayloadCodec ? binary : DecodedValueCache(byteBudget: otherCodecByteBudget)
    }

    /// The bytes and the type, with the hash of both computed once, out of the lock.
    private struct Key: Hashable {
        let type: ObjectIdentifier
        let bytes: [UInt8]
        let hash: Int

        init(type: ObjectIdentifier, bytes: [UInt8]) {
            self.type = type
            self.bytes = bytes
            var hasher = Hasher()
            hasher.combine(type)
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
            hash = hasher.finalize()
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(hash)
        }

        static func == (left: Key, right: Key) -> Bool {
            guard left.hash == right.hash, left.type == right.type, left.bytes.count == right.bytes.count else {
                return false
            }
            // memcmp: `elementsEqual` on the buffers compares byte by byte through an iterator.
            return left.bytes.withUnsafeBytes { l in
                right.bytes.withUnsafeBytes { r in
                    l.count == 0 || memcmp(l.baseAddress!, r.baseAddress!, l.count) == 0
                }
            }
        }
    }

    private struct Generations {
        var newer: [Key: any Sendable] = [:]
        var older: [Key: any Sendable] = [:]
        var newerBytes = 0

        /// Keeps `value` in the newer generation, which becomes the older one once its keys pass `turnAt` bytes.
        mutating func insert(_ value: any Sendable, for key: Key, turnAt: Int) {
            if newer.updateValue(value, forKey: key) == nil { newerBytes += key.bytes.count }
            if newerBytes > turnAt {
                older = newer
                newer = [:]
                newerBytes = 0
            }
        }
    }

    /// Shards by key hash, each with its part of the budget: concurrent steps seldom wait for each other.
    private let shards: [Shard]
    /// The key bytes the cache holds at most, over all its shards.
    let byteBudget: Int

    private final class Shard: Sendable {
        let generations = Mutex(Generations())
    }

    /// The most bytes of a value kept: `largestKept`, or less for a small budget (a generation of a shard holds
    /// at least four values of that size, so one value does not turn it over).
    let largestValue: Int

    /// The key bytes of a generation of a shard: half the shard's part of the budget.
    private let generationBytes: Int

    init(byteBudget: Int = DecodedValueCache.defaultByteBudget, shards: Int = 16) {
        self.byteBudget = byteBudget
        self.shards = (0..<max(1, shards)).map { _ in Shard() }
        generationBytes = byteBudget / self.shards.count / 2
        largestValue = min(Self.largestKept, generationBytes / 4)
    }

    private func shard(_ key: Key) -> Shard {
        shards[Int(UInt(bitPattern: key.hash) % UInt(shards.count))]
    }

    /// The value of type `Value` kept for `bytes`, if any.
    func value<Value>(for bytes: [UInt8], as type: Value.Type) -> Value? {
        guard bytes.count <= largestValue else { return nil }
        let key = Key(type: ObjectIdentifier(type), bytes: bytes)
        let turnAt = generationBytes
        let value = shard(key).generations.withLock { generations -> (any Sendable)? in
            if let value = generations.newer[key] { return value }
            guard let value = generations.older.removeValue(forKey: key) else { return nil }
            generations.insert(value, for: key, turnAt: turnAt)
            return value
        }
        return value as? Value
    }

    /// Keeps `value` as what `bytes` decode to.
    func keep<Value: Sendable>(_ value: Value, for bytes: [UInt8]) {
        guard bytes.count <= largestValue else { return }
        let key = Key(type: ObjectIdentifier(Value.self), bytes: bytes)
        let turnAt = generationBytes
        shard(key).generations.withLock { $0.insert(value, for: key, turnAt: turnAt) }
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
    var count: Int {
        shards.reduce(0) { count, shard in count + shard.generations.withLock { $0.newer.count + $0.older.count } }
    }
}
