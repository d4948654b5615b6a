import Foundation
import Testing

@testable import Infinitic

/// A state engine keeps its instances' states decoded between their steps (`WorkflowStateCache`), and uses a kept
/// state only while the store holds what its step wrote.
@Suite struct WorkflowStateCacheTests {
    let codec = BinaryPayloadCodec()
    let now = Date(timeIntervalSince1970: 1_900_000_000)

    /// A stored state of instance `workflowId` (version 1) with the bytes of its header.
    func stored(_ workflowId: String, closed: Bool = false) throws -> (WorkflowState, [UInt8]) {
        var header = WorkflowStateHeader(
            workflowName: "Trips", workflowId: workflowId, tags: [], meta: [:], createdAt: now)
        header.closed = closed ? true : nil
        let state = WorkflowState(header: header, codec: codec).committed()
        return (state, try codec.encode(state.header))
    }

    @Test func aKeptStateIsTakenOnlyWhileTheStoreHoldsWhatItsStepWrote() throws {
        let cache = WorkflowStateCache(capacity: 10)
        let (state, header) = try stored("wf")
        #expect(state.version == 1)
        let same = StateFields(version: 1, fields: ["h": header], isComplete: false)
        cache.keep(state, header: header)
        #expect(cache.take("wf", matching: same)?.workflowId == "wf")
        #expect(cache.take("wf", matching: same) == nil, "taken: a failed step leaves nothing behind")

        let others: [StateFields?] = [
            StateFields(version: 2, fields: ["h": header], isComplete: false),
            StateFields(version: 1, fields: ["h": header + [0]], isComplete: false),
            StateFields(version: 1, fields: [:], isComplete: false),
            nil,
        ]
        for other in others {
            cache.keep(state, header: header)
            #expect(cache.take("wf", matching: other) == nil, "\(String(describing: other))")
            #expect(cache.count == 0, "an entry that does not match is dropped")
        }
    }

    /// The prefetch reads only the header of an own write while three steps in four find their state kept, and the
    /// whole small state while they do not (a miss then costs no read of its own).
    @Test func theOwnWriteHintFollowsWhetherKeptStatesAreFound() throws {
        let cache = WorkflowStateCache(capacity: 10)
        let (state, header) = try stored("wf")
        let same = StateFields(version: 1, fields: ["h": header], isComplete: false)
        #expect(!cache.ownWriteHint.isOn, "off until steps show the states kept are found")
        for _ in 0..<WorkflowStateCache.hintWindow {
            cache.keep(state, header: header)
            _ = cache.take("wf", matching: same)
            _ = cache.take("new", matching: nil)  // a new instance's step counts for nothing
        }
        #expect(cache.ownWriteHint.isOn)
        // Half the steps miss (their state was dropped, or written elsewhere): off.
        for index in 0..<WorkflowStateCache.hintWindow {
            if index.isMultiple(of: 2) { cache.keep(state, header: header) }
            _ = cache.take("wf", matching: same)
        }
        #expect(!cache.ownWriteHint.isOn)
        for index in 0..<WorkflowStateCache.hintWindow {
            if index % 8 != 0 { cache.keep(state, header: header) }
            _ = cache.take("wf", matching: same)
        }
        #expect(cache.ownWriteHint.isOn, "seven in eight found")
    }

    /// An instance running more methods at once than a kept state may hold is not kept (its steps decode what they
    /// read): the cache's memory stays bounded by its capacity times `partsHeld` parts.
    @Test func anInstanceWithMoreMethodsThanAKeptStateHoldsIsNotKept() throws {
        var header = WorkflowStateHeader(workflowName: "Trips", workflowId: "wf", tags: [], meta: [:], createdAt: now)
        let count = WorkflowStateCache.partsHeld + 1
        header.methods = (0..<count).map { MethodSummary(methodId: "m\($0)") }
        var state = WorkflowState(header: header, codec: codec)
        for index in 0..<count {
            state.setMethodRecord(
                MethodRecord(
                    history: MethodHistory(methodId: "m\(index)", methodName: "run", arguments: []), requester: nil))
        }
        let cache = WorkflowStateCache(capacity: 10)
        cache.keep(state.committed(), header: try codec.encode(state.header))
        #expect(cache.count == 0)
        try state.removeMethod(try #require(try state.methodRecord("m0")))
        cache.keep(state.committed(), header: try codec.encode(state.header))
        #expect(cache.count == 1, "one method fewer: kept")
    }

    @Test func aClosedInstanceIsNotKept() throws {
        let cache = WorkflowStateCache(capacity: 10)
        let (open, openHeader) = try stored("wf")
        cache.keep(open, header: openHeader)
        let (closed, closedHeader) = try stored("wf", closed: true)
        cache.keep(closed, header: closedHeader)
        #expect(cache.count == 0, "the instance's older entry goes too")
    }

    @Test func beyondItsCapacityTheLeastRecentlyKeptGo() throws {
        let cache = WorkflowStateCache(capacity: 10)
        var headers: [String: [UInt8]] = [:]
        for index in 0..<11 {
            let (state, header) = try stored("wf\(index)")
            headers[state.workflowId] = header
            cache.keep(state, header: header)
        }
        #expect(cache.count == 9, "down to nine tenths of the capacity")
        func kept(_ id: String) -> Bool {
            cache.take(id, matching: StateFields(version: 1, fields: ["h": headers[id]!], isComplete: false)) != nil
        }
        #expect(!kept("wf0") && !kept("wf1"), "the two oldest went")
        #expect(kept("wf2") && kept("wf10"))
    }

    /// A kept state holds its header, properties and method records; beyond `partsKept` parts, its commands are
    /// dropped and read again by the step that needs one (the parts it knew absent stay known absent).
    @Test func aKeptStateWithManyPartsKeepsItsMethodsAndReadsItsCommandsAgain() throws {
        var header = WorkflowStateHeader(workflowName: "Trips", workflowId: "wf", tags: [], meta: [:], createdAt: now)
        header.methods = [MethodSummary(methodId: "wf")]
        var state = WorkflowState(header: header, codec: codec)
        state.setMethodRecord(
            MethodRecord(history: MethodHistory(methodId: "wf", methodName: "run", arguments: []), requester: nil))
        let count = WorkflowStateCache.partsKept + 8
        for index in 0..<count {
            state.setCommand(
                CommandEntry(
                    methodId: "wf",
                    record: CommandRecord(id: "c\(index)", position: index, descriptor: .inline, createdAtTaskIndex: 1))
            )
        }
        let cache = WorkflowStateCache(capacity: 10)
        let stateHeader = try codec.encode(state.header)
        cache.keep(state.committed(), header: stateHeader)
        var kept = try #require(
            cache.take("wf", matching: StateFields(version: 1, fields: ["h": stateHeader], isComplete: false)))
        #expect(try kept.methodRecord("wf") != nil, "the method record stays")
        #expect(throws: StatePartsNeeded.self, "a command is read again") { try kept.command("c0") }
        #expect(try kept.properties().isEmpty, "known absent: not read")
        #expect(kept.unread([StateField.receives, StateField.endedMethods]).isEmpty)
        // A state with few parts is kept whole.
        var small = WorkflowState(header: header, codec: codec)
        small.setCommand(
            CommandEntry(
                methodId: "wf", record: CommandRecord(id: "c0", position: 0, descriptor: .inline, createdAtTaskIndex: 1)
            ))
        cache.keep(small.committed(), header: stateHeader)
        var whole = try #require(
            cache.take("wf", matching: StateFields(version: 1, fields: ["h": stateHeader], isComplete: false)))
        #expect(try whole.command("c0")?.record.id == "c0")
        #expect(try whole.command("c1") == nil, "a complete state knows what it does not hold")
    }
}

extension WorkflowStateCacheTests {
    /// A long-lived instance kept between steps removes a method and its command at each: what its state knows
    /// absent stays bounded (it grew with every removal, and the 10,000th method of an instance cost twice the 100th).
    @Test func aKeptStateDoesNotAccumulateWhatItRemoved() throws {
        var header = WorkflowStateHeader(workflowName: "Trips", workflowId: "wf", tags: [], meta: [:], createdAt: now)
        header.methods = [MethodSummary(methodId: "main")]
        var first = WorkflowState(header: header, codec: codec)
        first.setCommand(
            CommandEntry(
                methodId: "main",
                record: CommandRecord(id: "c", position: 0, descriptor: .inline, createdAtTaskIndex: 1)))
        var state = first.committed().trimmed(toParts: 0)
        #expect(state.knownAbsentCount > 0, "a trimmed state knows the parts it does not hold")
        for index in 0..<1_000 {
            let methodId = "m\(index)"
            state.header.methods.append(MethodSummary(methodId: methodId))
            var record = MethodRecord(
                history: MethodHistory(methodId: methodId, methodName: "step", arguments: []), requester: nil)
            record.commandIds = ["c\(index)"]
            state.setMethodRecord(record)
            state.setCommand(
                CommandEntry(
                    methodId: methodId,
                    record: CommandRecord(id: "c\(index)", position: 0, descriptor: .inline, createdAtTaskIndex: 1)))
            try state.removeMethod(record)
            state = state.committed().trimmed(toParts: WorkflowStateCache.partsKept)
        }
        #expect(state.knownAbsentCount <= WorkflowState.absentKept + 8, "\(state.knownAbsentCount)")
        #expect(state.version == 1_001)
    }
}

/// The engine's steps with a state cache: a step whose prefetch brings the header only starts from the kept state
/// when the store holds what the last step wrote, and decodes and reads what it needs otherwise: either way it
/// writes what a step without the cache writes.
@Suite struct WorkflowStateCacheStepTests {
    let codec = JSONPayloadCodec()
    let now = Date(timeIntervalSince1970: 1_900_000_000)
    let key = Topics.workflowState("Trips", workflowId: "wf")

    func role(cached: Bool) -> WorkflowStateEngineRole {
        var role = WorkflowStateEngineRole(workflowName: "Trips", emitterName: "engine", codec: codec)
        role.inline = WorkflowTaskRunner(definitions: [WorkflowFixtures.trips], emitterName: "executor", codec: codec)
        if cached { role.stateCache = WorkflowStateCache(capacity: 10) }
        return role
    }

    func envelope(_ message: WorkflowEngineMessage, id: String) -> WorkflowEngineEnvelope {
        Envelope(messageId: id, emitterName: "test", emittedAt: now, requester: .client(name: "c"), message: message)
    }

    func step(
        _ role: WorkflowStateEngineRole, _ message: WorkflowEngineEnvelope, prefetched: StateFields?,
        store: any StateReading
    ) async throws -> Commit {
        let received = ReceivedMessage(
            id: "1-0", topic: Topics.workflowEngine("Trips"), key: "wf", payload: try codec.encode(message),
            deliveryCount: 1, publishedAt: now)
        let inputs = [RoleInput(message: received, value: try role.decode(received))]
        let disposition = try await RoleContext.withContext(
            store: store, prefetchedState: PrefetchedState(key: key, fields: prefetched), now: { now }
        ) { context in
            try await role.step(inputs, context: context)
        }
        guard case .ack(let commit) = disposition.disposition else {
            throw WorkflowUsageError("expected an ack, got \(disposition.disposition)")
        }
        return commit
    }

    /// The fields stored after `commit` over `stored`.
    func applying(_ commit: Commit, to stored: [String: [UInt8]]) throws -> [String: [UInt8]] {
        guard case .setFields(let fields, let removing, let replacing) = commit.writes.first?.operation else {
            throw WorkflowUsageError("expected fields written")
        }
        var next = replacing ? [:] : stored.filter { !removing.contains($0.key) }
        next.merge(fields) { _, new in new }
        return next
    }

    func start(messageId: String) -> WorkflowEngineEnvelope {
        envelope(
            .dispatchWorkflow(
                DispatchWorkflow(
                    workflowName: "Trips", workflowId: "wf", methodName: "sequential",
                    arguments: [(try? codec.payload("ada"))!], tags: [], clientWaiting: true)), id: messageId)
    }

    func hotelBooked(_ commit: Commit) throws -> WorkflowEngineEnvelope {
        let task = try #require(commit.messages.first { $0.topic.name.hasPrefix("service-executor:") })
        let taskId = try codec.decode(ServiceExecutorEnvelope.self, from: task.payload).message.taskId
        return envelope(
            .commandResult(
                CommandResult(
                    workflowName: "Trips", workflowId: "wf", methodId: "wf", commandId: taskId,
                    outcome: .completed(try codec.payload(BookingResult(provider: "p", reference: taskId))))),
            id: "result")
    }

    @Test func aStepStartsFromTheKeptStateWhenTheStoreHoldsWhatTheLastStepWrote() async throws {
        let cached = role(cached: true)
        let started = try await step(cached, start(messageId: "start"), prefetched: nil, store: NoReads())
        let stored = try applying(started, to: [:])
        let header = StateFields(version: 1, fields: ["h": stored["h"]!], isComplete: false)
        let reads = VersionBumpingStore(fields: stored, version: 1, consistentReads: .max)
        let next = try await step(cached, try hotelBooked(started), prefetched: header, store: reads)
        #expect(reads.reads.isEmpty, "the kept state has every part the step needs: \(reads.reads)")

        // Without the cache, the same step reads the parts and writes the same.
        let plain = role(cached: false)
        let plainReads = VersionBumpingStore(fields: stored, version: 1, consistentReads: .max)
        let expected = try await step(plain, try hotelBooked(started), prefetched: header, store: plainReads)
        #expect(!plainReads.reads.isEmpty)
        #expect(next.writes == expected.writes)
        #expect(next.messages.map(\.payload) == expected.messages.map(\.payload))
    }

    @Test func aStepDoesNotUseAKeptStateTheStoreNoLongerHolds() async throws {
        let cached = role(cached: true)
        let started = try await step(cached, start(messageId: "start"), prefetched: nil, store: NoReads())
        // Another engine applied another start message: the store holds its write, at the same version.
        let other = try await step(role(cached: false), start(messageId: "other"), prefetched: nil, store: NoReads())
        let otherStored = try applying(other, to: [:])
        #expect(otherStored["h"] != (try applying(started, to: [:]))["h"])
        let header = StateFields(version: 1, fields: ["h": otherStored["h"]!], isComplete: false)
        let reads = VersionBumpingStore(fields: otherStored, version: 1, consistentReads: .max)
        let next = try await step(cached, try hotelBooked(other), prefetched: header, store: reads)
        #expect(!reads.reads.isEmpty, "the kept state is not the stored one: the step reads what it needs")
        let plainReads = VersionBumpingStore(fields: otherStored, version: 1, consistentReads: .max)
        let expected = try await step(
            role(cached: false), try hotelBooked(other), prefetched: header, store: plainReads)
        #expect(next.writes == expected.writes)
        #expect(next.messages.map(\.payload) == expected.messages.map(\.payload))
    }
}
