import Foundation
import InfiniticRedis
import InfiniticTesting
import TestSupport
import Testing
import TripBooking

/// A saga's history read out of Redis replays with the example's code (what a user runs before deploying a
/// change): the worker runs no payment executor, so the trip waits for its payment.
@Suite(.timeLimit(.minutes(1))) struct TripBookingHistoryTests {
    @Test func aHistoryReadFromRedisReplays() async throws {
        let transport = try await TestRedis.transport()
        defer { transport.close() }
        let services = TripBookingApp.services(hotels: Hotels(glitchRate: 0)).filter {
            $0.name != PaymentServiceStub.serviceName
        }
        let worker = try InfiniticWorker(
            configuration: WorkerConfiguration(
                transport: .existing(transport), services: services, workflows: TripBookingApp.workflows))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            try await withInfiniticClient(transport: transport) { client in
                let trip = client.workflow(BookTripStub.self)
                let handle = try await client.dispatch { try await trip.run(SampleTrips.trip(0)) }
                var history: WorkflowHistory?
                try await eventually("the trip waits for its payment") {
                    history = try? await WorkflowHistory.read(
                        workflowName: BookTripStub.workflowName, workflowId: handle.id, from: transport)
                    let method = history?.tasks.first?.method
                    return method?.commands.count == 3 && method?.currentStep != nil
                }
                let replayer = WorkflowReplayer(
                    WorkflowDefinition(BookTripStub.self, implementation: BookTripWorkflow.self))
                try await replayer.replay(try #require(history))
            }
            group.cancelAll()
        }
    }
}
