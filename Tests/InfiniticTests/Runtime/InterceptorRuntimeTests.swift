import Foundation
import Infinitic
import TestSupport
import Testing

/// Interceptors of a client and a worker, and the headers they set, end to end on both transports.
@Suite(.timeLimit(.minutes(1))) struct InterceptorRuntimeTests {
    /// client -> workflow -> task, and back: the `trace-id` the client sets reaches the task's `TaskContext`, with
    /// the header and meta the workflow command adds, and comes back with the result.
    @Test(arguments: TransportKind.allCases) func aTraceIdTravelsToATaskAndBack(_ kind: TransportKind) async throws {
        let trace = TraceInterceptor()
        try await RuntimeSystem.run(kind, interceptors: [trace]) { system in
            let traced = system.client.workflow(TracedStub.self)
            let report = try await traced.run()
            let expected = ["trace-id": trace.traceId, "op": "dispatchWorkflow"]
            #expect(report.workflow == expected)
            #expect(report.task.headers == expected.merging(["hop": "task:seen"]) { _, new in new })
            #expect(report.task.meta == ["traced": "yes"])
            #expect(trace.records.results == [expected], "the result comes back with the headers")

            let relayed = try await traced.relay()
            #expect(relayed.workflow == expected.merging(["hop": "workflowMethod:run"]) { _, new in new })
            #expect(relayed.task.headers == expected.merging(["hop": "task:seen"]) { _, new in new })
            #expect(
                trace.records.operations == [
                    "dispatchWorkflow Traced.run", "awaitResult Traced", "dispatchWorkflow Traced.relay",
                    "awaitResult Traced",
                ])
        }
    }

    /// Every other client operation passes the client's interceptors, and its headers are published with it.
    @Test(arguments: TransportKind.allCases) func everyClientOperationPasses(_ kind: TransportKind) async throws {
        let trace = TraceInterceptor()
        try await RuntimeSystem.run(kind, interceptors: [trace]) { system in
            let (client, key, tag) = (system.client, RuntimeSystem.uniqueKey(), RuntimeSystem.uniqueKey("tag"))
            let holding = try await client.dispatch {
                try await client.workflow(TracedStub.self, tags: [tag]).hold(key)
            }
            try await eventually("the instance is tagged") {
                try await client.workflowIds(TracedStub.self, tag: tag) == [holding.id]
            }
            let byId = try await client.workflow(TracedStub.self, id: holding.id).run()
            #expect(byId.task.headers["op"] == "dispatchMethod" && byId.task.headers["trace-id"] == trace.traceId)
            try await client.dispatchByTag { try await client.workflow(TracedStub.self, tag: tag).run() }
            try await eventually("the method started by tag ran its task") {
                trace.records.tasks.filter { $0["op"] == "dispatchMethod" }.count == 2
            }
            try await client.cancel(TracedStub.self, tag: tag)
            await #expect(throws: WorkflowCanceledError.self) { try await holding.result() }
            let late = client.handle(TracedStub.self, id: holding.id, resultType: String.self)
            await #expect(throws: WorkflowUnknownError.self) { try await late.result() }
            try await client.cancel(TracedStub.self, id: holding.id)
            let operations = trace.records.operations
            for expected in [
                "dispatchWorkflow Traced.hold", "lookupIds workflow Traced \(tag)", "dispatchMethod Traced.run by id",
                "dispatchMethod Traced.run by tag \(tag)", "cancel Traced by tag \(tag)", "awaitResult Traced",
                "cancel Traced by id",
            ] {
                #expect(operations.contains(expected), "\(expected) passed the interceptor")
            }
            #expect(trace.records.tasks.allSatisfy { $0["trace-id"] == trace.traceId })
        }
    }

    /// A step counter sees the steps of every role group.
    @Test(arguments: TransportKind.allCases) func stepsAreCountedPerRoleGroup(_ kind: TransportKind) async throws {
        let steps = StepCounter()
        // Workflow tasks go through the executors (inline, the workflow executor would have nothing to read).
        try await RuntimeSystem.run(kind, interceptors: [steps], inlineWorkflowTasks: false) { system in
            let tag = RuntimeSystem.uniqueKey("tag")
            _ = try await system.client.workflow(TracedStub.self, tags: [tag]).run()
            try await eventually("every role group stepped") {
                let groups = steps.byGroup
                return [
                    "workflow-state-engine", "workflow-executor", "workflow-tag-engine", "service-executor",
                    "service-tag-engine",
                ].allSatisfy { (groups[$0]?.steps ?? 0) > 0 }
            }
            let groups = steps.byGroup
            #expect(groups["service-executor"]?.messages == 1, "one task ran")
            #expect((groups["workflow-executor"]?.messages ?? 0) >= 2, "a workflow task per step of the method")
        }
    }

    /// A worker running the state engine and the executor of a workflow replays its workflow tasks inline: the
    /// same replays (through the interceptors), no message through the executor's stream, and a state engine
    /// step less per workflow task.
    @Test(arguments: TransportKind.allCases) func inlineWorkflowTasksSkipTheExecutorsStream(
        _ kind: TransportKind
    ) async throws {
        var counts: [Bool: (steps: [String: StepCounter.Count], replays: Int, taskSawHeaders: Bool)] = [:]
        for inline in [false, true] {
            let steps = StepCounter()
            let tag = RuntimeSystem.uniqueKey("tag")
            let result = try await RuntimeSystem.run(kind, interceptors: [steps], inlineWorkflowTasks: inline) {
                system in
                let report = try await system.client.workflow(TracedStub.self, tags: [tag]).run()
                // The tag's removal, after the method's end, is the last step.
                try await eventually("the instance's tag is removed") {
                    try await system.client.workflowIds(TracedStub.self, tag: tag).isEmpty
                }
                return !report.task.headers.isEmpty
            }
            counts[inline] = (steps.byGroup, steps.replays, result)
        }
        let (split, inline) = (try #require(counts[false]), try #require(counts[true]))
        #expect(inline.taskSawHeaders == split.taskSawHeaders)
        #expect(inline.replays == split.replays && split.replays >= 2, "the same replays: \(split.replays)")
        #expect((split.steps["workflow-executor"]?.messages ?? 0) == split.replays)
        #expect(inline.steps["workflow-executor"] == nil, "nothing read from the executor's stream")
        let engineMessages = { (steps: [String: StepCounter.Count]) in steps["workflow-state-engine"]?.messages ?? 0 }
        #expect(engineMessages(inline.steps) == engineMessages(split.steps) - split.replays)
    }
}
