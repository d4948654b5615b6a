import Foundation
import Infinitic
import InfiniticTracing
import TestSupport
import Testing
import Tracing

/// `TracingInterceptor` on a client and a worker: one trace per workflow, whose spans link up from each task to
/// the client's dispatch, through the envelope headers, on every transport.
@Suite(.timeLimit(.minutes(1))) struct TracingRuntimeTests {
    typealias Recorded = RecordingTracer.Recorded

    /// A workflow of two tasks in sequence: every span is in the trace of the client's dispatch, and each task's
    /// span chains up to it through its executor step, the workflow task that dispatched it and that workflow
    /// task's step: a workflow executor step, or with inline workflow tasks the state engine step that replayed
    /// it.
    @Test(arguments: TransportKind.allCases, [false, true]) func aWorkflowIsOneTrace(
        _ kind: TransportKind, inline: Bool
    ) async throws {
        let tracer = RecordingTracer()
        try await RuntimeSystem.run(
            kind, interceptors: [TracingInterceptor(tracer: tracer)], inlineWorkflowTasks: inline
        ) { system in
            let handle = try await system.client.dispatch {
                try await system.client.workflow(TripsStub.self).sequential("ada")
            }
            let results = try await handle.result()
            #expect(results.count == 2)
            // The last engine step ends after its commit reached the client: wait for every span to end.
            try await eventually("every span's parent is recorded") {
                let spans = tracer.spans
                let ids = Set(spans.map(\.spanId))
                return spans.filter { $0.name.hasPrefix("task ") }.count == 2
                    && spans.contains { $0.name == "await Trips" }
                    && spans.allSatisfy { $0.parentId.map(ids.contains) ?? true }
            }
            let spans = tracer.spans
            let byId = Dictionary(spans.map { ($0.spanId, $0) }) { first, _ in first }
            func parent(_ span: Recorded) throws -> Recorded { try #require(span.parentId.flatMap { byId[$0] }) }

            let dispatch = try #require(spans.first { $0.name == "dispatch Trips.sequential" })
            #expect(dispatch.parentId == nil && dispatch.kind == .producer)
            #expect(dispatch.attributes[TracingAttributes.workflowId] == handle.id)
            #expect(spans.allSatisfy { $0.traceId == dispatch.traceId }, "one trace: \(spans)")
            #expect(spans.filter { $0.parentId == nil }.count == 1, "the dispatch is the only root: \(spans)")

            let wait = try #require(spans.first { $0.name == "await Trips" })
            #expect(wait.parentId == dispatch.spanId && wait.kind == .client)

            let tasks = spans.filter { $0.name.hasPrefix("task ") }
            #expect(Set(tasks.map(\.name)) == ["task HotelBooking.book", "task FlightBooking.book"])
            for task in tasks {
                #expect(task.attributes[TracingAttributes.taskRetryIndex] == "0")
                #expect(task.attributes[TracingAttributes.taskMethod] == "book")
                #expect(task.attributes[TracingAttributes.taskId]?.isEmpty == false)
                let executorStep = try parent(task)
                #expect(executorStep.name.hasPrefix("service-executor "), "\(executorStep)")
                #expect(executorStep.kind == .consumer)
                #expect(executorStep.attributes[TracingAttributes.role] == "service-executor")
                #expect(executorStep.attributes[TracingAttributes.batchSize] == "1")
                #expect(executorStep.attributes[TracingAttributes.outcome] == "ack")
                let workflowTask = try parent(executorStep)
                #expect(workflowTask.name == "workflow task Trips.sequential")
                #expect(workflowTask.attributes[TracingAttributes.workflowId] == handle.id)
                let workflowStep = try parent(workflowTask)
                if inline {
                    // Replayed in the state engine step of the message that triggered it, under the context that
                    // message carried: the client's dispatch for the first task, the step of the first task's
                    // result for the second.
                    #expect(
                        workflowStep.spanId == dispatch.spanId || workflowStep.name == "workflow-state-engine Trips",
                        "\(workflowStep)")
                } else {
                    #expect(workflowStep.name == "workflow-executor Trips")
                    #expect(workflowStep.attributes[TracingAttributes.topic]?.contains("Trips") == true)
                    #expect(try parent(workflowStep).spanId == dispatch.spanId)
                }
            }
            #expect(Set(tasks.map(\.parentId)).count == 2, "each task has its own executor step")

            let engineSteps = spans.filter { $0.name == "workflow-state-engine Trips" }
            // Inline, the steps of the dispatch and of the two task results replay the workflow tasks too.
            #expect(
                engineSteps.count >= (inline ? 3 : 4),
                "dispatch, two task results (and the workflow tasks' results): \(engineSteps)")
            #expect(spans.contains { $0.name == "workflow-executor Trips" } == !inline)
            #expect(engineSteps.allSatisfy { $0.attributes[TracingAttributes.key] == handle.id })
            #expect(engineSteps.contains { $0.parentId == dispatch.spanId })
        }
    }

    /// The context reaches the code: a task sees the context of its own span in `TaskContext.headers`, the
    /// workflow code that of its workflow task's span (the one after the task, where `run` returns its report).
    @Test(arguments: TransportKind.allCases) func theCodeSeesTheContextOfItsSpan(_ kind: TransportKind) async throws {
        let tracer = RecordingTracer()
        try await RuntimeSystem.run(kind, interceptors: [TracingInterceptor(tracer: tracer)]) { system in
            let report = try await system.client.workflow(TracedStub.self).run()
            try await eventually("the task's span ended") { tracer.spans.contains { $0.name.hasPrefix("task ") } }
            let spans = tracer.spans
            let task = try #require(spans.first { $0.name == "task HeaderProbe.seen" })
            #expect(report.task.headers[RecordingTracer.header] == "00-\(task.traceId)-\(task.spanId)-01")
            let seen = try #require(report.workflow[RecordingTracer.header]?.split(separator: "-").map(String.init))
            #expect(seen.count == 4 && seen[1] == task.traceId)
            let workflowTask = try #require(spans.first { $0.spanId == seen[2] })
            #expect(workflowTask.name == "workflow task Traced.run")
            let dispatching = spans.first { $0.spanId == task.parentId.flatMap(parentOf(spans)) }
            #expect(dispatching?.name == "workflow task Traced.run", "the task's step is a child of a replay")
            #expect(dispatching?.spanId != workflowTask.spanId, "the report is made by the next workflow task")
        }
    }

    /// Without the interceptor nothing is traced nor carried: same results, no headers.
    @Test(arguments: TransportKind.allCases) func withoutTheInterceptorNothingChanges(
        _ kind: TransportKind
    ) async throws {
        let traced = try await RuntimeSystem.run(kind, interceptors: [TracingInterceptor(tracer: NoOpTracer())]) {
            system in
            try await system.client.workflow(TripsStub.self).sequential("ada")
        }
        try await RuntimeSystem.run(kind) { system in
            #expect(try await system.client.workflow(TripsStub.self).sequential("ada") == traced)
            let report = try await system.client.workflow(TracedStub.self).run()
            #expect(report.workflow.isEmpty && report.task.headers.isEmpty)
        }
    }

    /// The parent of a span id, among `spans`.
    private func parentOf(_ spans: [Recorded]) -> (String) -> String? {
        { id in spans.first { $0.spanId == id }?.parentId }
    }
}
