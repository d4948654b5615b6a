import BenchmarkSupport
import Foundation
import Infinitic

/// What a ten-step workflow's state engine step encodes (its header, its method record after ten steps, a command
/// entry, a message envelope), encoded by `BinaryPayloadCodec` with its hand-written field writers
/// (`BinaryWritable`) and through `Encodable` alone, alternating in this process: the ratio is the writers' gain.
enum CodecShape {
    static func run(rounds: Int, quick: Bool) throws {
        let values = try sample()
        let fast = BinaryPayloadCodec()
        let reference = BinaryPayloadCodec(writesFields: false)
        let repeats = quick ? 2_000 : 20_000
        var bytes = 0
        for value in values { bytes += try fast.encode(value).count }
        print("\n## codec: \(values.count) values of a ten-step step (\(bytes) bytes), \(repeats) times per round")
        var ratios: [Double] = []
        for round in 1...max(1, rounds) {
            let reference = try time(repeats) { for value in values { _ = try reference.encode(value) } }
            let written = try time(repeats) { for value in values { _ = try fast.encode(value) } }
            ratios.append(reference / written)
            print(
                "round \(round): \(Report.short(written * 1e9 / Double(repeats))) ns with the field writers, "
                    + "\(Report.short(reference * 1e9 / Double(repeats))) ns through Encodable alone: "
                    + "×\(Report.short(reference / written)) faster")
        }
        print("median: ×\(Report.short(ratios.sorted()[ratios.count / 2])) faster")
    }

    /// Seconds taken by `body` run `repeats` times.
    private static func time(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        for _ in 0..<repeats { try body() }
        return seconds(ContinuousClock.now - start)
    }

    private static func sample() throws -> [any Encodable & Sendable] {
        let codec = BinaryPayloadCodec()
        let instant = Date(timeIntervalSince1970: 1_900_000_000)
        let resumption = { (index: Int) in Resumption(taskIndex: index, instant: instant, properties: [:]) }
        let descriptor = CommandDescriptor(
            kind: .task, targetName: "Echo", methodName: "echo", arguments: [try codec.payload("step")])
        let records = try (1...10).map { index in
            CommandRecord(
                id: "workflow-id-0123456789:command-\(index)", position: index * 2, descriptor: descriptor,
                status: .completed(try codec.payload("step \(index)")), createdAtTaskIndex: index,
                resolvedAtTaskIndex: index + 1, resolutionSequence: index)
        }
        var history = MethodHistory(
            methodId: "workflow-id-0123456789", methodName: "run", arguments: [try codec.payload(10)],
            start: resumption(1))
        history.pastSteps = (1...10).map {
            PastStep(position: $0 * 2 + 1, step: .command(records[$0 - 1].id), resumption: resumption($0 + 1))
        }
        var method = MethodRecord(
            history: history, requester: .client(name: "client-0123"), waitingClients: ["client-0123"])
        method.commandIds = records.map(\.id)
        var header = WorkflowStateHeader(
            workflowName: "TenSteps", workflowId: "workflow-id-0123456789", tags: [], meta: [:], createdAt: instant)
        var summary = MethodSummary(methodId: history.methodId)
        summary.started = true
        summary.ongoingCommands = 1
        header.methods = [summary]
        header.workflowTaskIndex = 10
        header.lastMessageId = "message-id-0123456789"
        header.runningWorkflowTask = RunningWorkflowTask(id: "task-0123456789", methodId: history.methodId, index: 10)
        let entry = CommandEntry(methodId: history.methodId, record: records[9])
        let result = CommandResult(
            workflowName: "TenSteps", workflowId: history.methodId, methodId: history.methodId,
            commandId: records[9].id,
            outcome: records[9].status)
        let envelope = Envelope(
            messageId: "message-id-0123456789", emitterName: "shapes-worker", emittedAt: instant, requester: nil,
            message: WorkflowEngineMessage.commandResult(result))
        return [header, method, entry, envelope]
    }
}
