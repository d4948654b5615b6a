import Foundation
import Testing

@testable import Infinitic

/// What the state engine sends when the method's replay is parked where the workflow task resumes it (only what
/// changed, `WorkflowTask.historyFrom`), and how a long method's record stays small (sealed chunks) while full
/// workflow tasks still carry the whole history.
@Suite struct StickyHistoryEngineTests {
    let base = WorkflowStateEngineTests()
    var engine: WorkflowStateEngine { base.engine }

    /// `waitingOnC1` with two more commands dispatched by its first workflow task: `c0` (still running) and `c2`
    /// (which completes with `c1`).
    func waitingWithOthers() throws -> WorkflowState {
        let (created, _) = try base.apply([base.envelope(base.dispatchWorkflow())], to: nil)
        var output = base.waitingOn(["c1"], position: 4)
        output.newCommands += [base.command("c0", position: 1), base.command("c2", position: 2)]
        let (state, _) = try base.apply([base.envelope(try base.taskCompleted(created, output))], to: created)
        return try #require(state)
    }

    @Test func aParkedReplayAtTheCurrentStepGetsOnlyWhatChanged() throws {
        let waiting = try waitingWithOthers()
        let results = [base.envelope(try base.result("c2")), base.envelope(try base.result("c1"))]
        let point = StickyPoint(taskIndex: 1, position: 4, ongoingCommandIds: ["c0", "c1", "c2"])
        let transition = try engine.handle(results, state: waiting, now: base.now, sticky: { _ in point })
        let task = try #require(base.workflowTasks(transition).first)
        #expect(task.taskIndex == 2 && task.historyFrom == 1)
        #expect(task.method.commands.map(\.id).sorted() == ["c1", "c2"], "the ongoing c0 did not change")
        #expect(task.method.pastSteps.map(\.position) == [4] && task.method.pastSteps.first?.resumption?.taskIndex == 2)

        // The same step without a parked replay: the whole history.
        let full = try #require(base.workflowTasks(try engine.handle(results, state: waiting, now: base.now)).first)
        #expect(full.historyFrom == nil && full.method.commands.map(\.id).sorted() == ["c0", "c1", "c2"])
        #expect(full.method.pastSteps.map(\.position) == [4])
    }

    @Test func aParkedReplayElsewhereGetsTheWholeHistory() throws {
        let waiting = try waitingWithOthers()
        let results = [base.envelope(try base.result("c2")), base.envelope(try base.result("c1"))]
        for point in [
            StickyPoint(taskIndex: 1, position: 3, ongoingCommandIds: ["c1"]),  // another step
            StickyPoint(taskIndex: 0, position: 4, ongoingCommandIds: ["c1"]),  // parked by another workflow task
        ] {
            let transition = try engine.handle(results, state: waiting, now: base.now, sticky: { _ in point })
            let task = try #require(base.workflowTasks(transition).first)
            #expect(task.historyFrom == nil && task.method.commands.count == 3, "\(point)")
        }
    }

    /// A method of many steps: its record keeps the latest past steps and command ids, the rest go to sealed
    /// chunks written once; a full workflow task still carries them all, in order; the method's removal removes
    /// its chunks and commands.
    @Test func aLongMethodSealsItsOldestHistoryAndSendsItWhole() throws {
        var (state, _) = try base.apply([base.envelope(base.dispatchWorkflow())], to: nil)
        let steps = 50
        for step in 1...steps {
            let id = "c\(step)"
            let output = WorkflowTaskOutput(
                newCommands: [base.command(id, position: 2 * step - 1, createdAt: step)],
                outcome: .waiting(WaitingStep(position: 2 * step, step: .command(id))))
            (state, _) = try base.apply([base.envelope(try base.taskCompleted(state, output))], to: state)
            let transition = try engine.handle(base.envelope(try base.result(id)), state: state, now: base.now)
            let task = try #require(base.workflowTasks(transition).first)
            #expect(task.method.commands.map(\.id) == (1...step).map { "c\($0)" })
            #expect(task.method.pastSteps.map(\.position) == (1...step).map { 2 * $0 })
            state = transition.state(after: state)
        }
        let stored = try #require(state)
        let key = Topics.workflowState("Trips", workflowId: "wf")
        let fields = try #require(stored.writes(to: key, now: base.now).first).operation
        guard case .setFields(let set, _, _) = fields else {
            Issue.record("expected field writes, got \(fields)")
            return
        }
        let record = try #require(set["m:wf"])
        #expect(record.count < 3_000, "the record keeps only its tail: \(record.count) bytes")
        let chunks = set.keys.filter { $0.hasPrefix(StateField.chunkPrefix) }
        #expect(!chunks.isEmpty, "sealed chunks: \(set.keys.sorted())")
        #expect(stored.methods.first?.history.pastSteps.count == steps)

        // The method returns: it leaves the state with its chunks and commands.
        let returned = WorkflowTaskOutput(outcome: .returned(try base.codec.payload(1)))
        let end = try engine.handle(base.envelope(try base.taskCompleted(state, returned)), state: state, now: base.now)
        if case .updated = end.state { Issue.record("expected the state deleted, got \(end.state)") }
    }
}

/// A method waiting on a timer in a loop: the ids of its ended timers leave its record, so that the record a step
/// rewrites does not grow with the loop; the running timer is still completed by `completeTimers`.
@Suite struct TimerIdsInTheRecordTests {
    let base = WorkflowStateEngineTests()

    @Test func onlyRunningTimersStayListed() throws {
        var (state, _) = try base.apply([base.envelope(base.dispatchWorkflow())], to: nil)
        let timer = CommandDescriptor(kind: .timer, targetName: "timer", methodName: "sleep")
        let loops = 100
        for step in 1...loops {
            let id = "t\(step)"
            let output = WorkflowTaskOutput(
                newCommands: [
                    CommandRecord(id: id, position: 2 * step - 1, descriptor: timer, createdAtTaskIndex: step)
                ],
                outcome: .waiting(WaitingStep(position: 2 * step, step: .command(id))))
            (state, _) = try base.apply([base.envelope(try base.taskCompleted(state, output))], to: state)
            if step < loops { (state, _) = try base.apply([base.envelope(try base.result(id))], to: state) }
        }
        var stored = try #require(state)
        let listed = try #require(try stored.methodRecord("wf")?.timerIds)
        #expect(listed.count <= WorkflowStateMachine.timerIdsKept + 1 && listed.last == "t\(loops)", "\(listed)")

        let complete = WorkflowEngineMessage.completeTimers(
            CompleteTimers(workflowName: "Trips", workflowId: "wf", methodId: nil))
        let (_, transition) = try base.apply([base.envelope(complete)], to: state)
        let task = try #require(base.workflowTasks(transition).first, "the running timer completed")
        #expect(task.method.command("t\(loops)")?.status.isTerminated == true)
    }
}

/// The cache of parked replays keeps the most recently parked within its count and its command budget.
@Suite struct StickyReplaysCacheTests {
    /// Parks a method of the workflow `workflowId`: `sequential` waits on its first task (one command known),
    /// `parallelAnd` on several.
    func park(_ workflowId: String, method: String = "sequential", in cache: StickyReplays) async throws {
        var harness = ReplayHarness()
        harness.workflowId = workflowId
        harness.methodId = workflowId
        let output = await harness.replayParking(
            harness.history(method, try harness.codec.arguments("guest")), in: cache)
        guard case .waiting = output.outcome else {
            Issue.record("expected the method to wait, got \(output.outcome)")
            return
        }
    }

    @Test func theLeastRecentlyParkedGoBeyondTheCount() async throws {
        let cache = StickyReplays(capacity: 2)
        for id in ["a", "b", "c"] { try await park(id, in: cache) }
        #expect(cache.count == 2 && cache.commandCount == 2)
        #expect(cache.take(workflowId: "a", methodId: "a") == nil, "the oldest was dropped")
        #expect(cache.take(workflowId: "c", methodId: "c") != nil)
        #expect(cache.count == 1 && cache.commandCount == 1)
        cache.removeAll()
    }

    @Test func theLeastRecentlyParkedGoBeyondTheCommandBudget() async throws {
        let cache = StickyReplays(capacity: 100, commandBudget: 3)
        for id in ["a", "b", "c", "d"] { try await park(id, in: cache) }
        #expect(cache.commandCount <= 3 && cache.count <= 3)
        #expect(cache.take(workflowId: "a", methodId: "a") == nil, "the oldest was dropped")
        #expect(cache.take(workflowId: "d", methodId: "d") != nil)

        // A replay knowing more commands than the whole budget is not kept.
        let tiny = StickyReplays(capacity: 100, commandBudget: 1)
        try await park("e", in: tiny)
        #expect(tiny.count == 1 && tiny.commandCount == 1)
        try await park("f", method: "parallelAnd", in: tiny)
        #expect(tiny.take(workflowId: "f", methodId: "f") == nil && tiny.count == 1)
        cache.removeAll()
        tiny.removeAll()
    }
}

/// A workflow task with only what changed that reaches an executor without the method's parked replay fails (it
/// cannot be replayed from so little), saying to retry it.
@Suite struct PartialHistoryAtAnExecutorTests {
    @Test func itFailsTheWorkflowTask() async throws {
        let harness = ReplayHarness()
        var task = WorkflowTask(
            workflowTaskId: "task-2", workflowName: "Trips", workflowId: harness.workflowId, tags: [], meta: [:],
            taskIndex: 2, instant: harness.instant(2),
            method: harness.history("sequential", try harness.codec.arguments("guest")))
        task.historyFrom = 1
        let envelope = Envelope(
            messageId: "execute-2", emitterName: "engine", emittedAt: harness.instant(2), requester: nil, message: task)
        let executor = WorkflowExecutor(definitions: harness.workflows, emitterName: "executor")
        let outbound = await executor.execute(envelope, now: harness.instant(2))
        guard case .workflowEngine(let result)? = outbound.first,
            case .workflowTaskCompleted(let completed) = result.message,
            case .workflowTaskFailed(let failure) = completed.output.outcome
        else {
            Issue.record("expected a failed workflow task, got \(outbound)")
            return
        }
        #expect(failure.error.message.contains("retry the workflow task"), "\(failure.error.message)")
        #expect(outbound.count == 1, "nothing else is sent")
    }
}
