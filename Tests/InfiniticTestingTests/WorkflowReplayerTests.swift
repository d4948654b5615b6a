import Foundation
import InfiniticTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct WorkflowReplayerTests {
    /// The history of an order waiting on its shipment: the worker runs no Shipping executor.
    static func recordWaitingOrder() async throws -> WorkflowHistory {
        let transport = InMemoryTransport()
        return try await withTestWorker(
            services: [ServiceDefinition(InventoryStub.self, implementation: Warehouse())],
            workflows: [WorkflowDefinition(OrderStub.self, implementation: OrderWorkflow.self)],
            transport: transport
        ) { client in
            let order = client.workflow(OrderStub.self)
            let handle = try await client.dispatch { try await order.place("book") }
            var history: WorkflowHistory?
            try await waitUntil("the order waits for its shipment") {
                history = try? await WorkflowHistory.read(
                    workflowName: OrderStub.workflowName, workflowId: handle.id, from: transport)
                let method = history?.tasks.first?.method
                return method?.commands.count == 2 && method?.currentStep != nil
            }
            return try #require(history)
        }
    }

    static func replayer(_ implementation: OrderStub.ImplementationType) -> WorkflowReplayer {
        WorkflowReplayer(WorkflowDefinition(OrderStub.self, implementation: implementation))
    }

    @Test func theRecordedHistoryReplaysWithTheSameCode() async throws {
        let history = try await Self.recordWaitingOrder()
        #expect(history.tasks.count == 1)
        let output = try await Self.replayer(OrderWorkflow.self).replay(try #require(history.tasks.first))
        #expect(output.newCommands.isEmpty)
        guard case .waiting(let step) = output.outcome else {
            Issue.record("the replay should wait for the shipment, not \(output.outcome)")
            return
        }
        #expect(step == history.tasks.first?.method.currentStep)

        // The same history, kept as a JSON file.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("order-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try history.write(to: file)
        try await Self.replayer(OrderWorkflow.self).replay(try WorkflowHistory(contentsOf: file))
    }

    @Test func aHistoryRecordsItsVersionAndReplaysOnlyWithThatVersion() async throws {
        let history = try await Self.recordWaitingOrder()
        let task = try #require(history.tasks.first)
        #expect(task.workflowVersion == 0, "the worker registered version 0")
        let other = WorkflowReplayer(WorkflowDefinition(OrderStub.self, version: 1, implementation: OrderWorkflow.self))
        let error = try await #require(throws: InfiniticError.self) { try await other.replay(task) }
        #expect(error.message.contains("version 0 replayed with version 1"))
        var relabeled = task
        relabeled.workflowVersion = 1
        try await other.replay(relabeled)
    }

    @Test func changedCodeIsReportedWithBothCommands() async throws {
        let history = try await Self.recordWaitingOrder()
        let changed = try await #require(throws: WorkflowChangedError.self) {
            try await Self.replayer(ExpressOrderWorkflow.self).replay(history)
        }
        #expect(changed.recorded == "task Shipping.ship")
        #expect(changed.current == "task Shipping.express")
        #expect(changed.position == 3)
        #expect("\(changed)".contains("task Shipping.ship") && "\(changed)".contains("task Shipping.express"))
    }

    @Test func changedCodeWhereTheHistoryWaitsIsReported() async throws {
        let history = try await Self.recordWaitingOrder()
        let waiting = try #require(history.tasks.first?.method.currentStep)
        let changed = try await #require(throws: WorkflowChangedError.self) {
            try await Self.replayer(DoubleShippingOrderWorkflow.self).replay(history)
        }
        #expect(changed.position == waiting.position)
        #expect(changed.recorded == waiting.step.description)
        #expect(changed.current == "task Shipping.express")
    }
}
