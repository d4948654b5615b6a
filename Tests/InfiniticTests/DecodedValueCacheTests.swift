import Foundation
import InfiniticTransport
import Synchronization
import Testing

@testable import Infinitic

/// `DecodedValueCache`: a value is found only for the same bytes and type, the cache stays within its budget,
/// and the state engine decodes nothing of what it wrote itself when the next step reads it back.
@Suite struct DecodedValueCacheTests {
    let codec = BinaryPayloadCodec()

    /// What `engine` writes for a new instance with `tags`, as the store would give it back.
    func storedNewInstance(_ engine: WorkflowStateEngine, tags: Set<String>) throws -> StateFields {
        let now = Date(timeIntervalSince1970: 1_900_000_000)
        let dispatch = Envelope(
            messageId: "m1", emitterName: "test", emittedAt: now, requester: .client(name: "c"),
            message: WorkflowEngineMessage.dispatchWorkflow(
                DispatchWorkflow(
                    workflowName: "Trips", workflowId: "wf", methodName: "run", arguments: [], tags: tags,
                    clientWaiting: true)))
        let created = try #require(try engine.handle(dispatch, state: nil, now: now).state(after: nil))
        let writes = try created.writes(to: Topics.workflowState("Trips", workflowId: "wf"), now: now)
        guard writes.count == 1, case .setFields(let fields, _, _) = writes[0].operation else { throw WrongWrite() }
        return StateFields(version: 1, fields: fields, isComplete: true)
    }

    struct WrongWrite: Error {}

    @Test func aValueIsFoundForTheSameBytesAndTypeOnly() throws {
        let cache = DecodedValueCache()
        let bytes = try codec.encode(["a", "b"])
        cache.keep(["a", "b"], for: bytes)
        #expect(cache.value(for: bytes, as: [String].self) == ["a", "b"])
        #expect(cache.value(for: bytes, as: Set<String>.self) == nil, "another type")
        #expect(cache.value(for: bytes + [0], as: [String].self) == nil, "other bytes")
        #expect(cache.value(for: Array(bytes.dropLast()), as: [String].self) == nil, "a prefix")
    }

    @Test func decodingGoesThroughTheCodecOnceForTheSameBytes() throws {
        let counting = CountingCodec()
        let cache = DecodedValueCache()
        let bytes = try codec.encode([1, 2, 3])
        #expect(try cache.decode([Int].self, from: bytes, codec: counting) == [1, 2, 3])
        #expect(try cache.decode([Int].self, from: bytes, codec: counting) == [1, 2, 3])
        #expect(counting.decodes == ["Array<Int>": 1])
        // Bytes that do not decode are not kept: the error comes every time.
        #expect(throws: (any Error).self) { try cache.decode([Int].self, from: [0xFF], codec: counting) }
        #expect(throws: (any Error).self) { try cache.decode([Int].self, from: [0xFF], codec: counting) }
        #expect(counting.decodes == ["Array<Int>": 3])
    }

    @Test func theCacheStaysWithinItsBudget() throws {
        let cache = DecodedValueCache(byteBudget: 6_400)
        let values = (0..<2_000).map { "value number \($0)" }
        for value in values { cache.keep(value, for: try codec.encode(value)) }
        // Each key is about 18 bytes; 16 shards of 400 bytes, each with two generations of at most 200 bytes
        // (and the entry that fills one).
        #expect(cache.count <= 16 * 2 * (200 / 17 + 1))
        #expect(cache.value(for: try codec.encode(values.last!), as: String.self) == values.last, "the newest stays")
        #expect(cache.value(for: try codec.encode(values[0]), as: String.self) == nil, "the oldest went")
    }

    @Test func aHitInTheOlderGenerationKeepsTheEntry() throws {
        // One shard of 96 bytes: a generation turns when its keys pass 48 bytes, at its fifth 10-byte key.
        let cache = DecodedValueCache(byteBudget: 96, shards: 1)
        func keep(_ index: Int) throws { cache.keep("key-\(1_000 + index)", for: try key(index)) }
        func key(_ index: Int) throws -> [UInt8] { try codec.encode("key-\(1_000 + index)") }
        func found(_ index: Int) throws -> Bool { cache.value(for: try key(index), as: String.self) != nil }
        #expect(try key(0).count == 10 && key(13).count == 10 && cache.largestValue == 12)
        for index in 0..<10 { try keep(index) }
        // 0-4 turned older, then 5-9 did: 0-4 were dropped.
        #expect(try !found(0))
        #expect(try found(5), "in the older generation; the hit moves it to the newer one")
        for index in 10..<14 { try keep(index) }
        // 5 and 10-13 turned older: 5 is still there, 6 (older before) is not.
        #expect(try found(5))
        #expect(try !found(6))
    }

    @Test func enginesOfTheBinaryCodecShareOneCache() {
        let binary = DecodedValueCache.forCodec(BinaryPayloadCodec())
        #expect(binary === DecodedValueCache.binary)
        #expect(binary.byteBudget == DecodedValueCache.defaultByteBudget)
        let json = DecodedValueCache.forCodec(JSONPayloadCodec())
        #expect(json !== DecodedValueCache.binary && json !== DecodedValueCache.forCodec(JSONPayloadCodec()))
        #expect(json.byteBudget == DecodedValueCache.otherCodecByteBudget)
    }

    /// JSON writes a set in its iteration order, which differs between equal sets: a state with several tags is
    /// written without tripping the debug check that parts decode back to their bytes (made for the binary
    /// codec only), and read back equal.
    @Test func aJSONEngineWritesStatesWithSets() throws {
        let engine = WorkflowStateEngine(workflowName: "Trips", emitterName: "engine", codec: JSONPayloadCodec())
        let tags: Set<String> = ["a", "b", "c", "d", "e"]
        let stored = try storedNewInstance(engine, tags: tags)
        let read = try WorkflowState(stored: stored, codec: JSONPayloadCodec(), cache: engine.partCache)
        #expect(read.header.tags == tags)
    }

    @Test func valuesTooLargeAreNotKept() throws {
        let cache = DecodedValueCache()
        #expect(cache.largestValue == DecodedValueCache.largestKept)
        #expect(DecodedValueCache(byteBudget: 1 << 20).largestValue == 8 << 10, "a quarter of a generation")
        let large = String(repeating: "x", count: DecodedValueCache.largestKept + 1)
        let bytes = try codec.encode(large)
        cache.keep(large, for: bytes)
        #expect(cache.value(for: bytes, as: String.self) == nil)
        #expect(cache.count == 0)
    }

    /// The step after a step reads back the header and the method record the first one wrote: none is decoded.
    @Test func theStateEngineDoesNotDecodeWhatItWrote() throws {
        let counting = CountingCodec()
        let engine = WorkflowStateEngine(workflowName: "Trips", emitterName: "engine", codec: counting)
        let stored = try storedNewInstance(engine, tags: [])
        let before = counting.decodes

        var cached = try WorkflowState(stored: stored, codec: counting, cache: engine.partCache)
        #expect(try cached.methodRecord("wf") != nil)
        #expect(counting.decodes == before, "the header and the method record came from the cache")

        var uncached = try WorkflowState(stored: stored, codec: counting)
        #expect(try uncached.methodRecord("wf") != nil)
        #expect(counting.decodes["WorkflowStateHeader"] == (before["WorkflowStateHeader"] ?? 0) + 1)
        #expect(counting.decodes["MethodRecord"] == (before["MethodRecord"] ?? 0) + 1)
        #expect(cached.method("wf")?.history.methodName == uncached.method("wf")?.history.methodName)
    }
}

/// The binary codec, counting the values it decodes by type name.
private final class CountingCodec: PayloadCodec {
    private let base = BinaryPayloadCodec()
    private let counts = Mutex<[String: Int]>([:])

    var decodes: [String: Int] { counts.withLock { $0 } }

    func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        try base.encode(value)
    }

    func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        counts.withLock { $0["\(Value.self)", default: 0] += 1 }
        return try base.decode(type, from: bytes)
    }
}
