import Foundation
import Synchronization
import Testing

@testable import Infinitic

/// The state engine's rules, one message at a time.
@Suite struct WorkflowStateEngineTests {
    let codec = JSONPayloadCodec()
    let engine = WorkflowStateEngine(workflowName: "Trips", emitterName: "engine", codec: JSONPayloadCodec())
    let now = Date(timeIntervalSince1970: 1_900_000_000)
    let hotel = CommandDescriptor(kind: .task, targetName: "HotelBooking", methodName: "book")

    func envelope(
        _ message: WorkflowEngineMessage, id: String = UUID().uuidString, requester: Requester? = .client(name: "c")
    )
        -> WorkflowEngineEnvelope
    {
        Envelope(messageId: id, emitterName: "test", emittedAt: now, requester: requester, message: message)
    }

    func dispatchWorkflow(tags: Set<String> = []) -> WorkflowEngineMessage {
        .dispatchWorkflow(
            DispatchWorkflow(
                workflowName: "Trips", workflowId: "wf", methodName: "sequential", arguments: [], tags: tags,
                clientWaiting: true))
    }

    func result(_ commandId: String, methodId: String = "wf", value: Int = 1) throws -> WorkflowEngineMessage {
        .commandResult(
            CommandResult(
                workflowName: "Trips", workflowId: "wf", methodId: methodId, commandId: commandId,
                outcome: .completed(try codec.payload(value))))
    }

    func taskCompleted(_ state: WorkflowState?, _ output: WorkflowTaskOutput) throws -> WorkflowEngineMessage {
        let running = try #require(state?.runningWorkflowTask)
        return .workflowTaskCompleted(
            WorkflowTaskCompleted(
                workflowName: "Trips", workflowId: "wf", workflowTaskId: running.id, methodId: running.methodId,
                output: output))
    }

    func command(_ id: String, position: Int, createdAt: Int = 1) -> CommandRecord {
        CommandRecord(id: id, position: position, descriptor: hotel, createdAtTaskIndex: createdAt)
    }

    func waitingOn(_ ids: [String], position: Int, createdAt: Int = 1) -> WorkflowTaskOutput {
        WorkflowTaskOutput(
            newCommands: ids.enumerated().map {
                command($1, position: position - ids.count + $0, createdAt: createdAt)
            },
            outcome: .waiting(
                WaitingStep(
                    position: position, step: ids.count == 1 ? .command(ids[0]) : .all(ids.map { .command($0) }))))
    }

    /// Applies messages in order from `state`, returning the final state and the last transition.
    func apply(
        _ messages: [WorkflowEngineEnvelope], to state: WorkflowState?
    ) throws -> (WorkflowState?, WorkflowEngineTransition) {
        var state = state
        var last = WorkflowEngineTransition.ignored
        for message in messages {
            last = try engine.handle(message, state: state, now: now)
            state = last.state(after: state)
        }
        return (state, last)
    }

    func workflowTasks(_ transition: WorkflowEngineTransition) -> [WorkflowTask] {
        transition.outputs.compactMap {
            if case .workflowExecutor(let envelope) = $0 { return envelope.message } else { return nil }
        }
    }

    func isIgnored(_ transition: WorkflowEngineTransition) -> Bool {
        if case .unchanged = transition.state { return transition.outputs.isEmpty }
        return false
    }

    /// A started workflow whose first workflow task completed waiting on command `c1`.
    func waitingOnC1() throws -> WorkflowState {
        let (created, _) = try apply([envelope(dispatchWorkflow())], to: nil)
        let (state, _) = try apply([envelope(try taskCompleted(created, waitingOn(["c1"], position: 2)))], to: created)
        return try #require(state)
    }

    @Test func creatingAnInstanceDispatchesItsFirstWorkflowTaskAndAddsItsTags() throws {
        let transition = try engine.handle(envelope(dispatchWorkflow(tags: ["a", "b"])), state: nil, now: now)
        let state = try #require(transition.state(after: nil))
        #expect(state.runningWorkflowTask?.index == 1 && state.workflowTaskIndex == 1)
        let task = try #require(workflowTasks(transition).first)
        #expect(task.taskIndex == 1 && task.method.methodId == "wf" && task.method.start?.taskIndex == 1)
        #expect(task.workflowTaskId == StableId.workflowTask(workflowId: "wf", index: 1))
        let tagAdds = transition.outputs.filter { if case .workflowTag = $0 { return true } else { return false } }
        #expect(tagAdds.count == 2)
        #expect(state.methods.first?.waitingClients == ["c"])
    }

    @Test func theLastAppliedMessageIsIgnored() throws {
        let message = envelope(dispatchWorkflow(), id: "m1")
        let (state, _) = try apply([message], to: nil)
        #expect(isIgnored(try engine.handle(message, state: state, now: now)))
    }

    @Test func aWorkflowTaskResultThatIsNotTheRunningOneIsIgnored() throws {
        let (state, _) = try apply([envelope(dispatchWorkflow())], to: nil)
        let stale = WorkflowEngineMessage.workflowTaskCompleted(
            WorkflowTaskCompleted(
                workflowName: "Trips", workflowId: "wf", workflowTaskId: "an older one", methodId: "wf",
                output: waitingOn(["c1"], position: 2)))
        #expect(isIgnored(try engine.handle(envelope(stale), state: state, now: now)))
        let waiting = try waitingOnC1()
        #expect(
            isIgnored(
                try engine.handle(
                    envelope(try taskCompleted(state, waitingOn(["c1"], position: 2))), state: waiting, now: now)),
            "a duplicate of the applied result: no task runs any more")
    }

    @Test func aResultForATerminatedCommandIsIgnored() throws {
        let waiting = try waitingOnC1()
        let (state, _) = try apply([envelope(try result("c1", value: 1))], to: waiting)
        #expect(isIgnored(try engine.handle(envelope(try result("c1", value: 2)), state: state, now: now)))
    }

    @Test func aMethodIdSeenBeforeIsIgnored() throws {
        let waiting = try waitingOnC1()
        let again = WorkflowEngineMessage.dispatchMethod(
            DispatchMethod(workflowName: "Trips", workflowId: "wf", methodName: "other", methodId: "wf", arguments: []))
        #expect(isIgnored(try engine.handle(envelope(again, requester: nil), state: waiting, now: now)))
        #expect(isIgnored(try engine.handle(envelope(dispatchWorkflow(), requester: nil), state: waiting, now: now)))
        // A client asking to wait on it is attached instead.
        let attach = try engine.handle(
            envelope(dispatchWorkflow(), requester: .client(name: "other-client")), state: waiting, now: now)
        #expect(attach.state(after: waiting)?.methods.first?.waitingClients == ["c", "other-client"])
    }

    @Test func aMethodArrivingWhileAWorkflowTaskRunsWaitsForIt() throws {
        let (created, _) = try apply([envelope(dispatchWorkflow())], to: nil)
        let second = WorkflowEngineMessage.dispatchMethod(
            DispatchMethod(
                workflowName: "Trips", workflowId: "wf", methodName: "readNotes", methodId: "m2", arguments: []))
        let waiting = try engine.handle(envelope(second), state: created, now: now)
        let recorded = try #require(waiting.state(after: created))
        #expect(waiting.outputs.isEmpty && recorded.methods.count == 2, "recorded, not started: a task runs")

        let completing = try engine.handle(
            envelope(try taskCompleted(recorded, waitingOn(["c1"], position: 2))), state: recorded, now: now)
        let state = try #require(completing.state(after: recorded))
        #expect(state.methods.count == 2)
        #expect(workflowTasks(completing).map(\.method.methodId) == ["m2"], "the waiting method starts next")
        #expect(state.runningWorkflowTask?.index == 2)
    }

    @Test func aResultArrivingBeforeTheWorkflowTaskResultThatRecordsItsCommandIsApplied() throws {
        let (created, _) = try apply([envelope(dispatchWorkflow())], to: nil)
        // The task ran faster than the workflow task result reached the engine.
        let early = try engine.handle(envelope(try result("c1", value: 7)), state: created, now: now)
        let buffered = try #require(early.state(after: created))
        #expect(buffered.earlyResultCount == 1 && early.outputs.isEmpty)
        let completing = try engine.handle(
            envelope(try taskCompleted(buffered, waitingOn(["c1"], position: 2))), state: buffered, now: now)
        let state = try #require(completing.state(after: buffered))
        let command = try #require(state.method("wf")?.history.command("c1"))
        #expect(command.status == .completed(try codec.payload(7)) && command.resolvedAtTaskIndex == 2)
        let next = try #require(workflowTasks(completing).first)
        #expect(next.taskIndex == 2)
        #expect(next.method.pastSteps.last?.resumption?.taskIndex == 2, "the step resumes at workflow task 2")
    }

    @Test func aResultForAnUnknownCommandWaitsForItsCommand() throws {
        // Defensive path: no workflow task runs, the command is not recorded yet.
        let waiting = try waitingOnC1()
        let (kept, _) = try apply([envelope(try result("c2", value: 2))], to: waiting)
        #expect(kept?.earlyResultCount == 1)
        let (resumed, resuming) = try apply([envelope(try result("c1"))], to: kept)
        #expect(workflowTasks(resuming).count == 1)
        let completing = try engine.handle(
            envelope(try taskCompleted(resumed, waitingOn(["c2"], position: 4, createdAt: 2))), state: resumed, now: now
        )
        let state = try #require(completing.state(after: resumed))
        #expect(state.earlyResultCount == 0)
        #expect(state.method("wf")?.history.command("c2")?.status.isTerminated == true)
        #expect(workflowTasks(completing).first?.taskIndex == 3, "its step resolved at once")
    }

    @Test func completionIsReportedAndTheStateDeletedOnceEverythingEnded() throws {
        let (created, _) = try apply([envelope(dispatchWorkflow(tags: ["t"]))], to: nil)
        var output = WorkflowTaskOutput(
            newCommands: [command("c1", position: 1)], outcome: .returned(try codec.payload("done")))
        output.properties = ["p": try codec.payload(1)]
        let returning = try engine.handle(envelope(try taskCompleted(created, output)), state: created, now: now)
        let state = try #require(returning.state(after: created), "c1 still runs: the state stays")
        #expect(state.currentProperties["p"] != nil)
        let told = returning.outputs.compactMap { outbound -> ClientMessage? in
            if case .client(let name, let envelope) = outbound, name == "c" { return envelope.message }
            return nil
        }
        guard case .methodCompleted(let completed) = told.first else {
            Issue.record("expected the client to be told, got \(returning.outputs)")
            return
        }
        #expect(try codec.value(String.self, from: completed.value) == "done")

        let ending = try engine.handle(envelope(try result("c1")), state: state, now: now)
        guard case .deleted = ending.state else {
            Issue.record("expected deletion, got \(ending.state)")
            return
        }
        let removals = ending.outputs.compactMap { outbound -> String? in
            if case .workflowTag(let envelope) = outbound, case .removeTag(let change) = envelope.message {
                return change.tag
            }
            return nil
        }
        #expect(removals == ["t"])
    }

    @Test func aMethodStartedByAWorkflowReportsItsOutcomeToThatWorkflow() throws {
        let waiting = try waitingOnC1()
        let requester = Requester.workflow(name: "Parent", id: "parent-1", methodId: "pm")
        let dispatch = WorkflowEngineMessage.dispatchMethod(
            DispatchMethod(
                workflowName: "Trips", workflowId: "wf", methodName: "readNotes", methodId: "cmd-9", arguments: []))
        let (started, _) = try apply([envelope(dispatch, requester: requester)], to: waiting)
        let failure = WorkflowTaskOutput(outcome: .threw(.error(ErrorDescription(typeName: "Oops", message: "bad"))))
        let failing = try engine.handle(envelope(try taskCompleted(started, failure)), state: started, now: now)
        let results = failing.outputs.compactMap { outbound -> CommandResult? in
            if case .workflowEngine(let envelope) = outbound, case .commandResult(let result) = envelope.message {
                return result
            }
            return nil
        }
        let result = try #require(results.first)
        #expect(result.workflowName == "Parent" && result.workflowId == "parent-1" && result.commandId == "cmd-9")
        guard case .failed(.workflowFailed(let error)) = result.outcome, case .error(let cause) = error.cause else {
            Issue.record("expected a workflow failure, got \(result.outcome)")
            return
        }
        #expect(error.methodName == "readNotes" && cause.typeName == "Oops")
        #expect(failing.state(after: started) != nil, "a failed method keeps the state")
    }

    @Test func messagesForAnInstanceWithoutStateAreIgnoredOrAnsweredUnknown() throws {
        #expect(isIgnored(try engine.handle(envelope(try result("c1")), state: nil, now: now)))
        let dispatch = WorkflowEngineMessage.dispatchMethod(
            DispatchMethod(workflowName: "Trips", workflowId: "wf", methodName: "m", methodId: "cmd", arguments: []))
        let answer = try engine.handle(
            envelope(dispatch, requester: .workflow(name: "Parent", id: "p", methodId: "pm")), state: nil, now: now)
        guard case .unchanged = answer.state, case .workflowEngine(let sent) = answer.outputs.first,
            case .commandResult(let result) = sent.message, case .failed(.workflowUnknown) = result.outcome
        else {
            Issue.record("expected an unknown-workflow result, got \(answer.outputs)")
            return
        }
        #expect(result.commandId == "cmd" && result.workflowId == "p")
    }

    /// The state engine of `Trips` replaying its workflow tasks inline.
    func inliningRole() -> WorkflowStateEngineRole {
        var role = WorkflowStateEngineRole(workflowName: "Trips", emitterName: "engine", codec: codec)
        role.inline = WorkflowTaskRunner(definitions: [WorkflowFixtures.trips], emitterName: "executor", codec: codec)
        return role
    }

    /// A step replays at most `inlineReplaysPerStep` workflow tasks inline: ten methods that each end in their
    /// first workflow task (dispatched together) run eight inline, and the ninth goes to the executors.
    @Test func inlineReplaysStopAtTheCapAndHandTheNextTaskToTheExecutors() async throws {
        let role = inliningRole()
        let key = Topics.workflowState("Trips", workflowId: "wf")
        var messages = [
            envelope(
                .dispatchWorkflow(
                    DispatchWorkflow(
                        workflowName: "Trips", workflowId: "wf", methodName: "readNotes", arguments: [], tags: [],
                        clientWaiting: true)))
        ]
        for index in 1...9 {
            messages.append(
                envelope(
                    .dispatchMethod(
                        DispatchMethod(
                            workflowName: "Trips", workflowId: "wf", methodName: "readNotes", methodId: "m\(index)",
                            arguments: [], clientWaiting: true))))
        }
        let inputs = try messages.enumerated().map { index, message in
            let received = ReceivedMessage(
                id: "1-\(index)", topic: Topics.workflowEngine("Trips"), key: "wf", payload: try codec.encode(message),
                deliveryCount: 1, publishedAt: now)
            return RoleInput(message: received, value: try role.decode(received))
        }
        let disposition = try await RoleContext.withContext(
            store: NoReads(), prefetchedState: PrefetchedState(key: key, fields: nil), now: { now }
        ) { context in
            try await role.step(inputs, context: context)
        }
        guard case .ack(let commit) = disposition.disposition else {
            Issue.record("expected an ack, got \(disposition.disposition)")
            return
        }
        let topics = commit.messages.map(\.topic.name)
        #expect(WorkflowStateEngineRole.inlineReplaysPerStep == 8)
        #expect(topics.filter { $0 == "workflow-executor:Trips" }.count == 1, "the ninth workflow task: \(topics)")
        // The eight methods replayed inline ended and answered their clients; the last two wait.
        #expect(topics.filter { $0.hasPrefix("client:") }.count == 8, "\(topics)")
        #expect(topics.count == 9, "\(topics)")
    }

    /// An inline replay runs on a state with changes not written yet: a part it reads must come from the same
    /// version, else the step is retried (never read whole again over those changes).
    @Test func aPartReadForAnInlineReplayFromAnotherVersionRetriesTheStep() async throws {
        let role = inliningRole()
        let key = Topics.workflowState("Trips", workflowId: "wf")
        func step(
            _ message: WorkflowEngineEnvelope, prefetched: StateFields?, store: any StateReading
        ) async throws
            -> BatchDisposition
        {
            let received = ReceivedMessage(
                id: "1-0", topic: Topics.workflowEngine("Trips"), key: "wf", payload: try codec.encode(message),
                deliveryCount: 1, publishedAt: now)
            let inputs = [RoleInput(message: received, value: try role.decode(received))]
            return try await RoleContext.withContext(
                store: store, prefetchedState: PrefetchedState(key: key, fields: prefetched), now: { now }
            ) { context in
                try await role.step(inputs, context: context)
            }
        }
        /// Applies `message` to the whole stored state; returns the state written and the task dispatched.
        func apply(
            _ message: WorkflowEngineMessage, to stored: [String: [UInt8]], version: Int
        ) async throws
            -> ([String: [UInt8]], String)
        {
            let prefetched = stored.isEmpty ? nil : StateFields(version: version, fields: stored, isComplete: true)
            guard
                case .ack(let commit) = try await step(envelope(message), prefetched: prefetched, store: NoReads())
                    .disposition,
                case .setFields(let fields, let removing, let replacing) = commit.writes.first?.operation,
                let task = commit.messages.first(where: { $0.topic.name.hasPrefix("service-executor:") })
            else { throw CancellationError() }
            var next = replacing ? [:] : stored.filter { !removing.contains($0.key) }
            next.merge(fields) { _, new in new }
            return (next, try codec.decode(ServiceExecutorEnvelope.self, from: task.payload).message.taskId)
        }
        func booked(_ taskId: String) throws -> WorkflowEngineMessage {
            .commandResult(
                CommandResult(
                    workflowName: "Trips", workflowId: "wf", methodId: "wf", commandId: taskId,
                    outcome: .completed(try codec.payload(BookingResult(provider: "p", reference: taskId)))))
        }
        // The instance starts (its replay dispatches the hotel booking), the hotel is booked (the flight next).
        let start = DispatchWorkflow(
            workflowName: "Trips", workflowId: "wf", methodName: "sequential", arguments: [try codec.payload("ada")],
            tags: [], clientWaiting: true)
        let (created, hotel) = try await apply(.dispatchWorkflow(start), to: [:], version: 0)
        let (waiting, flight) = try await apply(try booked(hotel), to: created, version: 1)
        // The flight's result arrives with the header only. The step's transition reads four parts at version 2
        // (the flight's command, the method, the properties, the hotel's command for the workflow task); then
        // something else writes the state, and the part the inline replay's result needs is read at version 3.
        let store = VersionBumpingStore(fields: waiting, version: 2, consistentReads: 4)
        let header = StateFields(version: 2, fields: ["h": waiting["h"]!], isComplete: false)
        let disposition = try await step(envelope(try booked(flight)), prefetched: header, store: store)
        guard case .retry = disposition.disposition else {
            Issue.record("expected a retry, got \(disposition.disposition) after reads \(store.reads)")
            return
        }
        #expect(store.reads.count == 5, "\(store.reads)")
        // With consistent reads, the same step completes the method.
        let steady = VersionBumpingStore(fields: waiting, version: 2, consistentReads: .max)
        guard
            case .ack(let completed) = try await step(envelope(try booked(flight)), prefetched: header, store: steady)
                .disposition
        else {
            Issue.record("expected an ack")
            return
        }
        #expect(completed.messages.contains { $0.topic.name.hasPrefix("client:") }, "the client gets the outcome")
    }

    @Test func theStepWritesTheChangedPartsWithTheVersion() async throws {
        let role = WorkflowStateEngineRole(workflowName: "Trips", emitterName: "engine", codec: codec)
        let key = Topics.workflowState("Trips", workflowId: "wf")
        let message = envelope(dispatchWorkflow())
        let received = ReceivedMessage(
            id: "1-0", topic: Topics.workflowEngine("Trips"), key: "wf", payload: try codec.encode(message),
            deliveryCount: 1, publishedAt: now)
        func step(stored: StateFields?) async throws -> BatchDisposition {
            let inputs = [RoleInput(message: received, value: try role.decode(received))]
            return try await RoleContext.withContext(
                store: NoReads(), prefetchedState: PrefetchedState(key: key, fields: stored), now: { now }
            ) { context in
                try await role.step(inputs, context: context)
            }
        }
        guard case .ack(let commit) = try await step(stored: nil).disposition else {
            Issue.record("expected an ack")
            return
        }
        #expect(commit.writes.count == 1 && commit.writes[0].expectedVersion == 0)
        #expect(commit.writes[0].key == key)
        #expect(commit.messages.map(\.topic.name) == ["workflow-executor:Trips"])
        guard case .setFields(let fields, let removing, let replacing) = commit.writes[0].operation else {
            Issue.record("expected fields")
            return
        }
        #expect(replacing && removing.isEmpty)
        #expect(Set(fields.keys) == ["h", "m:wf"], "the header and the method: nothing else exists yet")
        let stored = StateFields(version: 1, fields: fields, isComplete: true)
        #expect(try WorkflowState(stored: stored, codec: codec).workflowId == "wf")

        // The same message again, with the stored state: acknowledged with no effect.
        guard case .ack(let nothing) = try await step(stored: stored).disposition else {
            Issue.record("expected an ack")
            return
        }
        #expect(nothing.isEmpty)

        // A poison message, and one whose key is not its workflow id, do not decode (the runner dead-letters them).
        let garbage = ReceivedMessage(
            id: "2-0", topic: Topics.workflowEngine("Trips"), key: "wf", payload: Array("nope".utf8), deliveryCount: 1,
            publishedAt: now)
        #expect(throws: (any Error).self) { try role.decode(garbage) }
        let misrouted = ReceivedMessage(
            id: "3-0", topic: Topics.workflowEngine("Trips"), key: "other", payload: try codec.encode(message),
            deliveryCount: 1, publishedAt: now)
        #expect(throws: InfiniticError.self) { try role.decode(misrouted) }
    }

    @Test func aStateFromANewerSchemaIsRefused() throws {
        var header = WorkflowStateHeader(workflowName: "Trips", workflowId: "wf", tags: [], meta: [:], createdAt: now)
        header.schemaVersion = WorkflowStateHeader.currentSchemaVersion + 1
        let stored = StateFields(version: 3, fields: ["h": try codec.encode(header)], isComplete: true)
        #expect(throws: WorkflowUsageError.self) { try WorkflowState(stored: stored, codec: codec) }
    }

    /// JSON writes a set in its iteration order, which differs between equal sets: a state with several tags,
    /// written as the store keeps it and read back, has them all.
    @Test func aStateWithSeveralTagsReadsBackThroughJSON() throws {
        let tags: Set<String> = ["a", "b", "c", "d", "e"]
        let created = try #require(
            try engine.handle(envelope(dispatchWorkflow(tags: tags)), state: nil, now: now).state(after: nil))
        let writes = try created.writes(to: Topics.workflowState("Trips", workflowId: "wf"), now: now)
        guard writes.count == 1, case .setFields(let fields, _, _) = writes[0].operation else {
            Issue.record("one write setting the fields expected, got \(writes)")
            return
        }
        let read = try WorkflowState(stored: StateFields(version: 1, fields: fields, isComplete: true), codec: codec)
        #expect(read.header.tags == tags)
    }

    /// The header is held out of line and shared by copies (`CopyOnWriteBox`): changing it in one copy, by
    /// assignment or in place, leaves the others as they were.
    @Test func aCopiedStateKeepsItsHeaderWhenTheCopyChanges() throws {
        let original = try #require(
            try engine.handle(envelope(dispatchWorkflow(tags: ["a"])), state: nil, now: now).state(after: nil))
        var copy = original
        copy.header.tags.insert("b")
        copy.header.workflowTaskIndex += 5
        var replaced = original
        var header = replaced.header
        header.lastMessageId = "other"
        replaced.header = header
        #expect(original.header.tags == ["a"] && copy.header.tags == ["a", "b"])
        #expect(copy.header.workflowTaskIndex == original.header.workflowTaskIndex + 5)
        #expect(replaced.header.lastMessageId == "other" && original.header.lastMessageId != "other")
        #expect(replaced.header.tags == ["a"])
    }
}

/// A store a step must not read (everything it needs came with the batch).
/// Answers reads from `fields`: the first `consistentReads` at `version`, the next ones at `version + 1` (the
/// state was written meanwhile).
final class VersionBumpingStore: StateReading {
    let fields: [String: [UInt8]]
    let version: Int
    let consistentReads: Int
    private let asked = Mutex<[[String]]>([])

    init(fields: [String: [UInt8]], version: Int, consistentReads: Int) {
        self.fields = fields
        self.version = version
        self.consistentReads = consistentReads
    }

    var reads: [[String]] { asked.withLock { $0 } }

    func read(_ key: StateKey, fields wanted: [String]?) async throws -> StateFields? {
        let version = asked.withLock { asked in
            asked.append(wanted ?? ["*"])
            return asked.count <= consistentReads ? self.version : self.version + 1
        }
        let names = wanted ?? Array(fields.keys)
        return StateFields(
            version: version, fields: fields.filter { names.contains($0.key) }, isComplete: wanted == nil)
    }

    func members(of key: StateKey) async throws -> Set<String> { [] }
}

struct NoReads: StateReading {
    func read(_ key: StateKey, fields: [String]?) async throws -> StateFields? {
        Issue.record("unexpected read of \(key) \(fields ?? [])")
        return nil
    }

    func members(of key: StateKey) async throws -> Set<String> {
        Issue.record("unexpected read of \(key)")
        return []
    }
}
