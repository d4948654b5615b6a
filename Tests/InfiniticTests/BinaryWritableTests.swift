import Foundation
import Testing

@testable import Infinitic

/// Every `BinaryWritable` type writes, field for field, the bytes its `Encodable` conformance writes: with each
/// optional set, and with none. (Debug builds also check every value encoded in the other tests.)
@Suite struct BinaryWritableTests {
    let fast = BinaryPayloadCodec()
    let reference = BinaryPayloadCodec(writesFields: false)
    let instant = Date(timeIntervalSince1970: 1_900_000_123.456)

    func payload(_ text: String) -> Payload { Payload(Array(text.utf8)) }

    /// `value` writes itself (its type is `BinaryWritable`, unless `writable` is false), both codecs give the same
    /// bytes, and those decode back to a value that encodes to them again.
    func expectSameBytes<Value: Codable>(
        _ value: Value, writable: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect((value is any BinaryWritable) == writable, "\(Value.self)", sourceLocation: sourceLocation)
        let written = try fast.encode(value)
        let encoded = try reference.encode(value)
        #expect(written == encoded, "\(Value.self)", sourceLocation: sourceLocation)
        #expect(try fast.encode(fast.decode(Value.self, from: written)) == written, sourceLocation: sourceLocation)
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
            ["x": [PastStep(position: 1, step: .command("c")), PastStep(position: 2, step: .all([]))]], writable: false)
        try expectSameBytes([Optional(resumption), nil], writable: false)
    }

    /// What `@BinaryWritable` writes for declarations the engine's types do not have: a property with a default, an
    /// observed property, `Optional<...>` spelled out, an enum case with labels, an optional associated value and
    /// none.
    @Test func theMacroWritesWhatSynthesizedEncodableWrites() throws {
        try expectSameBytes(Sample(id: "a", note: nil, tags: nil, observed: 1))
        try expectSameBytes(Sample(id: "a", note: "n", tags: ["y", "x"], observed: 2))
        for choice: SampleChoice in [.none, .one("x"), .labeled(name: "n", 2, nil), .labeled(name: "n", 2, "o")] {
            try expectSameBytes(choice)
        }
    }
}

@BinaryWritable
private struct Sample: Codable {
    static let ignored = 1
    var id: String
    var note: String?
    var version: Int = 3
    var tags: Optional<Set<String>>
    var observed: Int { didSet { _ = oldValue } }
    var computed: Int { observed + 1 }
}

@BinaryWritable
private enum SampleChoice: Codable {
    case none
    case one(String)
    case labeled(name: String, Int, String?)
}
