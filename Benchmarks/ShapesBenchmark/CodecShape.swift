import BenchmarkSupport
import Foundation
import Infinitic

/// What a ten-step workflow's state engine step encodes and decodes (its header, its method record after ten
/// steps, a command entry, a message envelope), through `BinaryPayloadCodec` with its hand-written field writers and
/// readers (`BinaryWritable`, `BinaryReadable`) and through `Encodable` and `Decodable` alone, alternating in this
/// process: the ratios are the writers' and the readers' gains.
enum CodecShape {
    static func run(rounds: Int, quick: Bool) throws {
        let values = try sample()
        let fast = BinaryPayloadCodec()
        let reference = BinaryPayloadCodec(writesFields: false, readsFields: false)
        let repeats = quick ? 2_000 : 20_000
        let documents = try values.map { try $0.encode(fast) }
        let bytes = documents.reduce(0) { $0 + $1.count }
        print("\n## codec: \(values.count) values of a ten-step step (\(bytes) bytes), \(repeats) times per round")
        var ratios: [(write: Double, read: Double)] = []
        for round in 1...max(1, rounds) {
            let encoded = try time(repeats) { for value in values { _ = try value.encode(reference) } }
            let written = try time(repeats) { for value in values { _ = try value.encode(fast) } }
            let decoded = try time(repeats) {
                for (value, document) in zip(values, documents) { try value.decode(reference, document) }
            }
            let read = try time(repeats) {
                for (value, document) in zip(values, documents) { try value.decode(fast, document) }
            }
            ratios.append((encoded / written, decoded / read))
            let ns = { (seconds: Double) in Report.short(seconds * 1e9 / Double(repeats)) }
            print(
                "round \(round): encode \(ns(written)) ns with the field writers, \(ns(encoded)) ns through Encodable "
                    + "alone: ×\(Report.short(encoded / written)) faster; decode \(ns(read)) ns with the field "
                    + "readers, \(ns(decoded)) ns through Decodable alone: ×\(Report.short(decoded / read)) faster")
        }
        let median = { (values: [Double]) in Report.short(values.sorted()[values.count / 2]) }
        print(
            "median: encode ×\(median(ratios.map(\.write))) faster, decode ×\(median(ratios.map(\.read))) faster")
    }

    /// A value to encode, and to decode as its type.
    private struct Sample {
        let encode: (BinaryPayloadCodec) throws -> [UInt8]
        let decode: (BinaryPayloadCodec, [UInt8]) throws -> Void

        init<Value: Codable>(_ value: Value) {
            encode = { try $0.encode(value) }
            decode = { _ = try $0.decode(Value.self, from: $1) }
        }
    }

    /// Seconds taken by `body` run `repeats` times.
    private static func time(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        for _ in 0..<repeats { try body() }
        return seconds(ContinuousClock.now - start)
    }

    private static func sample() throws -> [Sample] {
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
        return [Sample(header), Sample(method), Sample(entry), Sample(envelope)]
    }
}
