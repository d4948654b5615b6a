import Foundation
import Infinitic
import Testing

/// Whole workflows driven through the state engine, the executors and the tag engines by `EngineLoop`.
@Suite struct EndToEndTests {
    @Test func sequentialTasks() async throws {
        let loop = EngineLoop()
        let id = try loop.startWorkflow(method: "sequential", arguments: loop.codec.arguments("ada"))
        try await loop.run()
        let result = try #require(try loop.result([BookingResult].self, workflowId: id))
        #expect(
            result == [
                BookingResult(provider: "hotel", reference: "H-ada-2"),
                BookingResult(provider: "flight", reference: "F-ada"),
            ])
        #expect(try loop.state(id) == nil, "the state is deleted once everything ended")
        #expect(loop.responses(for: id).count == 1)
    }

    @Test func parallelTasksWithAnd() async throws {
        let loop = EngineLoop()
        let id = try loop.startWorkflow(method: "parallelAnd", arguments: loop.codec.arguments("bob"))
        try await loop.run()
        let result = try #require(try loop.result([String].self, workflowId: id))
        #expect(
            result == ["H-bob-1", "F-bob", "H-bob-1", "H-bob-3"], "declaration order, whatever the completion order")
        #expect(try loop.state(id) == nil)
    }

    @Test func parallelTasksWithOr() async throws {
        let loop = EngineLoop()
        let id = try loop.startWorkflow(method: "parallelOr", arguments: loop.codec.arguments("cy"))
        try await loop.run()
        #expect(
            try loop.result(String.self, workflowId: id) == "H-cy-1", "the hotel task completes first in FIFO order")
        #expect(try loop.state(id) == nil, "the losing branch ended too, so the state is gone")
    }

    @Test func methodDispatchedOnTheSameInstanceSharesProperties() async throws {
        let loop = EngineLoop()
        let id = try loop.startWorkflow(method: "withNote", arguments: loop.codec.arguments("dee"))
        try await loop.run()
        let result = try #require(try loop.result([String].self, workflowId: id))
        #expect(result == ["start", "note of dee", "H-dee-1", "count 2"])
        #expect(try loop.state(id) == nil)
    }

    @Test func aSecondMethodFromAClientSeesTheProperties() async throws {
        let loop = EngineLoop()
        let id = try loop.startWorkflow(method: "withNote", arguments: loop.codec.arguments("eve"))
        let read = DispatchMethod(
            workflowName: "Trips", workflowId: id, methodName: "readNotes", methodId: "read-1", arguments: [],
            clientWaiting: true)
        try loop.sendAsClient(.dispatchMethod(read))
        try await loop.run()
        #expect(try loop.result([String].self, workflowId: id, methodId: "read-1") == ["start"])
        #expect(try loop.result([String].self, workflowId: id)?.first == "start")
        #expect(try loop.state(id) == nil)
    }

    @Test func inlineResultsAreRecorded() async throws {
        let loop = EngineLoop()
        let id = try loop.startWorkflow(method: "inlineValues", arguments: [])
        try await loop.run()
        let values = try #require(try loop.result([String].self, workflowId: id))
        #expect(values.count == 2 && values[0] != values[1])
        #expect(values.allSatisfy { UUID(uuidString: $0) != nil })
    }

    @Test func taskFailureCaughtByTheWorkflow() async throws {
        let loop = EngineLoop()
        let id = try loop.startWorkflow(method: "chargeCaught", arguments: loop.codec.arguments(900))
        try await loop.run()
        #expect(try loop.result(String.self, workflowId: id) == "declined 900: over limit (PaymentService.charge)")
        #expect(try loop.state(id) == nil)
    }

    @Test func taskFailureNotCaughtFailsTheMethodAndKeepsTheState() async throws {
        let loop = EngineLoop()
        let id = try loop.startWorkflow(
            method: "chargeUncaught", arguments: loop.codec.arguments(700), tags: ["customer:7"])
        try await loop.run()
        let responses = loop.responses(for: id)
        #expect(responses.count == 1)
        guard case .methodFailed(let error) = responses.first else {
            Issue.record("expected a failure, got \(responses)")
            return
        }
        #expect(error.workflowName == "Trips" && error.methodName == "chargeUncaught" && error.workflowId == id)
        guard case .taskFailed(let taskFailed) = error.cause else {
            Issue.record("expected a task failure as cause, got \(error.cause)")
            return
        }
        #expect(taskFailed.serviceName == "PaymentService" && taskFailed.methodName == "charge")
        #expect(taskFailed.lastFailure.error.shortTypeName == "PaymentDeclined")
        #expect(try taskFailed.lastFailure.error.decodeProperties(as: PaymentDeclined.self).amount == 700)
        #expect(taskFailed.lastFailure.secondsBeforeRetry == nil, "no retry unless configured")
        #expect(try loop.state(id) != nil, "a failed method keeps its state")
        #expect(loop.ids(Topics.workflowTagIds("Trips", tag: "customer:7")) == [id])
    }

    @Test func retriedTaskSucceedsAfterBackoff() async throws {
        let loop = EngineLoop()
        let start = loop.clock
        let id = try loop.startWorkflow(method: "flaky", arguments: [])
        try await loop.run()
        #expect(try loop.result(String.self, workflowId: id) == "flaky after 2 retries")
        #expect(loop.clock.timeIntervalSince(start) >= 3, "waited 1 s then 2 s before the retries")
        #expect(loop.clock.timeIntervalSince(start) < 4)
    }

    @Test func taskContextReachesTheService() async throws {
        let loop = EngineLoop()
        let id = try loop.startWorkflow(method: "probe", arguments: [])
        try await loop.run(steps: 4)  // dispatch, workflow task, its result, the tag add (the task is queued)
        #expect(loop.ids(Topics.serviceTagIds("Probe", tag: "probe-tag")).count == 1, "the task's tag is indexed")
        try await loop.run()
        #expect(
            try loop.result(String.self, workflowId: id)
                == "Probe describe Trips probe-tag trips retry 0/0 with workflow id")
        #expect(loop.ids(Topics.serviceTagIds("Probe", tag: "probe-tag")).isEmpty, "and removed once completed")
    }

    @Test func statusesAreThoseOfTheWorkflowTaskReplayingThem() async throws {
        let loop = EngineLoop()
        let id = try loop.startWorkflow(method: "statuses", arguments: loop.codec.arguments("fay"))
        try await loop.run()
        #expect(try loop.result([String].self, workflowId: id) == ["ongoing", "completed", "completed"])
    }

    @Test func aMethodThatReturnsEarlyKeepsTheStateUntilItsTasksEnd() async throws {
        let loop = EngineLoop()
        let id = try loop.startWorkflow(method: "fireAndForget", arguments: loop.codec.arguments("gus"))
        try await loop.run(steps: 3)  // dispatch, workflow task, its result
        #expect(try loop.result(String.self, workflowId: id) == nil, "the response is still queued")
        try await loop.run(steps: 1)
        #expect(try loop.state(id) != nil, "the hotel task is still running")
        try await loop.run()
        #expect(try loop.result(String.self, workflowId: id) == "dispatched")
        #expect(try loop.state(id) == nil, "deleted once the hotel task completed")
    }

    @Test func cancelEndsEveryMethodDeletesTheStateAndRemovesTags() async throws {
        let loop = EngineLoop()
        let id = try loop.startWorkflow(
            method: "sequential", arguments: loop.codec.arguments("hal"), tags: ["customer:9", "vip"])
        try await loop.run(steps: 4)  // dispatch (+ tag adds), workflow task
        #expect(loop.ids(Topics.workflowTagIds("Trips", tag: "vip")) == [id])
        try loop.sendAsClient(.cancelWorkflow(CancelWorkflow(workflowName: "Trips", workflowId: id)))
        try await loop.run()
        guard case .methodCanceled(let canceled) = loop.responses(for: id).first else {
            Issue.record("expected a cancellation, got \(loop.responses(for: id))")
            return
        }
        #expect(canceled.workflowId == id)
        #expect(loop.responses(for: id).count == 1, "late task results are ignored")
        #expect(try loop.state(id) == nil)
        #expect(loop.ids(Topics.workflowTagIds("Trips", tag: "vip")).isEmpty)
        #expect(loop.ids(Topics.workflowTagIds("Trips", tag: "customer:9")).isEmpty)
    }

    @Test func tagEngineListsCancelsAndDispatchesByTag() async throws {
        let loop = EngineLoop()
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
            let state = try #require(try loop.state(id))
            #expect(state.methods.count == 1, "the by-tag method ran on each instance, then left the state")
            #expect(state.currentProperties["notes"] != nil)
        }
        try loop.sendAsClient(.cancelByTag(WorkflowTagQuery(workflowName: "Trips", tag: "t")))
        try await loop.run()
        #expect(try loop.state(first) == nil && loop.state(second) == nil)
        #expect(loop.ids(Topics.workflowTagIds("Trips", tag: "t")).isEmpty)
    }

    @Test func aMethodCanRunOnAnotherInstanceById() async throws {
        let loop = EngineLoop()
        let target = try loop.startWorkflow(method: "chargeUncaught", arguments: loop.codec.arguments(1000))
        try await loop.run()  // fails, so its state stays
        let caller = try loop.startWorkflow(method: "noteOn", arguments: loop.codec.arguments(target))
        let lost = try loop.startWorkflow(method: "noteOn", arguments: loop.codec.arguments("no-such-id"))
        try await loop.run()
        #expect(try loop.result(String.self, workflowId: caller) == "1 notes")
        #expect(try loop.result(String.self, workflowId: lost) == "unknown no-such-id")
        #expect(try loop.state(caller) == nil && loop.state(lost) == nil)
    }

    @Test func waitingForAnUnknownWorkflowAnswersUnknown() async throws {
        let loop = EngineLoop()
        try loop.sendAsClient(.waitMethod(WaitMethod(workflowName: "Trips", workflowId: "nope", methodId: "nope")))
        try await loop.run()
        guard case .methodUnknown(let unknown) = loop.responses(for: "nope").first else {
            Issue.record("expected unknown, got \(loop.clientInbox)")
            return
        }
        #expect(unknown.workflowId == "nope")
    }

    /// Many workflows at once, messages delivered in random orders (keeping each producer's per-key order, as
    /// the transport does) and some delivered twice: every workflow completes once, with the right result, and
    /// leaves no state and no tag behind.
    @Test(arguments: 0..<12)
    func randomOrderAndDuplicatesStillGiveEveryResultOnce(seed: UInt64) async throws {
        try await runManyWorkflows(EngineLoop(shuffleSeed: seed, duplicateEvery: 3))
    }

    /// The same, with a state engine applying up to 8 waiting messages of an instance in one step, and reading
    /// only the header with them (the parts it needs next, on demand), as it does on large states.
    @Test(arguments: 20..<28)
    func batchedStepsOnPartlyReadStatesStillGiveEveryResultOnce(seed: UInt64) async throws {
        let loop = EngineLoop(shuffleSeed: seed, duplicateEvery: 5, engineBatch: 8, partialStateReads: true)
        try await runManyWorkflows(loop)
        #expect(loop.batchedEngineSteps > 0 && loop.partReads > 0)
    }

    /// The non-atomic path: an engine publishes its outputs but its state write is lost, and the input is
    /// processed again. Output ids derived from the input make the republished messages recognisable.
    @Test(arguments: 100..<106)
    func lostStateWritesAfterPublishingStillGiveEveryResultOnce(seed: UInt64) async throws {
        let loop = EngineLoop(shuffleSeed: seed, duplicateEvery: 7, loseStateWriteEvery: 5)
        try await runManyWorkflows(loop)
        #expect(loop.lostStateWrites > 0)
    }

    /// The same through the transports' settlement of what the roles decide: every 4th versioned commit meets a
    /// version conflict (the step runs again on a fresh read), every 7th state read fails (the state engine
    /// retries the batch a second later, its delivery count one higher, behind newer messages of its instance),
    /// and an undecodable message slips into every 6th state engine batch (dead-lettered alone, the batch's
    /// other messages applied).
    @Test(arguments: 40..<44)
    func conflictsRetriesAndPoisonStillGiveEveryResultOnce(seed: UInt64) async throws {
        let loop = EngineLoop(
            shuffleSeed: seed, duplicateEvery: 5, engineBatch: 4, partialStateReads: true, conflictEvery: 4,
            failReadEvery: 7, poisonEvery: 6)
        try await runManyWorkflows(loop)
        #expect(loop.versionConflicts > 0, "version conflicts happened")
        #expect(loop.retries > 0 && loop.store.failedReads > 0, "retries happened")
        #expect(!loop.poisonIds.isEmpty && Set(loop.deadLetters.map(\.messageId)) == loop.poisonIds)
        #expect(loop.deadLetters.count == loop.poisonIds.count, "only the poison was dead-lettered")
    }

    /// With state engines replaying inline, with room for 3 parked replays (sticky replay): workflow tasks resume
    /// parked replays with only what changed, replays are dropped and replayed from the start, and conflicts leave
    /// parked replays ahead of the stored state (then not resumed); in random orders, with duplicates, batches,
    /// partial and failing reads. (Not with lost writes: this loop redelivers a step whose write it lost after
    /// other messages of the instance, which the transports' key lock does not; an inline step then emits its
    /// outputs again under other ids.)
    @Test(arguments: 60..<68)
    func stickyReplaysUnderConflictsAndRetriesStillGiveEveryResultOnce(seed: UInt64) async throws {
        let resumed = TaskKinds()
        let batched = seed.isMultiple(of: 2)
        let loop = EngineLoop(
            shuffleSeed: seed, duplicateEvery: 5, engineBatch: batched ? 4 : 1, partialStateReads: batched,
            conflictEvery: batched ? 4 : 3, failReadEvery: batched ? 11 : nil, interceptors: [resumed],
            stickyReplays: 3)
        try await runManyWorkflows(loop, inline: true)
        #expect(loop.versionConflicts > 0)
        #expect(resumed.counts.partial > 0, "workflow tasks resumed parked replays")
    }

    /// Lost writes with batched steps, with and without inline replays: a step run again after its write was lost
    /// may batch other messages than the first time, and so give its workflow task another instant; its new
    /// commands keep their ids (they derive from the workflow task's index), so the tasks the first run sent are
    /// the same tasks, not duplicates under other ids.
    @Test(arguments: 80..<86)
    func lostWritesOfBatchedStepsStillGiveEveryResultOnce(seed: UInt64) async throws {
        let loop = EngineLoop(
            shuffleSeed: seed, duplicateEvery: 5, loseStateWriteEvery: 6, engineBatch: 4, partialStateReads: true)
        try await runManyWorkflows(loop)
        #expect(loop.lostStateWrites > 0 && loop.batchedEngineSteps > 0)
    }

    /// Runs many workflows of every kind at once; `inline`: the state engines replay their workflow tasks (no
    /// result can arrive while one runs).
    private func runManyWorkflows(_ loop: EngineLoop, inline: Bool = false) async throws {
        var expectations: [(String, @Sendable (EngineLoop, String) throws -> Bool)] = []
        for index in 0..<4 {
            let guest = "g\(index)"
            let sequential = try loop.startWorkflow(
                method: "sequential", arguments: loop.codec.arguments(guest), tags: ["batch"])
            expectations.append(
                (
                    sequential,
                    { loop, id in
                        try loop.result([BookingResult].self, workflowId: id)?.map(\.reference) == [
                            "H-\(guest)-2", "F-\(guest)",
                        ]
                    }
                ))
            let and = try loop.startWorkflow(method: "parallelAnd", arguments: loop.codec.arguments(guest))
            expectations.append(
                (
                    and,
                    { loop, id in
                        try loop.result([String].self, workflowId: id) == [
                            "H-\(guest)-1", "F-\(guest)", "H-\(guest)-1", "H-\(guest)-3",
                        ]
                    }
                ))
            let or = try loop.startWorkflow(method: "parallelOr", arguments: loop.codec.arguments(guest))
            expectations.append(
                (
                    or,
                    { loop, id in
                        try ["H-\(guest)-1", "F-\(guest)"].contains(loop.result(String.self, workflowId: id) ?? "")
                    }
                ))
            let note = try loop.startWorkflow(method: "withNote", arguments: loop.codec.arguments(guest))
            expectations.append(
                (
                    note,
                    { loop, id in
                        try loop.result([String].self, workflowId: id) == [
                            "start", "note of \(guest)", "H-\(guest)-1", "count 2",
                        ]
                    }
                ))
            let caught = try loop.startWorkflow(method: "chargeCaught", arguments: loop.codec.arguments(501))
            expectations.append(
                (
                    caught,
                    { loop, id in
                        try loop.result(String.self, workflowId: id)
                            == "declined 501: over limit (PaymentService.charge)"
                    }
                ))
            let flaky = try loop.startWorkflow(method: "flaky", arguments: [])
            expectations.append(
                (flaky, { loop, id in try loop.result(String.self, workflowId: id) == "flaky after 2 retries" }))
        }
        try await loop.run()
        for (id, check) in expectations {
            #expect(try check(loop, id), "workflow \(id): \(loop.responses(for: id))")
            #expect(loop.responses(for: id).count == 1, "exactly one response for \(id)")
            #expect(try loop.state(id) == nil)
        }
        #expect(loop.ids(Topics.workflowTagIds("Trips", tag: "batch")).isEmpty)
        if !inline { #expect(loop.resultsWhileWorkflowTaskRan > 0, "results arrived while workflow tasks ran") }
    }
}
