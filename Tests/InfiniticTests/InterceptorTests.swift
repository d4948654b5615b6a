import Foundation
import Infinitic
import Testing

/// Interceptors and headers through the engines, the executors and the replay, driven by `EngineLoop` and by
/// hand-built workflow tasks.
@Suite struct InterceptorTests {
    let probeLoop: @Sendable (Interceptors, CheckMode) -> EngineLoop = { interceptors, checkMode in
        EngineLoop(
            workflows: [TracedFixtures.traced, WorkflowFixtures.trips],
            services: Fixtures.services + [TracedFixtures.headerProbe], checkMode: checkMode,
            interceptors: interceptors)
    }

    @Test func headersOfTheStartReachTheTaskTwoHopsAwayAndComeBack() async throws {
        let trace = TraceInterceptor()
        let steps = StepCounter()
        let loop = probeLoop([trace, steps], .simple)
        let id = try loop.startWorkflow("Traced", method: "run", arguments: [], headers: ["trace-id": "t-1"])
        try await loop.run()
        let report = try #require(try loop.result(TraceReport.self, workflowId: id))
        #expect(report.workflow == ["trace-id": "t-1"], "the workflow code sees the headers of its start")
        #expect(report.task.headers == ["trace-id": "t-1", "hop": "task:seen"], "the command's header is added")
        #expect(report.task.meta == ["traced": "yes"], "the command's meta goes with the dispatched task")
        #expect(trace.records.tasks == [["trace-id": "t-1", "hop": "task:seen"]])
        let response = try #require(loop.clientInbox.first)
        #expect(response.headers == ["trace-id": "t-1"], "the outcome goes back with the method's headers")
        let counts = steps.byGroup
        for group in ["workflow-state-engine", "workflow-executor", "service-executor", "service-tag-engine"] {
            #expect((counts[group]?.steps ?? 0) > 0, "\(group) steps pass the interceptors")
        }
    }

    /// Headers an interceptor changes before a replay reach `WorkflowContext.headers` and the commands of that
    /// workflow task; headers it changes before a task runs reach `TaskContext.headers`.
    @Test func headersChangedByTheWorkerHooksReachTheCode() async throws {
        struct Stamping: InfiniticInterceptor {
            func replayWorkflowTask(
                _ input: ReplayWorkflowTaskInput, next: (ReplayWorkflowTaskInput) async -> WorkflowTaskOutput
            ) async -> WorkflowTaskOutput {
                var input = input
                input.headers["replayed-by"] = "stamping"
                return await next(input)
            }

            func executeTask(
                _ input: ExecuteTaskInput, next: (ExecuteTaskInput) async -> Result<Payload, any Error>
            ) async -> Result<Payload, any Error> {
                var input = input
                input.headers["run-by"] = "stamping"
                return await next(input)
            }
        }
        let loop = probeLoop([Stamping()], .simple)
        let id = try loop.startWorkflow("Traced", method: "run", arguments: [], headers: ["trace-id": "t-3"])
        try await loop.run()
        let report = try #require(try loop.result(TraceReport.self, workflowId: id))
        #expect(report.workflow == ["trace-id": "t-3", "replayed-by": "stamping"])
        #expect(report.task.headers == ["trace-id": "t-3", "replayed-by": "stamping", "run-by": "stamping"])
    }

    @Test func aMethodOfAnInstanceCarriesTheHeadersToItsOwnTasks() async throws {
        let loop = probeLoop([TraceInterceptor()], .simple)
        let id = try loop.startWorkflow("Traced", method: "relay", arguments: [], headers: ["trace-id": "t-2"])
        try await loop.run()
        let report = try #require(try loop.result(TraceReport.self, workflowId: id))
        #expect(report.workflow == ["trace-id": "t-2", "hop": "workflowMethod:run"])
        #expect(report.task.headers == ["trace-id": "t-2", "hop": "task:seen"])
    }

    @Test(arguments: [1, 2, 3] as [UInt64]) func headersSurviveRandomOrderAndDuplicates(seed: UInt64) async throws {
        let loop = EngineLoop(
            workflows: [TracedFixtures.traced], services: [TracedFixtures.headerProbe], shuffleSeed: seed,
            duplicateEvery: 3, engineBatch: 4, interceptors: [TraceInterceptor()])
        var ids: [String: String] = [:]
        for index in 0..<6 {
            let method = index.isMultiple(of: 2) ? "run" : "relay"
            ids["t-\(index)"] = try loop.startWorkflow(
                "Traced", method: method, arguments: [], headers: ["trace-id": "t-\(index)"])
        }
        try await loop.run()
        for (traceId, id) in ids {
            let report = try #require(try loop.result(TraceReport.self, workflowId: id))
            #expect(report.task.headers["trace-id"] == traceId && report.task.headers["hop"] == "task:seen")
            #expect(report.task.meta == ["traced": "yes"])
            #expect(loop.responses(for: id).count == 1)
        }
    }

    /// Meta set by an interceptor is not part of the recorded command: strict replays still match.
    @Test func interceptorsChangeNeitherTheRecordedCommandsNorTheDeterminismCheck() async throws {
        let trace = TraceInterceptor()
        let loop = probeLoop([trace], .strict)
        let id = try loop.startWorkflow(method: "sequential", arguments: loop.codec.arguments("ivy"))
        try await loop.run()
        #expect(try loop.result([BookingResult].self, workflowId: id)?.count == 2)
        let hotel = "HotelBooking.book"
        let flight = "FlightBooking.book"
        #expect(
            trace.records.commands == [
                .init(target: hotel, isReplaying: false),
                .init(target: hotel, isReplaying: true), .init(target: flight, isReplaying: false),
                .init(target: hotel, isReplaying: true), .init(target: flight, isReplaying: true),
            ], "every replay passes every command; only new ones are dispatched")
    }

    @Test func theStateEngineReceivesTheSameResultWithOrWithoutInterceptors() async throws {
        let harness = ReplayHarness()
        let history = harness.history("probe")
        let executor = WorkflowExecutor(
            definitions: harness.workflows, emitterName: "executor", codec: BinaryPayloadCodec())
        let task = WorkflowTask(
            workflowTaskId: "task-1", workflowName: "Trips", workflowId: harness.workflowId, tags: [], meta: [:],
            taskIndex: 1, instant: harness.instant(1), method: history)
        let envelope = Envelope(
            messageId: "execute-1", emitterName: "engine", emittedAt: harness.instant(1), requester: nil, message: task,
            headers: ["trace-id": "t-3"])
        let plain = try await executor.execute(envelope, now: harness.instant(1)).map {
            try $0.outgoingMessage(codec: executor.codec)
        }
        let passThrough = try await executor.execute(envelope, now: harness.instant(1), interceptors: [StepCounter()])
            .map { try $0.outgoingMessage(codec: executor.codec) }
        #expect(plain == passThrough, "an interceptor that changes nothing changes no byte")
        let traced = await executor.execute(envelope, now: harness.instant(1), interceptors: [TraceInterceptor()])
        #expect(try traced[0].outgoingMessage(codec: executor.codec) == plain[0], "the result is the same")
        let dispatched = traced.compactMap { outbound -> ServiceExecutorEnvelope? in
            guard case .serviceExecutor(let envelope, _) = outbound else { return nil }
            return envelope
        }
        #expect(dispatched.map(\.headers) == [["trace-id": "t-3", "hop": "task:describe"]])
        #expect(dispatched.map(\.message.meta) == [["origin": "trips", "traced": "yes"]])
        let tagged = traced.compactMap { outbound -> [String: String]? in
            guard case .serviceTag(let envelope) = outbound else { return nil }
            return envelope.headers
        }
        #expect(tagged == [["trace-id": "t-3", "hop": "task:describe"]], "the task's tag goes with its headers")
    }
}
