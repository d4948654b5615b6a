import Foundation
import Infinitic
import InfiniticTesting
import OrderApproval
import Testing

/// The order example: approved in time (one child workflow per parcel), rejected, or expired at its deadline
/// (with a manual clock: no real waiting).
@Suite(.timeLimit(.minutes(1))) struct OrderApprovalTests {
    let order = Order(id: "o-7", customer: "ada", parcels: ["p1", "p2", "p3"])

    @Test func approvedOrderShipsEveryParcelAsAChild() async throws {
        let result = try await withTestWorker(
            services: OrderApprovalApp.services, workflows: OrderApprovalApp.workflows
        ) { client in
            let handle = try await client.dispatch {
                try await client.workflow(OrderFlowStub.self).run(order, deadlineSeconds: 3600)
            }
            // A decision about another order is filtered out; one sent before the order listens is discarded,
            // so the person's tool sends again until the order answers.
            try await client.send(
                Approval(orderId: "other", approved: false, by: "bob"), to: OrderWorkflow.approvals,
                of: OrderFlowStub.self, id: handle.id)
            while true {
                try await client.send(
                    Approval(orderId: order.id, approved: true, by: "ada"), to: OrderWorkflow.approvals,
                    of: OrderFlowStub.self, id: handle.id)
                do {
                    return try await handle.result(timeout: .milliseconds(200))
                } catch let error as InfiniticError where error.code == .timedOut {
                    continue
                }
            }
        }
        #expect(result == "order o-7 approved by ada, shipped: p1-tracked, p2-tracked, p3-tracked")
    }

    @Test func orderExpiresAtItsDeadline() async throws {
        let clock = ManualTransportClock()
        let transport = InMemoryTransport(clock: clock)
        let result = try await withTestWorker(
            services: OrderApprovalApp.services, workflows: OrderApprovalApp.workflows, transport: transport
        ) { client in
            let handle = try await client.dispatch {
                try await client.workflow(OrderFlowStub.self).run(order, deadlineSeconds: 48 * 3600)
            }
            // The deadline is 48 h after the workflow task's instant (the dispatch's wall-clock time).
            while true {
                clock.advance(to: Date().addingTimeInterval(49 * 3600))
                do {
                    return try await handle.result(timeout: .milliseconds(100))
                } catch let error as InfiniticError where error.code == .timedOut {
                    continue
                }
            }
        }
        #expect(result == "order o-7 expired without approval")
    }
}
