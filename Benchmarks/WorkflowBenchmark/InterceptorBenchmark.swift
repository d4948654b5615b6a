import Foundation
import Infinitic

/// The interceptor micro-benchmark: one step of a service executor (runs `Echo.echo`) and of a workflow executor
/// (replays `OneTask.run` and dispatches its task), decoded and outputs encoded, called as `Role.step` directly, as `RoleRunner`
/// calls it with the default empty chain (`Role.handle`), and through one and three interceptors that
/// only call `next`. The variants alternate within each round; the best round of each is printed (the least
/// disturbed by the rest of the machine).
enum InterceptorBenchmark {
    struct PassThrough: InfiniticInterceptor {}

    /// Executors read no state.
    struct NoState: StateReading {
        func read(_ key: StateKey, fields: [String]?) async throws -> StateFields? { nil }
        func members(of key: StateKey) async throws -> Set<String> { [] }
    }

    struct Variant: Sendable {
        var name: String
        var interceptors: Interceptors
        var direct = false
    }

    static let variants = [
        Variant(name: "step directly", interceptors: [], direct: true),
        Variant(name: "empty chain", interceptors: []),
        Variant(name: "1 pass-through", interceptors: [PassThrough()]),
        Variant(name: "3 pass-through", interceptors: [PassThrough(), PassThrough(), PassThrough()]),
    ]

    static func run(iterations: Int = 20_000, rounds: Int = 7) async throws {
        let codec = BinaryPayloadCodec()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        print("interceptor micro-benchmark (µs per step of one message, best of \(rounds) rounds of \(iterations)):")

        let service = ServiceExecutorRole(
            definition: ServiceDefinition(EchoStub.self, implementation: EchoService()), emitterName: "bench",
            codec: codec)
        let task = ServiceTask(
            taskId: "t-1", serviceName: "Echo", methodName: "echo", arguments: [try codec.payload(7)])
        let taskEnvelope = Envelope(
            messageId: "m-1", emitterName: "bench", emittedAt: now,
            requester: .workflow(name: "OneTask", id: "w-1", methodId: "w-1"), message: task)
        try await report(
            "service-executor step", role: service, input: taskEnvelope, codec: codec, now: now,
            iterations: iterations, rounds: rounds)

        let workflow = WorkflowExecutorRole(
            runner: WorkflowTaskRunner(
                definitions: [WorkflowDefinition(OneTaskStub.self) { OneTaskWorkflow(context: $0) }],
                emitterName: "bench", codec: codec, workflowTaskTimeout: nil))
        let method = MethodHistory(
            methodId: "w-1", methodName: "run", arguments: [try codec.payload(7)],
            start: Resumption(taskIndex: 1, instant: now, properties: [:]))
        let workflowTask = WorkflowTask(
            workflowTaskId: "wt-1", workflowName: "OneTask", workflowId: "w-1", tags: [], meta: [:], taskIndex: 1,
            instant: now, method: method)
        let workflowEnvelope = Envelope(
            messageId: "m-2", emitterName: "bench", emittedAt: now, requester: nil, message: workflowTask)
        try await report(
            "workflow-executor step", role: workflow, input: workflowEnvelope, codec: codec, now: now,
            iterations: iterations, rounds: rounds)
    }

    private static func report<R: Role>(
        _ name: String, role: R, input value: R.Input, codec: any PayloadCodec, now: Date, iterations: Int,
        rounds: Int
    ) async throws where R.Input: Encodable {
        let message = ReceivedMessage(
            id: "1-0", topic: role.topic, key: nil, payload: try codec.encode(value), deliveryCount: 1,
            publishedAt: now)
        let batch = MessageBatch([message])
        let times = try await RoleContext.withContext(store: NoState(), now: { now }, random: { 0.5 }) { context in
            var times = Array(repeating: [Double](), count: variants.count)
            for _ in 0..<rounds {
                for (index, variant) in variants.enumerated() {
                    var context = context
                    context.interceptors = variant.interceptors
                    let start = ContinuousClock.now
                    for _ in 0..<iterations {
                        if variant.direct {
                            let inputs = [RoleInput(message: message, value: try role.decode(message))]
                            _ = try await role.step(inputs, context: context)
                        } else {
                            _ = try await role.handle(batch, context: context)
                        }
                    }
                    let elapsed = start.duration(to: .now)
                    let (seconds, attoseconds) = elapsed.components
                    times[index].append((Double(seconds) + Double(attoseconds) / 1e18) * 1e6 / Double(iterations))
                }
            }
            return times.map { $0.min() ?? 0 }
        }
        let base = times[0]
        let cells = zip(variants, times).map { variant, time in
            String(format: "%@ %.2f (%+.1f%%)", variant.name, time, (time / base - 1) * 100)
        }
        print("  \(name): " + cells.joined(separator: ", "))
    }
}
