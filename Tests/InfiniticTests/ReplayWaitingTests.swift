import Foundation
import Infinitic
import Testing

/// Replays of the commands that wait: timers and receives are recorded at their positions, emit deterministic
/// messages, and are checked against history like tasks.
@Suite struct ReplayWaitingTests {
    var harness: ReplayHarness {
        var harness = ReplayHarness()
        harness.workflows = [RuntimeFixtures.waits]
        return harness
    }

    @Test func aTimerIsDueAtTheTaskInstantPlusItsDurationAndItsMessageIsDeterministic() async throws {
        let history = harness.history("nap", [try harness.codec.payload(1.5)])
        let (output, outbound) = await harness.replayAll(history, workflowName: "Waits")
        let timer = try #require(output.newCommands.first)
        #expect(timer.descriptor.kind == .timer && timer.position == 1)
        #expect(timer.descriptor.dueAt == harness.instant(1).addingTimeInterval(1.5))
        #expect(output.outcome == .waiting(WaitingStep(position: 2, step: .command(timer.id))))
        let scheduled = outbound.compactMap { message -> (String, Date)? in
            guard case .delayedWorkflowEngine(let envelope, let due) = message else { return nil }
            return (envelope.messageId, due)
        }
        #expect(scheduled.count == 1 && scheduled.first?.1 == harness.instant(1).addingTimeInterval(1.5))
        let (_, again) = await harness.replayAll(history, workflowName: "Waits")
        #expect(again.map(\.messageId) == outbound.map(\.messageId), "a replayed workflow task emits the same ids")
    }

    @Test func aTimerWhereHistoryHasATaskIsAChange() async throws {
        var history = harness.history("nap", [try harness.codec.payload(1.0)])
        history.commands = [harness.taskCommand("t1", position: 1, service: "Timing", method: "hold")]
        history.currentStep = WaitingStep(position: 2, step: .command("t1"))
        let output = await harness.replay(history, taskIndex: 2, workflowName: "Waits")
        let changed = try #require(try harness.changedError(output.outcome))
        #expect(changed.position == 1 && changed.recorded == "task Timing.hold" && changed.current == "timer")
    }

    @Test func eachAwaitOfAReceiveTakesTheNextSignalThenTheLastRepeats() async throws {
        let codec = harness.codec
        var history = harness.history("notesAfterGate", [try codec.payload("gate")])
        let receive = CommandDescriptor(kind: .receive, targetName: "notes", methodName: "")
        var limited = receive
        limited.limit = 2
        history.commands = [
            harness.taskCommand(
                "hold", position: 1, service: "Timing", method: "hold", arguments: [try codec.payload("gate")],
                status: .completed(try codec.payload("released")), createdAt: 1, resolvedAt: 2),
            CommandRecord(
                id: "r", position: 3, descriptor: limited, status: .completed(try codec.payload("a")),
                createdAtTaskIndex: 2, resolvedAtTaskIndex: 3, resolutionSequence: 2),
            CommandRecord(
                id: "r#2", position: 3, descriptor: receive, status: .completed(try codec.payload("b")),
                createdAtTaskIndex: 2, resolvedAtTaskIndex: 3, resolutionSequence: 3),
        ]
        let resumed = { (index: Int) in Resumption(taskIndex: index, instant: harness.instant(index), properties: [:]) }
        history.pastSteps = [
            PastStep(position: 2, step: .command("hold"), resumption: resumed(2)),
            PastStep(position: 4, step: .command("r"), resumption: resumed(3)),
        ]
        let output = await harness.replay(history, taskIndex: 3, workflowName: "Waits")
        #expect(try harness.decode([String].self, output.outcome) == ["a", "b", "b"])
        #expect(output.passedSteps.map(\.step) == [.command("r#2"), .command("r#2")])
    }

    @Test func aNewReceiveRecordsOneCommandPerSlotAtItsPosition() async throws {
        let codec = harness.codec
        var history = harness.history("notesAfterGate", [try codec.payload("gate")])
        history.commands = [
            harness.taskCommand(
                "hold", position: 1, service: "Timing", method: "hold", arguments: [try codec.payload("gate")],
                status: .completed(try codec.payload("released")), createdAt: 1, resolvedAt: 2)
        ]
        history.pastSteps = [
            PastStep(
                position: 2, step: .command("hold"),
                resumption: Resumption(taskIndex: 2, instant: harness.instant(2), properties: [:]))
        ]
        let output = await harness.replay(history, taskIndex: 2, workflowName: "Waits")
        #expect(output.newCommands.map(\.position) == [3, 3])
        #expect(output.newCommands.map(\.descriptor.limit) == [2, nil])
        let receiveId = try #require(output.newCommands.first?.id)
        #expect(output.newCommands.last?.id == "\(receiveId)#2")
        #expect(output.outcome == .waiting(WaitingStep(position: 4, step: .command(receiveId))))
    }
}
