import Foundation
import Testing

@testable import Infinitic

/// Sticky routing in the state engine: once a method outgrew its record, its next workflow task goes to the
/// executor that reported its replay parked, with only what changed, watched by one delayed message to the engine
/// itself; that watch, when the task is late, or the executor saying it missed, sends the task again whole to the
/// shared topic: the same task a state engine without sticky routing would have sent.
@Suite struct StickyRoutingEngineTests {
    let base = WorkflowStateEngineTests()
    let timeout = Duration.seconds(10)

    var routing: WorkflowStateEngine {
        var engine = base.engine
        engine.stickyTaskTimeout = timeout
        return engine
    }

    /// What a transition sends: workflow tasks to the shared topic, to executors' own topics, and watches the
    /// engine sends itself for later.
    struct Sent {
        var shared: [WorkflowTask] = []
        var sticky: [(task: WorkflowTask, executor: String)] = []
        var watches: [(message: WatchStickyTask, at: Date)] = []

        init(_ transition: WorkflowEngineTransition) {
            for output in transition.outputs {
                switch output {
                case .workflowExecutor(let envelope): shared.append(envelope.message)
                case .stickyWorkflowExecutor(let envelope, let executor): sticky.append((envelope.message, executor))
                case .delayedWorkflowEngine(let envelope, let at):
                    if case .watchStickyTask(let message) = envelope.message { watches.append((message, at)) }
                default: break
                }
            }
        }
    }

    /// The result of the running workflow task `step` of a sequential method: it created `c<step>` and waits on
    /// it, with its replay parked at executor `x` (knowing `bg`, created by the first task and never awaited).
    func stepCompleted(_ state: WorkflowState?, step: Int) throws -> WorkflowEngineEnvelope {
        let id = "c\(step)"
        var output = WorkflowTaskOutput(
            newCommands: [base.command(id, position: 2 * step, createdAt: step)],
            outcome: .waiting(WaitingStep(position: 2 * step + 1, step: .command(id))))
        if step == 1 { output.newCommands.insert(base.command("bg", position: 1), at: 0) }
        guard case .workflowTaskCompleted(var completed) = try base.taskCompleted(state, output) else {
            throw WorkflowUsageError("expected a workflow task result")
        }
        completed.parkedAt = ParkedAt(
            executor: "x", point: StickyPoint(taskIndex: step, position: 2 * step + 1, ongoingCommandIds: ["bg", id]))
        return base.envelope(.workflowTaskCompleted(completed))
    }

    /// Runs `steps` steps of the method on `engine`, at `now` plus a second per step: each step's result, then its
    /// command's result; returns the state and what each command result sent.
    func run(_ engine: WorkflowStateEngine, steps: Int) throws -> (WorkflowState?, [Sent]) {
        var state = try engine.handle(base.envelope(base.dispatchWorkflow()), state: nil, now: base.now)
            .state(after: nil)
        var sent: [Sent] = []
        for step in 1...steps {
            let now = at(step)
            state = try engine.handle(try stepCompleted(state, step: step), state: state, now: now).state(after: state)
            let transition = try engine.handle(base.envelope(try base.result("c\(step)")), state: state, now: now)
            sent.append(Sent(transition))
            state = transition.state(after: state)
        }
        return (state, sent)
    }

    /// The clock of step `step`.
    func at(_ step: Int) -> Date { base.now.addingTimeInterval(Double(step)) }

    func watch(_ sent: [Sent]) throws -> WatchStickyTask {
        try #require(sent.compactMap(\.watches.first).last?.message)
    }

    @Test func aLongMethodsTasksGoToTheExecutorKeepingItsReplayWithOnlyWhatChanged() throws {
        let (_, sent) = try run(routing, steps: 30)
        // Short, the method's tasks go whole to the shared topic; once sealed, to `x` with what changed.
        let firstSticky = try #require(sent.firstIndex { !$0.sticky.isEmpty })
        #expect(firstSticky > 10 && firstSticky < 25, "routed once the history outgrew the record (\(firstSticky))")
        for (index, step) in sent.enumerated() {
            if index < firstSticky {
                #expect(step.shared.count == 1 && step.sticky.isEmpty && step.watches.isEmpty)
                continue
            }
            #expect(step.shared.isEmpty && step.sticky.count == 1, "step \(index + 1)")
            guard let (task, executor) = step.sticky.first else { continue }
            #expect(executor == "x")
            #expect(task.historyFrom == index + 1 && task.taskIndex == index + 2)
            #expect(task.method.commands.map(\.id) == ["c\(index + 1)"], "only the command that ended")
            #expect(task.method.pastSteps.count == 1 && task.method.pastSteps.first?.resumption?.taskIndex == index + 2)
            // One watch for them all: sent with the first, due after `stickyTaskTimeout`.
            #expect(step.watches.count == (index == firstSticky ? 1 : 0), "step \(index + 1)")
            if let watch = step.watches.first { #expect(watch.at == at(index + 1).addingTimeInterval(10)) }
        }
        // Without sticky routing, the reports of parked replays change nothing.
        let (_, plain) = try run(base.engine, steps: 30)
        #expect(plain.allSatisfy { $0.shared.count == 1 && $0.sticky.isEmpty && $0.watches.isEmpty })
    }

    /// The redispatch sends the task whole, as an engine without sticky routing sent it: a result that arrived
    /// meanwhile is recorded, but the task sees that command as ongoing (`CommandRecord.status(asOf:)`).
    @Test func aRedispatchSendsTheSameTaskWholeToTheSharedTopic() throws {
        let steps = 25
        let (state, sent) = try run(routing, steps: steps)
        let sticky = try #require(sent.last?.sticky.first?.task)
        let (_, plainSent) = try run(base.engine, steps: steps)
        let plain = try #require(plainSent.last?.shared.first)

        // `bg` ends while the sticky task runs.
        var current = try base.apply([base.envelope(try base.result("bg"))], to: state).0
        for attempt in 0..<2 {
            let redispatch = RedispatchWorkflowTask(
                workflowName: "Trips", workflowId: "wf", methodId: "wf", executor: "x",
                workflowTaskId: sticky.workflowTaskId)
            let transition = try routing.handle(
                base.envelope(.redispatchWorkflowTask(redispatch)), state: current, now: base.now)
            let again = Sent(transition)
            current = transition.state(after: current)
            guard attempt == 0 else {
                #expect(again.shared.isEmpty && again.sticky.isEmpty, "the task was already sent whole")
                continue
            }
            let whole = try #require(again.shared.first)
            #expect(again.sticky.isEmpty && again.watches.isEmpty)
            #expect(whole.workflowTaskId == plain.workflowTaskId && whole.taskIndex == plain.taskIndex)
            #expect(whole.instant == plain.instant && whole.historyFrom == nil)
            #expect(whole.method.pastSteps == plain.method.pastSteps)
            let seen = whole.method.commands.map { ($0.id, $0.status(asOf: whole.taskIndex)) }
            let plainSeen = plain.method.commands.map { ($0.id, $0.status(asOf: plain.taskIndex)) }
            #expect(seen.map(\.0) == plainSeen.map(\.0) && seen.map(\.1) == plainSeen.map(\.1))
            #expect(whole.method.command("bg")?.status.isTerminated == true, "recorded, not yet seen")
        }

        // Its result is applied as any; the watch then finds no sticky task and ends.
        let completed = try stepCompleted(current, step: steps + 1)
        current = try base.apply([completed], to: current).0
        let late = try routing.handle(
            base.envelope(.watchStickyTask(try watch(sent))), state: current, now: at(steps + 20))
        #expect(Sent(late).shared.isEmpty && Sent(late).sticky.isEmpty && Sent(late).watches.isEmpty)
        #expect(late.state(after: current)?.header.stickyWatch == nil)
    }

    /// An executor that stops hands its parked replays over: the method's running task routed to it goes whole to
    /// the shared topic, and a method waiting with its replay parked there gets its next task on the shared topic.
    @Test func anExecutorHandingOverSendsTheMethodsTasksToTheOthers() throws {
        let steps = 25
        let (state, sent) = try run(routing, steps: steps)
        let sticky = try #require(sent.last?.sticky.first?.task)
        func handOver(_ executor: String) -> WorkflowEngineEnvelope {
            base.envelope(
                .redispatchWorkflowTask(
                    RedispatchWorkflowTask(
                        workflowName: "Trips", workflowId: "wf", methodId: "wf", executor: executor,
                        workflowTaskId: nil)))
        }
        // Another executor's hand-over changes nothing; that of the task's executor sends it whole.
        let other = try routing.handle(handOver("y"), state: state, now: at(steps))
        #expect(Sent(other).shared.isEmpty)
        let handed = try routing.handle(handOver("x"), state: state, now: at(steps))
        let whole = try #require(Sent(handed).shared.first)
        #expect(whole.workflowTaskId == sticky.workflowTaskId && whole.historyFrom == nil)

        // The task completes at `x` (which parked its replay before it stopped); the hand-over arrives while the
        // method waits: its next task goes to the shared topic.
        var current = handed.state(after: state)
        current = try base.apply([try stepCompleted(current, step: steps + 1)], to: current).0
        current = try routing.handle(handOver("x"), state: current, now: at(steps + 1)).state(after: current)
        let next = Sent(
            try routing.handle(base.envelope(try base.result("c\(steps + 1)")), state: current, now: at(steps + 1)))
        #expect(next.sticky.isEmpty && next.shared.first?.historyFrom == nil && next.shared.count == 1)
    }

    /// The watch sends the running sticky task whole once it is late; one sent later is watched again; a watch that
    /// is not the pending one is ignored.
    @Test func theWatchSendsALateTaskWholeAndWatchesALaterOne() throws {
        let steps = 25
        let (state, sent) = try run(routing, steps: steps)
        let first = try watch(sent)
        let sticky = try #require(sent.last?.sticky.first?.task)
        // The last task went at `at(steps)`; the watch, due 10 s after the first sticky one, comes before it is late.
        let early = try routing.handle(base.envelope(.watchStickyTask(first)), state: state, now: at(steps))
        let again = try #require(Sent(early).watches.first)
        #expect(Sent(early).shared.isEmpty && again.at == at(steps).addingTimeInterval(10))
        let watching = early.state(after: state)

        // A duplicate of the consumed watch changes nothing; the new one, when due, sends the task whole.
        let duplicate = try routing.handle(
            base.envelope(.watchStickyTask(first)), state: watching, now: at(steps + 10))
        #expect(Sent(duplicate).shared.isEmpty && Sent(duplicate).watches.isEmpty)
        let due = try routing.handle(
            base.envelope(.watchStickyTask(again.message)), state: watching, now: at(steps + 10))
        let whole = try #require(Sent(due).shared.first)
        #expect(whole.workflowTaskId == sticky.workflowTaskId && whole.historyFrom == nil)
        #expect(whole.method.commands.count == steps + 1 && Sent(due).watches.isEmpty)
        #expect(due.state(after: watching)?.runningWorkflowTask?.executor == nil)
    }
}
