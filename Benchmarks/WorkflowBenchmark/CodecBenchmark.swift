import Foundation
import Infinitic

/// The codec micro-benchmark: encodes and decodes, with each codec, what an engine step encodes and decodes
/// (a workflow state, the envelope of a workflow task's result, the envelope of a task's result).
enum CodecBenchmark {
    /// `--codec json|binary`: the codec of the end-to-end run (binary, the default codec, if not given).
    static func codec(named name: String?) -> (String, any PayloadCodec) {
        switch name ?? "binary" {
        case "json": return ("json", JSONPayloadCodec())
        case "binary": return ("binary", BinaryPayloadCodec())
        default:
            print("unknown codec \(name ?? ""): json or binary")
            exit(2)
        }
    }

    /// Prints encodes and decodes per second and sizes of each sample with each codec, and the time of what
    /// one engine step does: decode a task result and the state, encode the new state and a workflow task.
    static func run() throws {
        let codecs: [(String, any PayloadCodec)] = [("json", JSONPayloadCodec()), ("binary", BinaryPayloadCodec())]
        print("codec micro-benchmark (each value and the payloads in it encoded with the codec; median of 5 × 0.2 s):")
        print(
            "  " + "value".padding(toLength: 36, withPad: " ", startingAt: 0)
                + "codec   bytes    encodes/s    decodes/s  µs enc+dec")
        var results: [[Measurement]] = []
        for (_, codec) in codecs { results.append(try samples(codec).map { try $0.measure(codec) }) }
        for index in results[0].indices {
            for (codecIndex, (name, _)) in codecs.enumerated() {
                let result = results[codecIndex][index]
                let speedup =
                    codecIndex == 0 ? "" : String(format: "  (x%.1f)", results[0][index].both / result.both)
                print(
                    "  " + result.name.padding(toLength: 36, withPad: " ", startingAt: 0)
                        + name.padding(toLength: 6, withPad: " ", startingAt: 0)
                        + String(
                            format: "%6d %12.0f %12.0f %10.2f", result.bytes, 1e6 / result.encode, 1e6 / result.decode,
                            result.both) + speedup)
            }
        }
        // samples: 0 state, 1 task result, 2 workflow task done, 3 workflow task
        let step = results.map { $0[1].decode + $0[0].decode + $0[0].encode + $0[3].encode }
        print(
            String(
                format: "  one engine step (decode a task result and the state, encode the state and a workflow task): "
                    + "json %.1f µs, binary %.1f µs (x%.1f)", step[0], step[1], step[0] / step[1]))
    }

    /// Microseconds per encode and per decode of one value, and its size.
    struct Measurement {
        var name: String
        var bytes: Int
        var encode: Double
        var decode: Double
        var both: Double { encode + decode }
    }

    struct Sample {
        var name: String
        var measure: (any PayloadCodec) throws -> Measurement

        init<Value: Codable>(_ name: String, _ value: Value) {
            self.name = name
            measure = { codec in
                let bytes = try codec.encode(value)
                _ = try codec.decode(Value.self, from: bytes)
                let encodes = try CodecBenchmark.rate { _ = try codec.encode(value) }
                let decodes = try CodecBenchmark.rate { _ = try codec.decode(Value.self, from: bytes) }
                return Measurement(name: name, bytes: bytes.count, encode: 1e6 / encodes, decode: 1e6 / decodes)
            }
        }
    }

    /// Operations per second of `body` (median of 5 runs of about 0.2 s).
    static func rate(_ body: () throws -> Void) throws -> Double {
        var rates: [Double] = []
        for _ in 0..<5 {
            var count = 0
            let start = ContinuousClock.now
            var elapsed = Duration.zero
            repeat {
                for _ in 0..<50 { try body() }
                count += 50
                elapsed = start.duration(to: .now)
            } while elapsed < .milliseconds(200)
            let (seconds, attoseconds) = elapsed.components
            rates.append(Double(count) / (Double(seconds) + Double(attoseconds) / 1e18))
        }
        return rates.sorted()[2]
    }

    /// Values of a trip-booking saga in the middle of its run, arguments and results encoded with `argumentCodec`.
    static func samples(_ argumentCodec: any PayloadCodec) throws -> [Sample] {
        func payload<Value: Encodable>(_ value: Value) throws -> Payload { try argumentCodec.payload(value) }
        let now = Date(timeIntervalSince1970: 1_764_000_000.123)
        let workflowId = "4F1C2B9E-6A0D-4F7B-9C55-2E8D1A3B7C40"
        let request = ["guest": "Ada Lovelace", "hotel": "Grand Hotel", "nights": "3", "from": "2026-01-05"]
        func descriptor(_ service: String, _ method: String, _ arguments: [Payload]) -> CommandDescriptor {
            CommandDescriptor(kind: .task, targetName: service, methodName: method, arguments: arguments)
        }
        let hotel = descriptor("HotelBooking", "book", [try payload(request)])
        let flight = descriptor("FlightBooking", "book", [try payload(request)])
        let payment = descriptor("Payment", "charge", [try payload(1250), try payload("EUR")])
        let commands = [
            CommandRecord(
                id: "\(workflowId)-1", position: 1, descriptor: hotel,
                status: .completed(try payload(["provider": "hotel", "reference": "H-20260105-0042"])),
                createdAtTaskIndex: 1, resolvedAtTaskIndex: 2, resolutionSequence: 1),
            CommandRecord(
                id: "\(workflowId)-2", position: 2, descriptor: flight,
                status: .completed(try payload(["provider": "flight", "reference": "F-AF1234-0042"])),
                createdAtTaskIndex: 1, resolvedAtTaskIndex: 2, resolutionSequence: 2),
            CommandRecord(id: "\(workflowId)-3", position: 4, descriptor: payment, createdAtTaskIndex: 2),
        ]
        let history = MethodHistory(
            methodId: workflowId, methodName: "book", arguments: [try payload(request)],
            start: Resumption(taskIndex: 1, instant: now, properties: [:]),
            pastSteps: [
                PastStep(
                    position: 3, step: .all([.command(commands[0].id), .command(commands[1].id)]),
                    resumption: Resumption(
                        taskIndex: 2, instant: now.addingTimeInterval(0.2),
                        properties: ["status": try payload("booked")]))
            ],
            currentStep: WaitingStep(position: 4, step: .command(commands[2].id)), commands: commands)
        // The parts of the state a saga's engine step reads and writes: the header, the method, a command.
        var state = WorkflowStateHeader(
            workflowName: "BookTrip", workflowId: workflowId, tags: ["customer:42"], meta: ["origin": "web"],
            createdAt: now)
        state.lastMessageId = "\(workflowId)-wt-2-result"
        state.workflowTaskIndex = 2
        state.lastInstant = now.addingTimeInterval(0.2)
        var summary = MethodSummary(methodId: workflowId)
        summary.started = true
        summary.ongoingCommands = 1
        summary.step = StepTracker.make(.command(commands[2].id), generation: 2).0
        state.methods = [summary]
        state.resolutionCount = 2
        var method = MethodRecord(
            history: history, requester: .client(name: "client-7"), waitingClients: ["client-7"])
        method.commandIds = commands.map(\.id)
        let command = CommandEntry(methodId: workflowId, record: commands[2])

        func envelope(_ message: WorkflowEngineMessage) -> WorkflowEngineEnvelope {
            Envelope(
                messageId: "\(workflowId)-\(UUID().uuidString.prefix(8))", emitterName: "worker-1-executor",
                emittedAt: now, requester: nil, message: message)
        }
        let taskCompleted = envelope(
            .workflowTaskCompleted(
                WorkflowTaskCompleted(
                    workflowName: "BookTrip", workflowId: workflowId, workflowTaskId: "\(workflowId)-wt-2",
                    methodId: workflowId,
                    output: WorkflowTaskOutput(
                        newCommands: [commands[2]], passedSteps: history.pastSteps,
                        properties: ["status": try payload("booked")],
                        outcome: .waiting(WaitingStep(position: 4, step: .command(commands[2].id)))))))
        let taskResult = envelope(
            .commandResult(
                CommandResult(
                    workflowName: "BookTrip", workflowId: workflowId, methodId: workflowId,
                    commandId: commands[0].id,
                    outcome: .completed(try payload(["provider": "hotel", "reference": "H-20260105-0042"])))))
        let workflowTask = Envelope(
            messageId: "\(workflowId)-wt-2", emitterName: "worker-1-engine", emittedAt: now, requester: nil,
            message: WorkflowTask(
                workflowTaskId: "\(workflowId)-wt-2", workflowName: "BookTrip", workflowId: workflowId,
                tags: state.tags, meta: state.meta, taskIndex: 2, instant: now, method: history))
        return [
            Sample("state header (saga, 3 tasks)", state),
            Sample("state part: method record", method),
            Sample("state part: command", command),
            Sample("engine envelope: task result", taskResult),
            Sample("engine envelope: workflow task done", taskCompleted),
            Sample("executor envelope: workflow task", workflowTask),
        ]
    }
}
