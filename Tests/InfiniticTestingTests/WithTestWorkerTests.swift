import InfiniticTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct WithTestWorkerTests {
    @Test func aWorkflowOfTwoTasksRunsOnTheTestWorker() async throws {
        let result = try await withTestWorker(
            services: [
                ServiceDefinition(InventoryStub.self, implementation: Warehouse()),
                ServiceDefinition(ShippingStub.self, implementation: Carrier()),
            ],
            workflows: [WorkflowDefinition(OrderStub.self, implementation: OrderWorkflow.self)]
        ) { client in
            try await client.workflow(OrderStub.self).place("book")
        }
        #expect(result == "shipped reserved book")
    }

    @Test func theManualClockMovesAScheduledRetry() async throws {
        let clock = ManualTransportClock()
        let transport = InMemoryTransport(clock: clock)
        let payments = GlitchingPayments()
        let retryAfterAMinute = RetryPolicy(minimumSeconds: 60, randomFactor: 0, maximumRetries: 1)
        try await withTestWorker(
            services: [ServiceDefinition(PaymentsStub.self, implementation: payments, retryPolicy: retryAfterAMinute)],
            workflows: [WorkflowDefinition(CheckoutStub.self, implementation: CheckoutWorkflow.self)],
            transport: transport
        ) { client in
            let checkout = client.workflow(CheckoutStub.self)
            let handle = try await client.dispatch { try await checkout.pay(42) }
            let tasks = Topics.serviceExecutor(PaymentsStub.serviceName)
            try await waitUntil("the retry is scheduled") { transport.snapshot(of: tasks).scheduled == 1 }
            #expect(payments.attempts == 1)

            clock.advance(by: .seconds(59))
            try await Task.sleep(for: .milliseconds(200))
            #expect(payments.attempts == 1, "retried before its delay")

            clock.advance(by: .seconds(1))
            #expect(try await handle.result(timeout: .seconds(10)) == 42)
            #expect(payments.attempts == 2)
        }
    }
}
