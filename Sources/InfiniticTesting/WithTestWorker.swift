import Logging

/// Runs `body` with a client while a worker runs every role of `services` and `workflows`, both on
/// `transport` (a fresh `InMemoryTransport` by default; give one on a `ManualTransportClock` to move time
/// yourself), then stops both: no redis-server involved.
///
/// ```swift
/// @Test func tripIsBooked() async throws {
///     try await withTestWorker(
///         services: [ServiceDefinition(HotelServiceStub.self, implementation: FakeHotels())],
///         workflows: [WorkflowDefinition(BookTripStub.self, implementation: BookTripWorkflow.self)]
///     ) { client in
///         let result = try await client.workflow(BookTripStub.self).run(trip)
///         #expect(result.outcome == .booked)
///     }
/// }
/// ```
///
/// A synchronous call waits at most `callTimeout`. If the worker fails, its error is thrown (rather than the
/// body's, which then usually is a timeout).
public func withTestWorker<Value>(
    services: [ServiceDefinition] = [], workflows: [WorkflowDefinition] = [],
    transport: InMemoryTransport = InMemoryTransport(logger: .disabled("infinitic.test")),
    checkMode: CheckMode = .simple, callTimeout: Duration? = .seconds(30),
    codec: any PayloadCodec = BinaryPayloadCodec(), logger: Logger = .disabled("infinitic.test"),
    _ body: (InfiniticClient) async throws -> Value
) async throws -> Value {
    let worker = try InfiniticWorker(
        configuration: WorkerConfiguration(
            transport: .inMemory(transport), name: "test-worker", services: services, workflows: workflows,
            checkMode: checkMode, codec: codec),
        logger: logger)
    return try await withThrowingTaskGroup(of: Void.self, returning: Value.self) { group in
        group.addTask { try await worker.run() }
        let outcome: Result<Value, any Error>
        do {
            outcome = .success(
                try await withInfiniticClient(
                    transport: transport, callTimeout: callTimeout, codec: codec, logger: logger, body))
        } catch {
            outcome = .failure(error)
        }
        group.cancelAll()
        do {
            try await group.waitForAll()
        } catch is CancellationError {
        }
        return try outcome.get()
    }
}
