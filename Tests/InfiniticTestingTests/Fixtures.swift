import Foundation
import InfiniticTesting
import Synchronization

// An order: reserve an item (Inventory), then ship it (Shipping). A test that runs no Shipping executor leaves
// the order waiting on its shipment, with a history to read and replay.

@Service protocol Inventory: Sendable {
    func reserve(_ item: String) async throws -> String
}

@Service protocol Shipping: Sendable {
    func ship(_ reservation: String) async throws -> String
    func express(_ reservation: String) async throws -> String
}

@Workflow protocol Order: Sendable {
    func place(_ item: String) async throws -> String
}

struct Warehouse: Inventory {
    func reserve(_ item: String) async throws -> String { "reserved \(item)" }
}

struct Carrier: Shipping {
    func ship(_ reservation: String) async throws -> String { "shipped \(reservation)" }
    func express(_ reservation: String) async throws -> String { "express \(reservation)" }
}

/// Two tasks, one after the other.
struct OrderWorkflow: Order, WorkflowImplementation {
    let context: WorkflowContext
    init(context: WorkflowContext) { self.context = context }

    func place(_ item: String) async throws -> String {
        let reservation = try await context.service(InventoryStub.self).reserve(item)
        return try await context.service(ShippingStub.self).ship(reservation)
    }
}

/// Changed code: the second task is another method than the one recorded.
struct ExpressOrderWorkflow: Order, WorkflowImplementation {
    let context: WorkflowContext
    init(context: WorkflowContext) { self.context = context }

    func place(_ item: String) async throws -> String {
        let reservation = try await context.service(InventoryStub.self).reserve(item)
        return try await context.service(ShippingStub.self).express(reservation)
    }
}

/// Changed code: ships as recorded, but starts another task where the history waits for the shipment.
struct DoubleShippingOrderWorkflow: Order, WorkflowImplementation {
    let context: WorkflowContext
    init(context: WorkflowContext) { self.context = context }

    func place(_ item: String) async throws -> String {
        let reservation = try await context.service(InventoryStub.self).reserve(item)
        let shipping = context.service(ShippingStub.self)
        let shipment = try await context.dispatch { try await shipping.ship(reservation) }
        _ = try await shipping.express(reservation)
        return try await shipment.value
    }
}

// A task that fails on its first attempt and is retried a minute later.

@Service protocol Payments: Sendable {
    func charge(_ amount: Int) async throws -> Int
}

@Workflow protocol Checkout: Sendable {
    func pay(_ amount: Int) async throws -> Int
}

struct CheckoutWorkflow: Checkout, WorkflowImplementation {
    let context: WorkflowContext
    init(context: WorkflowContext) { self.context = context }

    func pay(_ amount: Int) async throws -> Int {
        try await context.service(PaymentsStub.self).charge(amount)
    }
}

struct PaymentGlitch: Error {}

/// Fails its first charge; counts the attempts.
final class GlitchingPayments: Payments, Sendable {
    private let count = Mutex(0)

    var attempts: Int { count.withLock { $0 } }

    func charge(_ amount: Int) async throws -> Int {
        let attempt = count.withLock { count -> Int in
            count += 1
            return count
        }
        if attempt == 1 { throw PaymentGlitch() }
        return amount
    }
}

/// Waits (in real time, up to `timeout`) until `condition` holds.
func waitUntil(
    timeout: Duration = .seconds(10), _ what: String, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(10))
    }
}

struct WaitTimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting until \(what)" }
}
