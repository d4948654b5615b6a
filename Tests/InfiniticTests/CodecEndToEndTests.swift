import Foundation
import Infinitic
import Testing

/// The codecs a deployment can choose, as test arguments.
enum CodecChoice: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case json
    case binary

    var codec: any PayloadCodec {
        switch self {
        case .json: JSONPayloadCodec()
        case .binary: BinaryPayloadCodec()
        }
    }

    var testDescription: String { rawValue }
}

/// Representative end-to-end scenarios (`EngineLoop`) with each codec: every message and state of these runs is
/// encoded and decoded by it. The other end-to-end tests use the default codec (binary);
/// `INFINITIC_TEST_CODEC=json swift test --filter EndToEndTests` runs them all with JSON.
@Suite struct CodecEndToEndTests {
    @Test(arguments: CodecChoice.allCases)
    func sequentialAndParallelTasks(codec: CodecChoice) async throws {
        let loop = EngineLoop(codec: codec.codec)
        let sequential = try loop.startWorkflow(method: "sequential", arguments: loop.codec.arguments("ada"))
        let and = try loop.startWorkflow(method: "parallelAnd", arguments: loop.codec.arguments("bob"))
        let or = try loop.startWorkflow(method: "parallelOr", arguments: loop.codec.arguments("cy"))
        try await loop.run()
        #expect(
            try loop.result([BookingResult].self, workflowId: sequential) == [
                BookingResult(provider: "hotel", reference: "H-ada-2"),
                BookingResult(provider: "flight", reference: "F-ada"),
            ])
        #expect(try loop.result([String].self, workflowId: and) == ["H-bob-1", "F-bob", "H-bob-1", "H-bob-3"])
        #expect(try loop.result(String.self, workflowId: or) == "H-cy-1")
        for id in [sequential, and, or] { #expect(try loop.state(id) == nil) }
    }

    @Test(arguments: CodecChoice.allCases)
    func propertiesAndMethodsOnTheSameInstance(codec: CodecChoice) async throws {
        let loop = EngineLoop(codec: codec.codec)
        let id = try loop.startWorkflow(method: "withNote", arguments: loop.codec.arguments("eve"))
        let read = DispatchMethod(
            workflowName: "Trips", workflowId: id, methodName: "readNotes", methodId: "read-1", arguments: [],
            clientWaiting: true)
        try loop.sendAsClient(.dispatchMethod(read))
        try await loop.run()
        #expect(try loop.result([String].self, workflowId: id, methodId: "read-1") == ["start"])
        #expect(try loop.result([String].self, workflowId: id) == ["start", "note of eve", "H-eve-1", "count 2"])
    }

    @Test(arguments: CodecChoice.allCases)
    func failuresWithTypedPropertiesAndRetries(codec: CodecChoice) async throws {
        let loop = EngineLoop(codec: codec.codec)
        let caught = try loop.startWorkflow(method: "chargeCaught", arguments: loop.codec.arguments(900))
        let uncaught = try loop.startWorkflow(
            method: "chargeUncaught", arguments: loop.codec.arguments(700), tags: ["customer:7"])
        let flaky = try loop.startWorkflow(method: "flaky", arguments: [])
        try await loop.run()
        #expect(try loop.result(String.self, workflowId: caught) == "declined 900: over limit (PaymentService.charge)")
        #expect(try loop.result(String.self, workflowId: flaky) == "flaky after 2 retries")
        guard case .methodFailed(let error) = loop.responses(for: uncaught).first,
            case .taskFailed(let taskFailed) = error.cause
        else {
            Issue.record("expected a task failure, got \(loop.responses(for: uncaught))")
            return
        }
        #expect(
            try taskFailed.lastFailure.error.decodeProperties(as: PaymentDeclined.self, codec: loop.codec).amount
                == 700)
        let state = try #require(try loop.state(uncaught), "a failed method keeps its state")
        #expect(state.header.tags == ["customer:7"])
    }

    @Test(arguments: CodecChoice.allCases)
    func tagsCancelAndDispatchByTag(codec: CodecChoice) async throws {
        let loop = EngineLoop(codec: codec.codec)
        let first = try loop.startWorkflow(method: "chargeUncaught", arguments: loop.codec.arguments(999), tags: ["t"])
        let second = try loop.startWorkflow(method: "chargeUncaught", arguments: loop.codec.arguments(998), tags: ["t"])
        try await loop.run()
        try loop.sendAsClient(.getIds(WorkflowTagQuery(workflowName: "Trips", tag: "t")))
        try loop.sendAsClient(
            .dispatchMethodByTag(
                DispatchMethodByTag(
                    workflowName: "Trips", tag: "t", methodName: "addNote", arguments: loop.codec.arguments("x"))))
        try await loop.run()
        let listed = loop.clientInbox.compactMap { envelope -> [String]? in
            if case .workflowIds(let answer) = envelope.message { return answer.ids }
            return nil
        }
        #expect(listed == [[first, second].sorted()])
        for id in [first, second] {
            #expect(try loop.state(id)?.methods.count == 1, "the by-tag method ran, then left the state")
        }
        try loop.sendAsClient(.cancelByTag(WorkflowTagQuery(workflowName: "Trips", tag: "t")))
        try await loop.run()
        #expect(try loop.state(first) == nil && loop.state(second) == nil)
        #expect(loop.ids(Topics.workflowTagIds("Trips", tag: "t")).isEmpty)
    }

    /// Random delivery orders, duplicates, lost state writes: many workflows, each completes once.
    @Test(arguments: CodecChoice.allCases, [UInt64(3), 104])
    func randomOrderDuplicatesAndLostWrites(codec: CodecChoice, seed: UInt64) async throws {
        let loop = EngineLoop(shuffleSeed: seed, duplicateEvery: 3, loseStateWriteEvery: 5, codec: codec.codec)
        var ids: [(String, String)] = []
        for index in 0..<4 {
            let guest = "g\(index)"
            ids.append((try loop.startWorkflow(method: "withNote", arguments: loop.codec.arguments(guest)), guest))
        }
        try await loop.run()
        for (id, guest) in ids {
            #expect(
                try loop.result([String].self, workflowId: id) == [
                    "start", "note of \(guest)", "H-\(guest)-1", "count 2",
                ])
            #expect(loop.responses(for: id).count == 1)
            #expect(try loop.state(id) == nil)
        }
        #expect(loop.lostStateWrites > 0, "some state writes were lost (and their inputs redelivered)")
    }

    /// Every state a run stores, step by step, decodes and encodes back to the same bytes; the binary state is
    /// smaller than the JSON one.
    @Test func everyStoredStateOfARunRoundTrips() async throws {
        let binary = BinaryPayloadCodec()
        let loop = EngineLoop(shuffleSeed: 7, duplicateEvery: 4, codec: binary)
        for index in 0..<3 {
            try loop.startWorkflow(method: "withNote", arguments: loop.codec.arguments("s\(index)"), tags: ["x"])
            try loop.startWorkflow(method: "parallelAnd", arguments: loop.codec.arguments("p\(index)"))
        }
        var checked = 0
        for _ in 0..<2_000 where loop.pendingCount > 0 {
            try await loop.run(steps: 1)
            for stored in loop.states.values {
                let header = try binary.decode(WorkflowStateHeader.self, from: stored.fields["h"] ?? [])
                #expect(try binary.encode(header) == stored.fields["h"])
                #expect(try JSONPayloadCodec().encode(header).count > stored.fields["h"]?.count ?? 0)
                for (field, bytes) in stored.fields where field.hasPrefix("c:") {
                    #expect(try binary.encode(binary.decode(CommandEntry.self, from: bytes)) == bytes)
                }
                for (field, bytes) in stored.fields where field.hasPrefix("m:") {
                    #expect(try binary.encode(binary.decode(MethodRecord.self, from: bytes)) == bytes)
                }
                checked += 1
            }
        }
        try await loop.run()
        #expect(checked > 20)
    }
}
