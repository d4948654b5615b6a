import Foundation
import Testing

@testable import Infinitic

/// Every `BinaryWritable` type writes, field for field, the bytes its `Encodable` conformance writes, and every
/// `BinaryReadable` type reads what its `Decodable` conformance reads: with each optional set, and with none. (Debug
/// builds also check every value encoded and every readable document decoded in the other tests.)
@Suite struct BinaryWritableTests {
    let fast = BinaryPayloadCodec()
    let reference = BinaryPayloadCodec(writesFields: false)
    let instant = Date(timeIntervalSince1970: 1_900_000_123.456)

    func payload(_ text: String) -> Payload { Payload(Array(text.utf8)) }

    /// `value` writes and reads itself (its type is `BinaryWritable` and `BinaryReadable`, unless `conforms` is
    /// false), both codecs give the same bytes, and those decode, both ways, to a value that encodes to them again.
    func expectSameBytes<Value: Codable>(
        _ value: Value, conforms: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect((value is any BinaryWritable) == conforms, "\(Value.self)", sourceLocation: sourceLocation)
        #expect((value is any BinaryReadable) == conforms, "\(Value.self)", sourceLocation: sourceLocation)
        let written = try fast.encode(value)
        let encoded = try reference.encode(value)
        #expect(written == encoded, "\(Value.self)", sourceLocation: sourceLocation)
        #expect(try fast.encode(fast.decode(Value.self, from: written)) == written, sourceLocation: sourceLocation)
        #expect(
            try fast.encode(reference.decode(Value.self, from: written)) == written, sourceLocation: sourceLocation)
    }

    var descriptor: CommandDescriptor {
        var descriptor = CommandDescriptor(
            kind: .receive, targetName: "Hotel", methodName: "book", arguments: [payload("a"), payload("b")],
            targetWorkflowId: "w-1", tags: ["b", "a", "c"], meta: ["z": "1", "a": "2"])
        descriptor.targetTag = "customer:1"
        descriptor.dueAt = instant
        descriptor.limit = 3
        descriptor.filter = .exists("price")
        descriptor.timeout = .milliseconds(1500)
        return descriptor
    }

    var record: CommandRecord {
        var record = CommandRecord(
            id: "c1", position: 4, descriptor: descriptor, status: .completed(payload("done")), createdAtTaskIndex: 2,
            resolvedAtTaskIndex: 3, resolutionSequence: 7)
        record.retrySequence = 1
        return record
    }

    var resumption: Resumption {
        Resumption(taskIndex: 3, instant: instant, properties: ["count": payload("1"), "a": payload("2")])
    }

    var history: MethodHistory {
        MethodHistory(
            methodId: "m", methodName: "run", arguments: [payload("x")], start: resumption,
            pastSteps: [
                PastStep(position: 1, step: .command("c1"), resumption: resumption),
                PastStep(position: 2, step: .all([.command("c2"), .any([.command("c3"), .command("c4")])])),
            ],
            currentStep: WaitingStep(position: 3, step: .any([.command("c5")])), commands: [record])
    }

    var tracker: StepTracker {
        StepTracker.make(.all([.command("a"), .any([.command("b"), .command("c")])]), generation: 2).0
    }

    @Test func historyTypes() throws {
        try expectSameBytes(descriptor)
        try expectSameBytes(CommandDescriptor(kind: .task, targetName: "S", methodName: "m"))
        try expectSameBytes(record)
        try expectSameBytes(CommandRecord(id: "c", position: 1, descriptor: .inline, createdAtTaskIndex: 1))
        try expectSameBytes(resumption)
        try expectSameBytes(history)
        try expectSameBytes(MethodHistory(methodId: "m", methodName: "run", arguments: []))
        try expectSameBytes(PastStep(position: 1, step: .command("c")))
        try expectSameBytes(WaitingStep(position: 2, step: .all([])))
        try expectSameBytes(tracker)
        try expectSameBytes(tracker.nodes[0])
    }

    @Test func stateParts() throws {
        var header = WorkflowStateHeader(
            workflowName: "Trips", workflowId: "wf", tags: ["t2", "t1"], meta: ["k": "v"], createdAt: instant)
        try expectSameBytes(header)
        var summary = MethodSummary(methodId: "m")
        try expectSameBytes(summary)
        summary.ending = .completed
        summary.step = tracker
        summary.ongoingCommands = 2
        header.lastMessageId = "msg"
        header.runningWorkflowTask = RunningWorkflowTask(
            id: "wt", methodId: "m", index: 4, executor: "x-1", routedAt: instant)
        header.stickyWatch = 1_900_000_010_000
        header.methods = [summary, MethodSummary(methodId: "n")]
        header.earlyResultIds = ["e1", "e0"]
        header.retainedUntil = instant
        header.closed = true
        header.workflowVersion = 2
        try expectSameBytes(header)

        var method = MethodRecord(
            history: history, requester: .workflow(name: "Parent", id: "p", methodId: "pm"),
            waitingClients: ["c2", "c1"], headers: ["trace": "1"])
        try expectSameBytes(method)
        method.commandIds = ["c1", "c2"]
        method.outcome = .completed(payload("r"))
        method.timerIds = ["t"]
        method.children = [ChildWorkflow(workflowName: "Child", workflowId: "ch")]
        method.sealedChunks = 2
        method.parkedAt = ParkedAt(
            executor: "x-1", point: StickyPoint(taskIndex: 3, position: 7, ongoingCommandIds: ["c2", "c1"]))
        try expectSameBytes(method)
        try expectSameBytes(MethodRecord(history: history, requester: nil))

        try expectSameBytes(
            CommandEntry(methodId: "m", record: record, awaitedBy: AwaitMark(generation: 1, nodes: [0, 2])))
        try expectSameBytes(CommandEntry(methodId: "m", record: record))
        var receives = ReceivesPart()
        try expectSameBytes(receives)
        receives.open = [
            OpenReceive(methodId: "m", commandId: "r", channel: "ch", filter: .exists("x"), limit: 2),
            OpenReceive(methodId: "m", commandId: "s", channel: "ch", filter: nil, limit: 1),
        ]
        receives.recentSignalIds = ["s1"]
        try expectSameBytes(receives)
        let result = CommandResult(
            workflowName: "Trips", workflowId: "wf", methodId: "m", commandId: "c1", outcome: .completed(payload("1")))
        try expectSameBytes(EarlyResult(result: result, sequence: 3))
        try expectSameBytes(RetainedOutcome(outcome: .canceled, expiresAt: instant))
    }

    @Test func envelopes() throws {
        let message = WorkflowEngineMessage.waitMethod(
            WaitMethod(workflowName: "Trips", workflowId: "wf", methodId: "m"))
        try expectSameBytes(
            Envelope(messageId: "id", emitterName: "engine", emittedAt: instant, requester: nil, message: message))
        try expectSameBytes(
            Envelope(
                messageId: "id", emitterName: "engine", emittedAt: instant, requester: .client(name: "c"),
                message: message, headers: ["b": "2", "a": "1"]))
    }

    @Test func enumsAndMessages() throws {
        for kind: CommandDescriptor.Kind in [
            .task, .workflowMethod, .childWorkflow, .inline, .timer, .receive, .signal,
        ] {
            try expectSameBytes(kind)
        }
        for ending: MethodSummary.Ending in [.completed, .failed, .canceled] { try expectSameBytes(ending) }
        let canceled = WorkflowCanceledError(workflowName: "Trips", workflowId: "wf", methodId: "m")
        let failure = WorkflowFailedError(
            workflowName: "Trips", workflowId: "wf", methodName: "run", methodId: "m",
            cause: .workflowCanceled(canceled))
        let statuses: [CommandStatus] = [.ongoing, .completed(payload("v")), .failed(.workflowCanceled(canceled))]
        for status in statuses { try expectSameBytes(status) }
        for outcome: MethodOutcome in [.completed(payload("v")), .failed(failure), .canceled] {
            try expectSameBytes(outcome)
        }
        try expectSameBytes(Requester.client(name: "c"))
        try expectSameBytes(Requester.workflow(name: "W", id: "w", methodId: "m"))
        try expectSameBytes(StepSpec.all([.command("a"), .any([.command("b"), .all([])])]))
        try expectSameBytes(StepResult.all([.value(payload("a")), .first(index: 1, result: .value(payload("b")))]))
        var task = WorkflowTask(
            workflowTaskId: "wt", workflowName: "Trips", workflowId: "wf", tags: ["b", "a"], meta: ["k": "v"],
            taskIndex: 3, instant: instant, method: history)
        try expectSameBytes(task)
        task.workflowVersion = 2
        task.historyFrom = 1
        try expectSameBytes(task)
        try expectSameBytes(
            WorkflowTaskOutput(
                newCommands: [record], passedSteps: [PastStep(position: 1, step: .command("c"))],
                properties: ["p": payload("1")], outcome: .waiting(WaitingStep(position: 2, step: .command("c"))),
                workflowVersion: 1))

        let messages: [WorkflowEngineMessage] = [
            .dispatchWorkflow(
                DispatchWorkflow(
                    workflowName: "Trips", workflowId: "wf", methodName: "run", arguments: [payload("a")],
                    tags: ["b", "a"], meta: ["k": "v"], clientWaiting: true)),
            .dispatchMethod(
                DispatchMethod(
                    workflowName: "Trips", workflowId: "wf", methodName: "note", methodId: "m", arguments: [])),
            .waitMethod(WaitMethod(workflowName: "Trips", workflowId: "wf", methodId: "m")),
            .cancelWorkflow(CancelWorkflow(workflowName: "Trips", workflowId: "wf")),
            .expireOutcomes(
                ExpireOutcomes(workflowName: "Trips", workflowId: "wf", methodIds: ["m"], expiresAt: instant)),
            .redispatchWorkflowTask(
                RedispatchWorkflowTask(
                    workflowName: "Trips", workflowId: "wf", methodId: "m", executor: "x-1", workflowTaskId: "wt")),
            .redispatchWorkflowTask(
                RedispatchWorkflowTask(
                    workflowName: "Trips", workflowId: "wf", methodId: "m", executor: "x-1", workflowTaskId: nil)),
            .watchStickyTask(WatchStickyTask(workflowName: "Trips", workflowId: "wf", dueMilliseconds: 42)),
            .workflowTaskCompleted(
                WorkflowTaskCompleted(
                    workflowName: "Trips", workflowId: "wf", workflowTaskId: "wt", methodId: "m",
                    output: WorkflowTaskOutput(outcome: .returned(payload("r"))),
                    parkedAt: ParkedAt(
                        executor: "x-1", point: StickyPoint(taskIndex: 3, position: 7, ongoingCommandIds: ["c"])))),
        ]
        for message in messages
            + statuses.map({
                .commandResult(
                    CommandResult(workflowName: "Trips", workflowId: "wf", methodId: "m", commandId: "c", outcome: $0))
            })
        {
            try expectSameBytes(message)
        }
        let replies: [ClientMessage] = [
            .methodCompleted(
                MethodCompleted(workflowName: "Trips", workflowId: "wf", methodId: "m", value: payload("r"))),
            .methodFailed(failure), .methodCanceled(canceled),
        ]
        for reply in replies { try expectSameBytes(reply) }
        try expectSameBytes(ServiceTask(taskId: "t", serviceName: "S", methodName: "m", arguments: [payload("a")]))
        try expectSameBytes(
            ServiceTask(
                taskId: "t", serviceName: "S", methodName: "m", arguments: [], tags: ["x"], meta: ["k": "v"],
                retryIndex: 2, retrySequence: 1, workflowVersion: 3))
    }

    /// A value holding writable values inside containers that `Encoder` opens (an array of them in a dictionary)
    /// closes each container where it belongs.
    @Test func writableValuesNestedInOtherContainers() throws {
        try expectSameBytes(
            ["x": [PastStep(position: 1, step: .command("c")), PastStep(position: 2, step: .all([]))]], conforms: false)
        try expectSameBytes([Optional(resumption), nil], conforms: false)
    }

    /// Documents that are not a value of the type fail to read as they fail to decode: the same kind of
    /// `DecodingError`, at the same coding path. Keys the type does not know are skipped both ways.
    @Test func readingFailsWhereDecodingFails() throws {
        let message: [String: [String: [String: String]]] = [
            "waitMethod": ["_0": ["workflowName": "Trips", "workflowId": "wf", "methodId": "m"]]
        ]
        var envelope = TestDocument(entries: [
            ("messageId", "id"), ("emitterName", "e"), ("emittedAt", 3), ("message", message), ("unknown", 1),
        ])
        let read = try fast.decode(WorkflowEngineEnvelope.self, from: try fast.encode(envelope))
        #expect(read.messageId == "id" && read.message.workflowId == "wf")
        try expectSameFailure(WorkflowEngineEnvelope.self, TestDocument(entries: Array(envelope.entries.dropFirst())))
        envelope.entries[1].value = 4
        try expectSameFailure(WorkflowEngineEnvelope.self, envelope)
        try expectSameFailure(WorkflowEngineMessage.self, ["waitMethod": ["_0": ["workflowName": "Trips"]]])
        try expectSameFailure(WorkflowEngineMessage.self, ["newerCase": ["_0": ["workflowName": "Trips"]]])
        try expectSameFailure(WorkflowEngineMessage.self, [String: [String: String]]())
        try expectSameFailure(
            WorkflowEngineMessage.self, ["waitMethod": ["_0": [:]], "cancelWorkflow": ["_0": [String: String]()]])
        try expectSameFailure(SampleChoice.self, ["none": "not a container"])
        try expectSameFailure(CommandDescriptor.Kind.self, "newerKind")
        try expectSameFailure([PastStep].self, [["position": "one"]])
    }

    /// `document` fails to decode as `Value` both ways, with the same kind of error at the same coding path.
    func expectSameFailure<Value: Decodable>(
        _ type: Value.Type, _ document: some Encodable, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let bytes = try fast.encode(document)
        func failure(_ codec: BinaryPayloadCodec) -> String {
            do {
                _ = try codec.decode(Value.self, from: bytes)
                return "no error"
            } catch let error as DecodingError {
                switch error {
                case .keyNotFound(let key, let context):
                    return "keyNotFound \(key.stringValue) at \(context.codingPath.map(\.stringValue))"
                case .typeMismatch(_, let context): return "typeMismatch at \(context.codingPath.map(\.stringValue))"
                case .valueNotFound(_, let context): return "valueNotFound at \(context.codingPath.map(\.stringValue))"
                case .dataCorrupted(let context): return "dataCorrupted at \(context.codingPath.map(\.stringValue))"
                @unknown default: return "\(error)"
                }
            } catch {
                return "\(error)"
            }
        }
        let read = failure(fast)
        let decoded = failure(BinaryPayloadCodec(writesFields: true, readsFields: false))
        #expect(read != "no error", sourceLocation: sourceLocation)
        #expect(read == decoded, sourceLocation: sourceLocation)
    }

    /// What `@BinaryWritable` writes and `@BinaryReadable` reads for declarations the engine's types do not have: a
    /// property with a default, an observed property, `Optional<...>` spelled out, backticked names, an enum case
    /// with labels, an optional associated value and none.
    @Test func theMacrosWriteAndReadWhatSynthesizedCodableDoes() throws {
        try expectSameBytes(Sample(id: "a", note: nil, tags: nil, default: 4, observed: 1))
        try expectSameBytes(Sample(id: "a", note: "n", tags: ["y", "x"], default: 5, observed: 2))
        let choices: [SampleChoice] = [
            .none, .one("x"), .labeled(name: "n", 2, nil), .labeled(name: "n", 2, "o"), .default(in: 3),
        ]
        for choice in choices { try expectSameBytes(choice) }
    }

    /// Of an enum's container, only the entries named after a case count (as synthesized `Decodable` reads it):
    /// others are skipped, and none or two cases fail.
    @Test func anEnumReadsTheOneEntryNamedAfterACase() throws {
        let document = TestDocument(entries: [("one", ["_0": "x"]), ("newer", 1)])
        let bytes = try fast.encode(document)
        let read = try fast.decode(SampleChoice.self, from: bytes)
        let decoded = try BinaryPayloadCodec(writesFields: true, readsFields: false).decode(
            SampleChoice.self, from: bytes)
        #expect(try fast.encode(read) == fast.encode(SampleChoice.one("x")))
        #expect(try fast.encode(decoded) == fast.encode(read))
        try expectSameFailure(SampleChoice.self, TestDocument(entries: [("newer", 1)]))
        try expectSameFailure(
            SampleChoice.self, TestDocument(entries: [("one", ["_0": "x"]), ("none", [String: Int]())]))
    }
}

@BinaryWritable
@BinaryReadable
private struct Sample: Codable {
    static let ignored = 1
    var id: String
    var note: String?
    var version: Int = 3
    var tags: Optional<Set<String>>
    var `default`: Int
    var observed: Int { didSet { _ = oldValue } }
    var computed: Int { observed + 1 }
}

@BinaryWritable
@BinaryReadable
private enum SampleChoice: Codable {
    case none
    case one(String)
    case labeled(name: String, Int, String?)
    case `default`(`in`: Int)
}

/// A keyed document with the given entries (keys made at run time: written sorted).
private struct TestDocument: Encodable {
    var entries: [(key: String, value: any Encodable)]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: BinaryCodingKey.self)
        for (key, value) in entries { try container.encode(value, forKey: BinaryCodingKey(stringValue: key)) }
    }
}
