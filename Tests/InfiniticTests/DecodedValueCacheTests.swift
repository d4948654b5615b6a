import Foundation
import InfiniticTransport
import Synchronization
import Testing

@testable import Infinitic

/// `DecodedValueCache`: a value is found only for the same bytes and type, the cache stays within its budget,
/// and the state engine decodes nothing of what it wrote itself when the next step reads it back.
@Suite struct DecodedValueCacheTests {
    let codec = BinaryPayloadCodec()

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
        let cache = DecodedValueCache(byteBudget: 1_000)
        let values = (0..<200).map { "value number \($0)" }
        for value in values { cache.keep(value, for: try codec.encode(value)) }
        // Each key is about 17 bytes: at most about 1,000 bytes of them are kept, in two generations.
        #expect(cache.count < 1_000 / 16)
        #expect(cache.value(for: try codec.encode(values.last!), as: String.self) == values.last, "the newest stays")
        #expect(cache.value(for: try codec.encode(values[0]), as: String.self) == nil, "the oldest went")
        // A hit in the older generation keeps the entry through the next turn.
        let older = try #require(
            values.dropLast(25).last { cache.value(for: try! codec.encode($0), as: String.self) != nil })
        for value in (0..<30).map({ "newer \($0)" }) { cache.keep(value, for: try codec.encode(value)) }
        #expect(cache.value(for: try codec.encode(older), as: String.self) == older)
    }

    @Test func valuesTooLargeAreNotKept() throws {
        let cache = DecodedValueCache()
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
        let now = Date(timeIntervalSince1970: 1_900_000_000)
        let dispatch = Envelope(
            messageId: "m1", emitterName: "test", emittedAt: now, requester: .client(name: "c"),
            message: WorkflowEngineMessage.dispatchWorkflow(
                DispatchWorkflow(
                    workflowName: "Trips", workflowId: "wf", methodName: "run", arguments: [], tags: [],
                    clientWaiting: true)))
        let created = try #require(try engine.handle(dispatch, state: nil, now: now).state(after: nil))
        let write = try created.write(to: Topics.workflowState("Trips", workflowId: "wf"))
        guard case .setFields(let fields, _, _) = write.operation else {
            Issue.record("expected fields")
            return
        }
        let stored = StateFields(version: 1, fields: fields, isComplete: true)
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
